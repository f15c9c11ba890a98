"""Access tokens, quotas and request ids, driven by wechatpy 1.8.18 and raw HTTP.

Covered (spec §1, §2, §12, §14.1):
- ``miniplat app create --json`` output shape;
- ``GET /cgi-bin/token`` through ``WeChatClient.fetch_access_token`` (token and
  ``expires_in`` 7200) and its errors: wrong secret 40001, unknown appid
  40013, bad grant_type 40002, missing secret 41004;
- wechatpy's refetch-and-retry on 40001 after the platform revokes all tokens
  and after a secret reset (old secret and old tokens dead at once);
- the previous ``/cgi-bin/token`` token staying valid after a new one is issued;
- invalid (40001) and missing (41001) access tokens;
- ``POST /cgi-bin/stable_token``: normal mode returns the same token with a
  non-increasing ``expires_in``; ``force_refresh`` rotates it, kills the previous
  stable token and leaves ``/cgi-bin/token`` tokens alone; a second force
  refresh within 30 s does not rotate again; GET 43002, empty body 44002,
  malformed JSON 47001, missing appid 41002, missing secret 41004, wrong secret
  40125, unknown appid 40013, bad grant_type 40002;
- ``/cgi-bin/openapi/quota/get`` counting ``/cgi-bin/token`` calls, unknown
  cgi_path 76021, and ``/cgi-bin/clear_quota``;
- ``/cgi-bin/openapi/rid/get``: request details without token or secret,
  malformed 76002, unknown 76001, another app's rid 76003;
- every error answer being HTTP 200 JSON whose errmsg ends in `` rid: <rid>``
  (checked by ``assert_errcode`` on every error in this module);
- no credential the suite saw appearing in the server's stdout/stderr.
"""

import json
import re
import secrets
import string
import time

import pytest
from wechatpy.exceptions import WeChatClientException

from conftest import (
    WECHAT_HOST,
    assert_errcode,
    assert_ok,
    assert_rid_suffix,
    fail_on_leaks,
    json_body,
    rid_of,
)

QUOTA_URL = f"{WECHAT_HOST}/cgi-bin/openapi/quota/get"
RID_GET = "/cgi-bin/openapi/rid/get"
RETRY_PATHS = ["/cgi-bin/openapi/quota/get", "/cgi-bin/token", "/cgi-bin/openapi/quota/get"]


def unknown_appid():
    return "wx" + secrets.token_hex(8)


def quota_of(wx, token, cgi_path="/cgi-bin/token"):
    body = assert_ok(wx.quota(token, cgi_path))
    quota = body["quota"]
    for key in ("daily_limit", "used", "remain"):
        assert isinstance(quota.get(key), int), f"quota.{key} missing or not an int: {body}"
    assert quota["remain"] == quota["daily_limit"] - quota["used"], body
    rate = body.get("rate_limit")
    assert isinstance(rate, dict) and {"call_count", "refresh_second"} <= rate.keys(), body
    return quota


def expect_wechat_error(errcode, call, *args, **kwargs):
    """Run a wechatpy call that must raise ``WeChatClientException(errcode)``."""
    with pytest.raises(WeChatClientException) as info:
        call(*args, **kwargs)
    exc = info.value
    assert exc.errcode == errcode, f"expected errcode {errcode}, got {exc!r}"
    assert exc.response is not None and exc.response.status_code == 200
    assert_rid_suffix(exc.errmsg)
    return exc


def rid_like(rid):
    """A rid of the same shape as ``rid`` that the server never issued: the
    last (up to) eight hex digits are changed, leaving any leading timestamp
    part alone."""
    upper = any(c in "ABCDEF" for c in rid) and not any(c in "abcdef" for c in rid)
    chars, changed = list(rid), 0
    for i in range(len(chars) - 1, -1, -1):
        if changed == 8:
            break
        if chars[i] in string.hexdigits:
            digit = format((int(chars[i], 16) + 1) % 16, "x")
            chars[i] = digit.upper() if upper else digit
            changed += 1
    assert changed, f"rid {rid!r} has no hex digit to change"
    return "".join(chars)


# --------------------------------------------------------------------------
# Platform CLI
# --------------------------------------------------------------------------


def test_cli_app_create_prints_appid_and_secret(platform):
    out = platform.create_app_raw("compat-shape")
    assert re.fullmatch(r"wx[0-9a-f]{16}", out.get("appid", "")), out.get("appid")
    assert re.fullmatch(r"[0-9a-f]{32}", out.get("secret", "")), "secret is not 32 hex digits"
    assert out.get("name") == "compat-shape"


# --------------------------------------------------------------------------
# GET /cgi-bin/token
# --------------------------------------------------------------------------


def test_fetch_access_token(app, make_client):
    client = make_client(app.appid, app.secret)
    result = client.fetch_access_token()
    assert result.get("errcode", 0) == 0
    token = result.get("access_token")
    assert isinstance(token, str) and 0 < len(token) <= 512
    assert result.get("expires_in") == 7200
    assert client.access_token == token


def test_fetch_access_token_with_wrong_secret(app, wrong_secret, make_client):
    expect_wechat_error(40001, make_client(app.appid, wrong_secret).fetch_access_token)


def test_fetch_access_token_with_unknown_appid(wrong_secret, make_client):
    expect_wechat_error(40013, make_client(unknown_appid(), wrong_secret).fetch_access_token)


@pytest.mark.parametrize(
    "case, errcode",
    [
        ("wrong secret", 40001),
        ("unknown appid", 40013),
        ("malformed appid", 40013),
        ("bad grant_type", 40002),
        ("missing secret", 41004),
    ],
)
def test_token_errors(wx, app, wrong_secret, case, errcode):
    appid, secret, grant_type = app.appid, app.secret, "client_credential"
    if case == "wrong secret":
        secret = wrong_secret
    elif case == "unknown appid":
        appid, secret = unknown_appid(), wrong_secret
    elif case == "malformed appid":
        appid, secret = "not-an-appid", wrong_secret
    elif case == "bad grant_type":
        grant_type = "authorization_code"
    elif case == "missing secret":
        secret = None
    assert_errcode(wx.token_response(appid, secret, grant_type), errcode)


def test_previous_token_stays_valid_after_new_issue(wx, app):
    first = wx.token(app)
    second = wx.token(app)
    assert first != second, "every /cgi-bin/token call must issue a new token"
    assert wx.token_works(second)
    assert wx.token_works(first), "the previous token must stay valid for a grace period"


def test_invalid_and_missing_access_token(wx):
    assert_errcode(wx.quota("invalid-token-" + secrets.token_hex(16)), 40001)
    resp = wx.post_json("/cgi-bin/openapi/quota/get", {"cgi_path": "/cgi-bin/token"})
    assert_errcode(resp, 41001)


# --------------------------------------------------------------------------
# wechatpy's reactive refresh (spec §2.4)
# --------------------------------------------------------------------------


def test_wechatpy_refreshes_after_tokens_revoked(wx, app, platform, make_client):
    client = make_client(app.appid, app.secret)
    old = client.access_token
    assert wx.token_works(old)

    assert platform.revoke_tokens(app) >= 1
    assert not wx.token_works(old), "a revoked token must stop working at once"

    result = client.post(QUOTA_URL, data={"cgi_path": "/cgi-bin/token"})
    assert "quota" in result, result
    assert client.redirect.paths[-3:] == RETRY_PATHS, client.redirect.paths
    new = client.session.get(client.access_token_key)
    assert new != old
    assert wx.token_works(new)


def test_wechatpy_refreshes_after_secret_reset(wx, app, platform, make_client):
    old_client = make_client(app.appid, app.secret)
    old_token = old_client.access_token
    old_secret = app.secret

    new_secret = platform.reset_secret(app)
    assert re.fullmatch(r"[0-9a-f]{32}", new_secret) and new_secret != old_secret
    assert not wx.token_works(old_token), "a secret reset must revoke the app's tokens"
    assert_errcode(wx.token_response(app.appid, old_secret), 40001)

    client = make_client(app.appid, new_secret, access_token=old_token)
    result = client.post(QUOTA_URL, data={"cgi_path": "/cgi-bin/token"})
    assert "quota" in result, result
    assert client.redirect.paths == RETRY_PATHS
    new_token = client.session.get(client.access_token_key)
    assert new_token != old_token
    assert wx.token_works(new_token)

    # A client still holding the old secret cannot recover: its refetch fails.
    expect_wechat_error(40001, old_client.post, QUOTA_URL, data={"cgi_path": "/cgi-bin/token"})


# --------------------------------------------------------------------------
# POST /cgi-bin/stable_token
# --------------------------------------------------------------------------


def test_stable_token_normal_mode_returns_same_token(wx, app):
    first = wx.stable_token(app)
    second = wx.stable_token(app, force_refresh=False)
    assert second["access_token"] == first["access_token"]
    assert 0 < first["expires_in"] <= 7200
    assert 0 < second["expires_in"] <= first["expires_in"]
    assert wx.token_works(first["access_token"])


def test_stable_token_force_refresh_rotates(wx, app):
    previous = wx.stable_token(app)["access_token"]
    ordinary = wx.token(app)

    fresh = wx.stable_token(app, force_refresh=True)
    assert fresh["access_token"] != previous
    assert 7190 <= fresh["expires_in"] <= 7200, "a forced token gets the full lifetime"
    assert not wx.token_works(previous), "force_refresh must invalidate the previous stable token"
    assert wx.token_works(fresh["access_token"])
    assert wx.token_works(ordinary), "stable tokens are isolated from /cgi-bin/token tokens"
    assert wx.stable_token(app)["access_token"] == fresh["access_token"]


def test_stable_token_force_refresh_needs_30s_spacing(wx, app):
    current = wx.stable_token(app, force_refresh=True)["access_token"]
    body = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret,
            "force_refresh": True}
    resp = wx.stable_token_response(body)
    if json_body(resp).get("errcode", 0) != 0:
        assert_errcode(resp, 45011)
    else:  # the official doc's wording: "otherwise it will not refresh"
        assert resp.json()["access_token"] == current, "second force_refresh within 30 s rotated"
    assert wx.token_works(current)


def test_stable_token_requires_post(wx):
    assert_errcode(wx.get("/cgi-bin/stable_token"), 43002)


def test_stable_token_empty_and_malformed_body(wx):
    assert_errcode(wx.post_json("/cgi-bin/stable_token", b""), 44002)
    assert_errcode(wx.post_json("/cgi-bin/stable_token", b'{"appid": '), 47001)


@pytest.mark.parametrize(
    "case, errcode",
    [
        ("missing appid", 41002),
        ("missing secret", 41004),
        ("wrong secret", 40125),
        ("unknown appid", 40013),
        ("bad grant_type", 40002),
    ],
)
def test_stable_token_errors(wx, app, wrong_secret, case, errcode):
    body = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret}
    if case == "missing appid":
        del body["appid"]
    elif case == "missing secret":
        del body["secret"]
    elif case == "wrong secret":
        body["secret"] = wrong_secret
    elif case == "unknown appid":
        body.update(appid=unknown_appid(), secret=wrong_secret)
    elif case == "bad grant_type":
        body["grant_type"] = "authorization_code"
    assert_errcode(wx.stable_token_response(body), errcode)


# --------------------------------------------------------------------------
# Quotas (spec §12.2)
# --------------------------------------------------------------------------


def test_quota_get_counts_token_calls(wx, app):
    token = wx.token(app)
    before = quota_of(wx, token)
    assert before["used"] >= 1

    wx.token(app)
    after_one = quota_of(wx, token)
    assert after_one["daily_limit"] == before["daily_limit"]
    assert after_one["used"] == before["used"] + 1

    for _ in range(3):
        wx.token(app)
    assert quota_of(wx, token)["used"] == after_one["used"] + 3


def test_quota_get_unknown_cgi_path(wx, app):
    token = wx.token(app)
    assert_errcode(wx.quota(token, "/cgi-bin/no_such_api"), 76021)


def test_clear_quota_resets_usage(wx, app):
    token = wx.token(app)
    wx.token(app)
    assert quota_of(wx, token)["used"] >= 2
    assert_ok(wx.call("/cgi-bin/clear_quota", token, {"appid": app.appid}))
    cleared = quota_of(wx, token)
    assert cleared["used"] == 0
    assert cleared["remain"] == cleared["daily_limit"]


def test_clear_quota_unknown_appid(wx, app):
    token = wx.token(app)
    assert_errcode(wx.call("/cgi-bin/clear_quota", token, {"appid": unknown_appid()}), 40013)


# --------------------------------------------------------------------------
# Request ids (spec §12.2 rid/get)
# --------------------------------------------------------------------------


def test_rid_get_describes_failed_request(wx, app):
    token = wx.token(app)
    failed = assert_errcode(wx.quota(token, "/cgi-bin/no_such_api"), 76021)

    body = assert_ok(wx.call(RID_GET, token, {"rid": rid_of(failed)}))
    req = body.get("request")
    assert isinstance(req, dict), body
    for key, kind in [("invoke_time", int), ("cost_in_ms", int), ("request_url", str),
                      ("request_body", str), ("response_body", str), ("client_ip", str)]:
        assert isinstance(req.get(key), kind), f"request.{key} missing or not {kind.__name__}"
    assert token not in req["request_url"], "request_url exposes the access_token"
    assert token not in json.dumps(req), "the rid record exposes the access_token"
    assert "/cgi-bin/no_such_api" in req["request_body"]
    assert "76021" in req["response_body"]
    assert req["client_ip"] == "127.0.0.1"
    assert abs(req["invoke_time"] - time.time()) < 600
    assert req["cost_in_ms"] >= 0


def test_rid_get_of_token_request_hides_secret(wx, app, wrong_secret):
    """A failed token call carries the secret in its URL. The server may keep
    no record of it for the app (the caller proved no ownership): then the rid
    is unknown to the app; if it does keep one, the secret must not be in it."""
    failed = assert_errcode(wx.token_response(app.appid, wrong_secret), 40001)
    token = wx.token(app)
    resp = wx.call(RID_GET, token, {"rid": rid_of(failed)})
    body = json_body(resp)
    if body.get("errcode", 0) != 0:
        assert body["errcode"] in (76001, 76003), body
        assert_errcode(resp, body["errcode"])
        return
    record = json.dumps(body.get("request"))
    assert "request_url" in body["request"], body
    assert wrong_secret not in record, "the rid record exposes the secret sent"
    assert app.secret not in record


def test_rid_get_malformed_and_unknown(wx, app):
    token = wx.token(app)
    rid = rid_of(assert_errcode(wx.quota(token, "/cgi-bin/no_such_api"), 76021))
    assert_errcode(wx.call(RID_GET, token, {"rid": "not a rid!"}), 76002)
    assert_errcode(wx.call(RID_GET, token, {"rid": rid_like(rid)}), 76001)


def test_rid_get_of_another_app(wx, app, other_app):
    token = wx.token(app)
    rid = rid_of(assert_errcode(wx.quota(token, "/cgi-bin/no_such_api"), 76021))
    assert_errcode(wx.call(RID_GET, wx.token(other_app), {"rid": rid}), 76003)


# --------------------------------------------------------------------------
# Must stay last: the credentials used above must not be in the server output.
# (The server fixture checks again after shutdown.)
# --------------------------------------------------------------------------


def test_server_output_holds_no_credentials(server):
    assert server.sensitive, "the suite recorded no credentials to look for"
    fail_on_leaks(server.leaked_credentials(), "while serving")
