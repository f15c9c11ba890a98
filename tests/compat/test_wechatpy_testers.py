"""Testers (spec §7.1 rows 19–21) through wechatpy 1.8.18's ``client.wxa``.

A ``wechatid`` names an end-user account by its email (the platform's public
user handle). Covered:
- ``bind_tester`` answers ``userstr`` (wechatpy returns the whole body);
  binding twice raises 85004; an unknown user raises 85001;
- ``memberauth`` ``get_experiencer`` lists the userstrs (raw HTTP: 1.8.18 has
  no method for it);
- ``unbind_tester`` by wechatid (wechatpy) and by userstr (raw HTTP);
- the userstr is stable per (app, user) and differs between apps.
"""

import re
import secrets

import pytest
import requests
from wechatpy.exceptions import WeChatClientException

from conftest import HTTP_TIMEOUT_S, assert_errcode, assert_ok

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_up_end_user(server):
    """Signs an end user up through the web host's form; returns the email."""
    email = f"tester-{secrets.token_hex(4)}@example.com"
    session = requests.Session()
    page = session.get(f"{server.base_url}/signup", timeout=HTTP_TIMEOUT_S)
    csrf = CSRF.search(page.text).group(1)
    form = {"csrf": csrf, "email": email, "nickname": "Tester", "password": "a long enough password"}
    resp = session.post(f"{server.base_url}/signup", data=form, allow_redirects=False, timeout=HTTP_TIMEOUT_S)
    assert resp.status_code in (302, 303), resp.text[:500]
    return email


@pytest.fixture
def client(app, make_client):
    client = make_client(app.appid, app.secret)
    client.fetch_access_token()
    return client


def experiencers(wx, client):
    body = assert_ok(wx.call("/wxa/memberauth", client.access_token, {"action": "get_experiencer"}))
    return [m["userstr"] for m in body["members"]]


def test_wechatpy_binds_lists_and_unbinds_testers(server, client, other_app, make_client, wx):
    ann = sign_up_end_user(server)
    bob = sign_up_end_user(server)

    bound = client.wxa.bind_tester(ann)
    assert bound["errcode"] == 0 and bound["errmsg"] == "ok"
    ann_userstr = bound["userstr"]
    assert re.fullmatch(r"[0-9a-f]{64}", ann_userstr)
    bob_userstr = client.wxa.bind_tester(bob)["userstr"]
    assert experiencers(wx, client) == [ann_userstr, bob_userstr]

    other = make_client(other_app.appid, other_app.secret)
    other.fetch_access_token()
    assert other.wxa.bind_tester(ann)["userstr"] != ann_userstr

    client.wxa.unbind_tester(ann)
    assert_ok(wx.call("/wxa/unbind_tester", client.access_token, {"userstr": bob_userstr}))
    assert experiencers(wx, client) == []
    assert client.wxa.bind_tester(ann)["userstr"] == ann_userstr, "stable per (app, user)"


def test_wechatpy_tester_errors_raise_with_the_errcode(server, client, wx):
    ann = sign_up_end_user(server)
    client.wxa.bind_tester(ann)
    for wechatid, errcode in [(ann, 85004), ("nobody@example.com", 85001), ("wxid_unknown", 85001)]:
        with pytest.raises(WeChatClientException) as raised:
            client.wxa.bind_tester(wechatid)
        assert raised.value.errcode == errcode, raised.value
    assert_errcode(wx.call("/wxa/unbind_tester", client.access_token, {}), 47001)
