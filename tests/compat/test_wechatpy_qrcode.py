"""Mini program codes (spec §1 "Binary responses", §4.1, §7.1 row 3), driven by
wechatpy 1.8.18's ``client.wxa`` and raw HTTP.

Covered:
- ``create_qrcode``, ``get_wxa_code``, ``get_wxa_code_unlimited`` (with
  ``check_path`` false through raw HTTP: 1.8.18 cannot send it) and
  ``get_qrcode`` return the raw image: wechatpy hands back the
  ``requests.Response`` because the body is not JSON; ``Content-Type`` is
  exactly ``image/jpeg``; ``Num-Used`` counts limited codes;
  ``get_qrcode`` is an attachment named ``QRCode.jpg``;
- errors raise ``WeChatClientException`` with the right errcode: 1.8.18's
  ``get_wxa_code_unlimited`` omits ``check_path`` (default true) and nothing is
  released yet → 41030; scene too long 40169; bad scene 40129; empty path 40159;
- error bodies are ``application/json; charset=utf-8`` with a rid;
- URL Scheme / URL Link in wechatpy master's request shapes (``[]`` for
  ``jump_wxa`` and ``cloud_base``, legacy ``is_expire``);
- ``miniplat app preview --output FILE`` saves the trial code; its URL opens
  the web host page, which refuses outsiders.
"""

import pytest
import requests
from wechatpy.exceptions import WeChatClientException

from conftest import assert_errcode

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG"


def assert_image(resp, magic=JPEG):
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "image/jpeg", resp.headers
    assert resp.content.startswith(magic), resp.content[:16]
    return resp


def expect_wechat_error(errcode, call, *args, **kwargs):
    with pytest.raises(WeChatClientException) as raised:
        call(*args, **kwargs)
    assert raised.value.errcode == errcode, raised.value


@pytest.fixture
def client(app, make_client):
    client = make_client(app.appid, app.secret)
    client.fetch_access_token()
    return client


def test_wechatpy_limited_codes_are_images_and_counted(client):
    first = assert_image(client.wxa.get_wxa_code("pages/index/index?id=1"))
    assert first.headers["Num-Used"] == "1"
    second = assert_image(client.wxa.create_qrcode("pages/index/index?id=2", width=300))
    assert second.headers["Num-Used"] == "2"
    coloured = client.wxa.get_wxa_code("pages/index/index", line_color={"r": "255", "g": "0", "b": "0"},
                                      is_hyaline=True)
    assert_image(coloured, magic=PNG)


def test_wechatpy_trial_qrcode_is_an_attachment(client):
    resp = assert_image(client.wxa.get_qrcode())
    assert resp.headers["Content-disposition"] == 'attachment; filename="QRCode.jpg"'


def test_wechatpy_unlimited_code_checks_the_released_page(client, wx):
    # 1.8.18 sends no check_path: the default (true) needs a released page.
    expect_wechat_error(41030, client.wxa.get_wxa_code_unlimited, "id=1", page="pages/index/index")
    expect_wechat_error(40169, client.wxa.get_wxa_code_unlimited, "x" * 33)
    expect_wechat_error(40129, client.wxa.get_wxa_code_unlimited, "100%")
    expect_wechat_error(40159, client.wxa.get_wxa_code, "")
    body = {"scene": "id=1", "page": "pages/index/index", "check_path": False, "env_version": "trial"}
    assert_image(wx.call("/wxa/getwxacodeunlimit", client.access_token, body))


def test_code_errors_are_json(client, wx):
    resp = wx.call("/wxa/getwxacodeunlimit", client.access_token, {"scene": "a", "env_version": "beta",
                                                                     "check_path": False})
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert_errcode(resp, 40097)
    assert_errcode(wx.call("/wxa/getwxacode", "not-a-token", {"path": "a"}), 40001)


def test_cli_preview_saves_the_trial_code(server, platform, app, tmp_path):
    output = tmp_path / "trial.jpg"
    out = server.cli_json("app", "preview", app.appid, "--output", str(output), "--json",
                          api_key=platform.api_key)
    # public_url defaults to the listen address, so the code points at this server.
    assert out["url"].startswith(server.base_url + "/s/"), out
    assert output.read_bytes().startswith(JPEG)
    # What the code encodes opens the web host page of the trial version.
    page = requests.get(out["url"], timeout=30)
    assert page.status_code == 200
    assert "Only members and testers" in page.text


def test_url_scheme_and_link_in_wechatpy_master_shapes(client, wx):
    # wechatpy master sends `jump_wxa=()` / `cloud_base=()` as JSON `[]`, and the legacy fields.
    token = client.access_token
    body = {"is_expire": False, "expire_type": 0, "expire_time": 0, "expire_interval": 0, "jump_wxa": []}
    assert_errcode(wx.call("/wxa/generatescheme", token, body), 85079)  # nothing released yet
    body["jump_wxa"] = {"path": "pages/index/index", "query": "a=1", "env_version": "trial"}
    scheme = wx.call("/wxa/generatescheme", token, body).json()
    assert scheme["errcode"] == 0 and scheme["openlink"].startswith("miniplat://dl/business/?t="), scheme
    body = {"path": "pages/index/index", "query": "a=1", "is_expire": True, "expire_type": 1,
            "expire_interval": 1, "env_version": "develop", "cloud_base": []}
    link = wx.call("/wxa/generate_urllink", token, body).json()
    assert link["errcode"] == 0 and "/l/" in link["url_link"], link
    queried = wx.call("/wxa/query_urllink", token, {"url_link": link["url_link"]}).json()
    assert queried["url_link_info"]["cloud_base"]["doamin"] == ""
