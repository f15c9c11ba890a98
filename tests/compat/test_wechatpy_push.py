"""Push to the developer's server (spec §9) as wechatpy 1.8.18 receives it.

The test runs a developer server of its own on a loopback port: the URL
handshake is answered only when wechatpy's ``check_signature`` accepts it;
pushed events are verified with ``check_signature`` (the plain ``signature``)
and decrypted with ``WeChatCrypto.decrypt_message`` (``msg_signature``, safe
mode) for both XML and JSON bodies; a plain-mode push is parsed as is.
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from conftest import HTTP_TIMEOUT_S

TOKEN = "CompatPushToken"
DELIVERY_TIMEOUT_S = 15


class Receiver:
    """A developer server on 127.0.0.1: handshake checked with wechatpy, pushes recorded."""

    def __init__(self, token):
        self.token = token
        self.pushes = []
        self.handshakes = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _query(self):
                return dict(parse_qsl(urlsplit(self.path).query))

            def do_GET(self):
                query = self._query()
                with receiver.lock:
                    receiver.handshakes += 1
                try:
                    check_signature(receiver.token, query["signature"], query["timestamp"], query["nonce"])
                except (InvalidSignatureException, KeyError):
                    self._answer(403, b"bad signature")
                    return
                self._answer(200, query["echostr"].encode())

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                with receiver.lock:
                    receiver.pushes.append({
                        "query": self._query(),
                        "content_type": self.headers.get("Content-Type"),
                        "event_id": self.headers.get("X-Miniplat-Event-Id"),
                        "body": body,
                    })
                self._answer(200, b"success")

            def _answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/wechat/push"

    def wait_for(self, event_id):
        deadline = time.monotonic() + DELIVERY_TIMEOUT_S
        while time.monotonic() < deadline:
            with self.lock:
                found = [p for p in self.pushes if p["event_id"] == event_id]
            if found:
                return found[0]
            time.sleep(0.1)
        pytest.fail(f"event {event_id} was not pushed within {DELIVERY_TIMEOUT_S} s")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    rec = Receiver(TOKEN)
    yield rec
    rec.close()


def random_aes_key():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(43))


def configure(platform, app, url, aes_key, mode, fmt):
    return platform.http.put(
        f"{platform.server.base_url}/api/v1/apps/{app.appid}/push",
        json={"url": url, "token": TOKEN, "encoding_aes_key": aes_key, "mode": mode, "format": fmt},
        timeout=HTTP_TIMEOUT_S,
    )


def push_test_event(platform, app, debug_str):
    resp = platform.http.post(
        f"{platform.server.base_url}/api/v1/apps/{app.appid}/push/test",
        json={"debug_str": debug_str}, timeout=HTTP_TIMEOUT_S,
    )
    assert resp.status_code == 202, resp.text
    return resp.json()["event_id"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_safe_mode_push_decrypts_with_wechatpy(platform, app, receiver, fmt):
    aes_key = random_aes_key()
    platform.server.remember(aes_key, "EncodingAESKey")
    resp = configure(platform, app, receiver.url, aes_key, "safe", fmt)
    assert resp.status_code == 200, resp.text
    assert receiver.handshakes == 1
    assert TOKEN not in resp.text and aes_key not in resp.text

    event_id = push_test_event(platform, app, f"hello {fmt} <&> 世界")
    push = receiver.wait_for(event_id)
    query = push["query"]
    assert push["content_type"] == ("text/xml" if fmt == "xml" else "application/json")
    assert query["encrypt_type"] == "aes"
    # silenceper checks the plain signature even in safe mode; wechatpy the msg_signature.
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    crypto = WeChatCrypto(TOKEN, aes_key, app.appid)
    body = push["body"] if fmt == "xml" else json.loads(push["body"])
    plain = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    event = xmltodict.parse(plain)["xml"] if fmt == "xml" else json.loads(plain)
    assert event["MsgType"] == "event"
    assert event["Event"] == "debug_demo"
    assert event["debug_str"] == f"hello {fmt} <&> 世界"
    assert str(event["CreateTime"]) == query["timestamp"]
    assert event["ToUserName"].startswith("gh_")

    # A forged msg_signature is caught by wechatpy.
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(body, "0" * 40, query["timestamp"], query["nonce"])


def test_plain_mode_push_and_handshake_refusal(platform, app, receiver):
    aes_key = random_aes_key()
    wrong = Receiver("AnotherToken")
    try:
        resp = configure(platform, app, wrong.url, aes_key, "plain", "xml")
        assert resp.status_code == 400, resp.text
        assert resp.json()["error"]["code"] == "invalid_input"
        assert wrong.handshakes == 1
    finally:
        wrong.close()
    shown = platform.http.get(f"{platform.server.base_url}/api/v1/apps/{app.appid}/push", timeout=HTTP_TIMEOUT_S)
    assert shown.json() == {"push": None}

    resp = configure(platform, app, receiver.url, aes_key, "plain", "xml")
    assert resp.status_code == 200, resp.text
    event_id = push_test_event(platform, app, "plain")
    push = receiver.wait_for(event_id)
    check_signature(TOKEN, push["query"]["signature"], push["query"]["timestamp"], push["query"]["nonce"])
    assert "msg_signature" not in push["query"]
    event = xmltodict.parse(push["body"])["xml"]
    assert (event["Event"], event["debug_str"]) == ("debug_demo", "plain")

    log = platform.http.get(
        f"{platform.server.base_url}/api/v1/apps/{app.appid}/push/deliveries", timeout=HTTP_TIMEOUT_S
    ).json()["deliveries"]
    assert any(d["event_id"] == event_id and d["outcome"] == "delivered" for d in log), log
