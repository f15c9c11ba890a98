"""Categories (spec §8.2, §7.1 row 4) and temporary media through wechatpy 1.8.18.

Covered:
- ``client.media.upload("image", file)`` answers ``{type, media_id, created_at}``;
  an unsupported type raises 40004, bytes that are no image 40005;
- ``addcategory`` (raw HTTP: 1.8.18 has no method for it) approves a category
  that needs no document at once, and refuses a duplicate with 53304;
- ``client.wxa.get_category()`` lists it with class names and ids.
"""

import io

import pytest
from wechatpy.exceptions import WeChatClientException

from conftest import assert_errcode, assert_ok

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def client(app, make_client):
    client = make_client(app.appid, app.secret)
    client.fetch_access_token()
    return client


def test_wechatpy_uploads_temporary_media(client):
    uploaded = client.media.upload("image", ("licence.png", io.BytesIO(PNG)))
    assert uploaded["type"] == "image"
    assert len(uploaded["media_id"]) == 40 and isinstance(uploaded["created_at"], int)
    for media_type, data, errcode in [("voice", PNG, 40004), ("image", b"<svg/>", 40005)]:
        with pytest.raises(WeChatClientException) as raised:
            client.media.upload(media_type, ("file.bin", io.BytesIO(data)))
        assert raised.value.errcode == errcode, raised.value


def test_wechatpy_reads_the_categories_added(client, wx):
    assert client.wxa.get_category() == []
    body = {"categories": [{"first": 1, "second": 101}]}
    assert_ok(wx.call("/cgi-bin/wxopen/addcategory", client.access_token, body))
    assert_errcode(wx.call("/cgi-bin/wxopen/addcategory", client.access_token, body), 53304)
    assert client.wxa.get_category() == [
        {"first_class": "工具", "second_class": "效率", "first_id": 1, "second_id": 101}
    ]
