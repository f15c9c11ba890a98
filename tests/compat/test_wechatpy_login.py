"""Login and open data (spec §3) through wechatpy 1.8.18 against the real binary.

A native host registered with ``miniplat admin host create`` logs its user in
to the trial version of a mini program through the Host API; then:
- ``client.wxa.code_to_session`` (which also sends an ``access_token``) returns
  openid, session_key and unionid; the same code again raises 40163;
- ``WeChatWxaCrypto(session_key, iv, appid).decrypt_message`` decrypts the
  host's profile ``encryptedData`` and checks its watermark, and
  ``check_wxa_signature`` accepts the ``rawData`` signature;
- ``/wxa/checksession`` accepts hmac_sha256(session_key, "") and refuses others.
"""

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

import pytest
import requests
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import WeChatClientException
from wechatpy.utils import check_wxa_signature

from conftest import HTTP_TIMEOUT_S, assert_errcode, assert_ok

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "minimal"


@pytest.fixture(scope="module")
def host(server):
    out = server.cli_json("admin", "host", "create", "Compat Host",
                          "--data-dir", str(server.data_dir), "--json")
    server.remember(out["secret"], "host secret")
    assert out["key"].startswith("hk"), out
    return out


def host_call(server, host, method, path, body):
    auth = base64.b64encode(f"{host['key']}:{host['secret']}".encode()).decode()
    resp = requests.request(method, f"{server.base_url}{path}", json=body, timeout=HTTP_TIMEOUT_S,
                            headers={"Authorization": f"Basic {auth}"})
    assert resp.status_code in (200, 201), f"{method} {path}: {resp.status_code} {resp.text[:500]}"
    assert "session_key" not in resp.text
    return resp.json()


@pytest.fixture
def trial_app(server, platform, app):
    """The app with a trial version (uploaded with the CLI, chosen through the API)."""
    out = server.cli_json("app", "upload", "--appid", app.appid, "--project", str(EXAMPLE),
                          "--version", "1.0.0", "--json", api_key=platform.api_key)
    version_id = out.get("id") or out["version"]["id"]
    resp = platform.http.put(f"{server.base_url}/api/v1/apps/{app.appid}/trial",
                             json={"version_id": version_id}, timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 200, resp.text[:500]
    return app


@pytest.fixture
def user(server, host, trial_app, make_client):
    """A host user, bound as a tester of the trial app."""
    name = f"user-{secrets.token_hex(4)}"
    out = host_call(server, host, "PUT", f"/host/v1/users/{name}", {"nickname": "Band"})
    client = make_client(trial_app.appid, trial_app.secret)
    client.wxa.bind_tester(out["wechatid"])
    return name


def login(server, host, app, user):
    body = {"appid": app.appid, "user": user, "env_version": "trial"}
    code = host_call(server, host, "POST", "/host/v1/login", body)["code"]
    server.remember(code, "js_code")
    return code


def test_code_to_session_and_reuse(server, host, trial_app, user, make_client):
    client = make_client(trial_app.appid, trial_app.secret)
    code = login(server, host, trial_app, user)
    session = client.wxa.code_to_session(code)
    server.remember(session["session_key"], "session_key")
    assert len(session["openid"]) == 28 and session["openid"].startswith("o")
    assert len(base64.b64decode(session["session_key"])) == 16
    assert session["unionid"]
    with pytest.raises(WeChatClientException) as raised:
        client.wxa.code_to_session(code)
    assert raised.value.errcode == 40163
    again = client.wxa.code_to_session(login(server, host, trial_app, user))
    server.remember(again["session_key"], "session_key")
    assert again["openid"] == session["openid"]
    assert again["session_key"] != session["session_key"]


def declare_and_agree(server, host, app, user, wx, client):
    """The app declares the profile in its privacy guide; the user agrees in the host's pop-up."""
    guide = {
        "owner_setting": {"contact_email": "dpo@example.com", "notice_method": "pop-up"},
        "setting_list": [{"privacy_key": "UserInfo", "privacy_text": "greet you by name"}],
    }
    saved = wx.call("/cgi-bin/component/setprivacysetting", client.access_token, guide).json()
    assert saved["errcode"] == 0, saved
    shown = {"appid": app.appid, "user": user, "env_version": "trial"}
    setting = host_call(server, host, "POST", "/host/v1/privacy/setting", shown)
    assert setting["needAuthorization"] is True
    host_call(server, host, "POST", "/host/v1/privacy/agree",
              dict(shown, policy_version=setting["policy"]["version"]))


def test_open_data_decrypts_with_wechatpy(server, host, trial_app, user, make_client, wx):
    client = make_client(trial_app.appid, trial_app.secret)
    session = client.wxa.code_to_session(login(server, host, trial_app, user))
    key = session["session_key"]
    server.remember(key, "session_key")
    declare_and_agree(server, host, trial_app, user, wx, client)
    profile = host_call(server, host, "POST", "/host/v1/user-profile",
                        {"appid": trial_app.appid, "user": user, "env_version": "trial"})
    check_wxa_signature(key, profile["rawData"], profile["signature"])  # raises if wrong
    data = WeChatWxaCrypto(key, profile["iv"], trial_app.appid).decrypt_message(profile["encryptedData"])
    assert data["watermark"]["appid"] == trial_app.appid
    assert data["nickName"] == "Band"
    assert data["openId"] == session["openid"]


def test_checksession_signatures(server, host, trial_app, user, make_client, wx):
    client = make_client(trial_app.appid, trial_app.secret)
    session = client.wxa.code_to_session(login(server, host, trial_app, user))
    key = session["session_key"]
    server.remember(key, "session_key")
    signature = hmac.new(key.encode(), b"", hashlib.sha256).hexdigest()
    server.remember(signature, "signature")
    params = {"openid": session["openid"], "signature": signature, "sig_method": "hmac_sha256"}
    # wechatpy adds access_token to the dict it is given: give it a copy.
    assert client.get("https://api.weixin.qq.com/wxa/checksession", params=dict(params))["errcode"] == 0
    token = client.access_token
    wrong = dict(params, signature=hmac.new(b"other", b"", hashlib.sha256).hexdigest())
    assert_errcode(wx.get("/wxa/checksession", access_token=token, **wrong), 87009)
    assert_errcode(wx.get("/wxa/checksession", access_token=token, **dict(params, sig_method="md5")), 87008)
    assert_ok(wx.get("/wxa/checksession", access_token=token, **params))
