"""Release review and release (spec §7) driven by wechatpy 1.8.18's ``client.wxa``.

A mini program uploads ``examples/minimal`` with the CLI and picks it as its
trial version, takes a category, and configures safe-mode push to a receiver
of the test's own. wechatpy then reads ``get_category`` and ``get_page``,
submits with ``submit_audit`` and polls ``get_audit_status`` while the
server's background worker runs the automated checks; a staff member approves
with ``miniplat admin review decide``; the receiver decrypts the
``weapp_audit_success`` push with ``WeChatCrypto``; ``release``,
``change_visit_status`` and ``query_quota`` follow, and the error codes
wechatpy raises are the spec's.
"""

import json
import pathlib
import time

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import WeChatClientException

from conftest import HTTP_TIMEOUT_S, WECHAT_HOST
from test_wechatpy_push import TOKEN, Receiver, configure, random_aes_key

MINIMAL = pathlib.Path(__file__).resolve().parents[2] / "examples" / "minimal"
WAIT_S = 20
# wechatpy prefixes relative paths with /cgi-bin/; /wxa/ endpoints need the full URL.
WXA = f"{WECHAT_HOST}/wxa/"


@pytest.fixture
def receiver():
    rec = Receiver(TOKEN)
    yield rec
    rec.close()


def expect_errcode(errcode, call, *args, **kwargs):
    with pytest.raises(WeChatClientException) as caught:
        call(*args, **kwargs)
    assert caught.value.errcode == errcode, caught.value


def upload_trial(server, platform, app, version):
    uploaded = server.cli_json("app", "upload", "--appid", app.appid, "--project", str(MINIMAL),
                               "--version", version, "--json", api_key=platform.api_key)
    resp = platform.http.put(f"{server.base_url}/api/v1/apps/{app.appid}/trial",
                             json={"version_id": uploaded["id"]}, timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 200, resp.text


def wait_until(what, probe):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {WAIT_S} s")


def decrypted_events(receiver, crypto):
    with receiver.lock:
        pushes = list(receiver.pushes)
    events = []
    for push in pushes:
        query = push["query"]
        plain = crypto.decrypt_message(json.loads(push["body"]), query["msg_signature"],
                                       query["timestamp"], query["nonce"])
        events.append(json.loads(plain))
    return events


def test_wechatpy_submits_for_review_and_releases(server, platform, app, make_client, receiver):
    aes_key = random_aes_key()
    server.remember(aes_key, "EncodingAESKey")
    assert configure(platform, app, receiver.url, aes_key, "safe", "json").status_code == 200
    crypto = WeChatCrypto(TOKEN, aes_key, app.appid)
    upload_trial(server, platform, app, "1.0.0")
    client = make_client(app.appid, app.secret)

    # Before a category is approved there is nothing to choose from.
    assert client.wxa.get_category() == []
    added = client.post("wxopen/addcategory",
                        data={"categories": [{"first": 1, "second": 101, "certicates": []}]})
    assert added["errcode"] == 0
    [category] = client.wxa.get_category()
    assert (category["first_id"], category["second_id"]) == (1, 101)
    assert "pages/index/index" in client.wxa.get_page()

    submitted = client.wxa.submit_audit({"item_list": [{
        "address": "pages/index/index", "tag": "tool", "title": "Home",
        "first_class": category["first_class"], "second_class": category["second_class"],
        "first_id": 1, "second_id": 101,
    }], "version_desc": "compat"})
    auditid = submitted["auditid"]
    assert isinstance(auditid, int)
    expect_errcode(85009, client.wxa.submit_audit, {})
    assert client.wxa.get_audit_status(auditid)["status"] == 2

    # The server's worker runs the checks; the review then waits for a person.
    def queued():
        resp = platform.http.get(f"{server.base_url}/api/v1/apps/{app.appid}/reviews/{auditid}",
                                 timeout=HTTP_TIMEOUT_S)
        return resp.json()["review"]["state"] == "queued"
    wait_until("the automated checks", queued)

    server.cli_json("admin", "developer", "create", "--email", "staff@example.com", "--operator",
                    "--data-dir", str(server.data_dir), "--json")
    decided = server.cli_json("admin", "review", "decide", "--auditid", str(auditid),
                              "--as", "staff@example.com", "--approve",
                              "--data-dir", str(server.data_dir), "--json")
    assert decided == {"auditid": auditid, "state": "approved"}
    latest = client.wxa.get_latest_audit_status()
    assert (latest["auditid"], latest["status"], latest["user_version"]) == (auditid, 0, "1.0.0")

    events = wait_until("the weapp_audit_success push",
                        lambda: [e for e in decrypted_events(receiver, crypto)
                                 if e["Event"] == "weapp_audit_success"])
    assert events[0]["ToUserName"].startswith("gh_")
    assert isinstance(events[0]["SuccTime"], int)

    assert client.wxa.release()["errcode"] == 0
    expect_errcode(85052, client.wxa.release)
    assert client.wxa.change_visit_status(close=True)["errcode"] == 0
    assert client.post(WXA + "getvisitstatus", data={})["status"] == 0
    assert client.wxa.change_visit_status(close=False)["errcode"] == 0
    assert client.post(WXA + "getvisitstatus", data={})["status"] == 1
    info = client.post(WXA + "getversioninfo", data={})
    assert info["release_info"]["release_version"] == "1.0.0"

    quota = client.wxa.query_quota()
    assert quota["limit"] - quota["rest"] == 1, quota
    expect_errcode(89402, client.wxa.undo_code_audit)


def test_wechatpy_withdraws_and_sees_an_unknown_auditid(server, platform, app, make_client):
    upload_trial(server, platform, app, "1.0.0")
    client = make_client(app.appid, app.secret)
    auditid = client.wxa.submit_audit({})["auditid"]
    expect_errcode(85012, client.wxa.get_audit_status, auditid + 1000)
    assert client.wxa.undo_code_audit()["errcode"] == 0
    assert client.wxa.get_audit_status(auditid)["status"] == 3
    expect_errcode(85019, client.wxa.release)
