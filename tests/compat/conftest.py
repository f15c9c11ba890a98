"""Fixtures for the WeChat wire-compatibility suite.

The suite starts the real ``miniplat`` binary (``$MINIPLAT_BIN``) once per
pytest session on a free loopback port with a fresh data directory, creates a
developer with ``miniplat admin developer create`` and apps with
``miniplat app create``, and talks to it both through wechatpy 1.8.18 (with
``https://api.weixin.qq.com`` rewritten to the local server, spec §14.1
recipe 1) and through plain ``requests``.

Every credential the suite sees (API keys, app secrets, access tokens, and
the wrong secrets it sends on purpose) is remembered; when the session ends
the server is stopped with SIGTERM (it must exit 0 within 10 s) and its
captured stdout/stderr must contain none of them.
"""

import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient

WECHAT_HOST = "https://api.weixin.qq.com"
RID_SUFFIX = re.compile(r" rid: (\S+)$")
STARTUP_TIMEOUT_S = 60
SHUTDOWN_TIMEOUT_S = 10
CLI_TIMEOUT_S = 60
HTTP_TIMEOUT_S = 30


def pytest_configure(config):
    binary = os.environ.get("MINIPLAT_BIN")
    if not binary:
        raise pytest.UsageError(
            "MINIPLAT_BIN is not set: point it at the miniplat server binary "
            "(scripts/test does this after `cargo build`)"
        )
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise pytest.UsageError(f"MINIPLAT_BIN={binary!r} is not an executable file")


# --------------------------------------------------------------------------
# Response assertions shared by the test modules
# --------------------------------------------------------------------------


def json_body(resp):
    """Assert HTTP 200 with a JSON object body (any errcode); return the body."""
    assert resp.status_code == 200, (
        f"{resp.request.method} {_path(resp.request.url)}: expected HTTP 200, "
        f"got {resp.status_code}: {resp.text[:500]}"
    )
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"Content-Type is {ctype!r}, not JSON"
    body = resp.json()
    assert isinstance(body, dict), f"response is not a JSON object: {body!r}"
    return body


def assert_ok(resp):
    """Assert a WeChat success response (errcode absent or 0); return the body."""
    body = json_body(resp)
    assert body.get("errcode", 0) == 0, f"expected success, got {body}"
    return body


def assert_errcode(resp, errcode):
    """Assert a WeChat error response (spec §1): HTTP 200, JSON, the given
    integer errcode and an errmsg ending in `` rid: <rid>``. Returns the body."""
    body = json_body(resp)
    assert body.get("errcode") == errcode, f"expected errcode {errcode}, got {body}"
    assert isinstance(body["errcode"], int), f"errcode is not an integer: {body}"
    assert_rid_suffix(body.get("errmsg"))
    return body


def assert_rid_suffix(errmsg):
    assert isinstance(errmsg, str), f"errmsg is not a string: {errmsg!r}"
    assert RID_SUFFIX.search(errmsg), f"errmsg does not end in ' rid: <rid>': {errmsg!r}"


def rid_of(body):
    """The request id at the end of an error response's errmsg."""
    return RID_SUFFIX.search(body["errmsg"]).group(1)


def _path(url):
    return urlsplit(url).path


# --------------------------------------------------------------------------
# The server under test
# --------------------------------------------------------------------------


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _child_env(**extra):
    """The caller's environment without any MINIPLAT_* settings of its own
    (the server reads its configuration from MINIPLAT_* variables), plus the
    given ones, so a developer's shell cannot steer the suite."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIPLAT_")}
    env.update(extra)
    return env


def _tail(path, limit=4000):
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return ""


class Server:
    """One running ``miniplat serve`` with its data dir and captured output."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir  # the cwd of every miniplat process: no stray miniplat.toml
        self.data_dir = workdir / "data"
        self.data_dir.mkdir()
        self.stdout_path = workdir / "server.stdout.log"
        self.stderr_path = workdir / "server.stderr.log"
        self.proc = None
        self.base_url = None
        # value -> description of every credential that must never be logged
        self.sensitive = {}

    # -- lifecycle ---------------------------------------------------------

    def start(self, attempts=3):
        for _ in range(attempts):
            port = _free_port()
            self.base_url = f"http://127.0.0.1:{port}"
            with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--data-dir", str(self.data_dir),
                     "--listen", f"127.0.0.1:{port}"],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    # The push tests' receiver listens on loopback, which push URLs may
                    # only reach when the operator allows private addresses.
                    env=_child_env(MINIPLAT_PUSH_ALLOW_PRIVATE_ADDRESSES="true"),
                    cwd=self.workdir,
                )
            if self._wait_ready():
                return
            if self.proc.poll() is None:
                self.kill()
                break  # running but never healthy: retrying would not help
        pytest.fail(
            f"miniplat serve did not become ready at {self.base_url}/healthz "
            f"(exit status {self.proc.poll()}).\n--- stderr ---\n{_tail(self.stderr_path)}"
            f"\n--- stdout ---\n{_tail(self.stdout_path)}"
        )

    def _wait_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # exited, e.g. the port was taken in the meantime
            try:
                if requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    def stop(self):
        """SIGTERM, then the server must exit with status 0 within 10 s."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"miniplat serve did not exit within {SHUTDOWN_TIMEOUT_S} s of SIGTERM")
        assert status == 0, (
            f"miniplat serve exited with status {status} after SIGTERM\n{_tail(self.stderr_path)}"
        )

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    # -- the CLI -----------------------------------------------------------

    def cli_json(self, *args, api_key=None):
        """Run ``miniplat ARGS`` against this server and parse its JSON output."""
        extra = {"MINIPLAT_SERVER": self.base_url}
        if api_key is not None:
            extra["MINIPLAT_API_KEY"] = api_key
        proc = subprocess.run(
            [self.binary, *args], stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=CLI_TIMEOUT_S, env=_child_env(**extra), cwd=self.workdir,
        )
        assert proc.returncode == 0, (
            f"miniplat {' '.join(args)} exited {proc.returncode}\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
        try:
            return json.loads(proc.stdout)
        except ValueError:
            pytest.fail(f"miniplat {' '.join(args)} did not print JSON: {proc.stdout!r}")

    # -- credentials that must stay out of the logs ------------------------

    def remember(self, value, what):
        if isinstance(value, str) and len(value) >= 8:
            self.sensitive.setdefault(value, what)

    def harvest(self, resp, *args, **kwargs):
        """``requests`` response hook: remember credentials found in a reply."""
        try:
            body = resp.json()
        except ValueError:
            return
        if isinstance(body, dict):
            for key in ("access_token", "secret", "api_key"):
                self.remember(body.get(key), f"{key} returned by {_path(resp.url)}")

    def leaked_credentials(self):
        """Descriptions of remembered credentials present in the server output,
        with the offending log line (the credential itself masked)."""
        logs = [(p.name, p.read_bytes()) for p in (self.stdout_path, self.stderr_path)]
        leaks = []
        for value, what in self.sensitive.items():
            needle = value.encode()
            for name, data in logs:
                at = data.find(needle)
                if at >= 0:
                    start = data.rfind(b"\n", 0, at) + 1
                    end = data.find(b"\n", at)
                    line = data[start:end if end >= 0 else None]
                    line = line.replace(needle, b"<" + what.encode() + b">")
                    leaks.append(f"{what} in {name}: {line.decode(errors='replace')[:400]}")
        return leaks


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = Server(os.environ["MINIPLAT_BIN"], tmp_path_factory.mktemp("miniplat"))
    srv.start()
    try:
        yield srv
        srv.stop()
    finally:
        srv.kill()  # no-op unless stop() was skipped or failed
    fail_on_leaks(srv.leaked_credentials(), "after shutdown")


def fail_on_leaks(leaks, when, shown=15):
    if leaks:
        more = f"\n... and {len(leaks) - shown} more" if len(leaks) > shown else ""
        pytest.fail(f"{len(leaks)} credential(s) found in the server's output {when}:\n"
                    + "\n".join(leaks[:shown]) + more, pytrace=False)


# --------------------------------------------------------------------------
# Platform side: developer, apps, secret reset, token revocation
# --------------------------------------------------------------------------


class App:
    def __init__(self, appid, secret, name):
        self.appid, self.secret, self.name = appid, secret, name

    def __repr__(self):  # never show the secret in assertion output
        return f"App({self.appid!r}, name={self.name!r})"


class Platform:
    """The developer-facing API: apps via the CLI, the rest via HTTP."""

    _names = itertools.count(1)

    def __init__(self, server, api_key):
        self.server = server
        self.api_key = api_key
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["Authorization"] = f"Bearer {api_key}"
        self.http.hooks["response"].append(server.harvest)

    def create_app_raw(self, name=None):
        """``miniplat app create --json`` output, unvalidated."""
        name = name or f"compat-{next(self._names)}"
        out = self.server.cli_json("app", "create", "--name", name, "--json",
                                   api_key=self.api_key)
        self.server.remember(out.get("secret"), f"secret of {out.get('appid')}")
        return out

    def create_app(self):
        out = self.create_app_raw()
        return App(out["appid"], out["secret"], out["name"])

    def _post(self, path):
        resp = self.http.post(f"{self.server.base_url}{path}", timeout=HTTP_TIMEOUT_S)
        assert resp.status_code == 200, f"POST {path}: {resp.status_code} {resp.text[:500]}"
        return resp.json()

    def reset_secret(self, app):
        """Reset the app's secret; updates ``app.secret`` and returns the new one."""
        body = self._post(f"/api/v1/apps/{app.appid}/secret/reset")
        assert body.get("appid") == app.appid, body
        self.server.remember(body["secret"], f"reset secret of {app.appid}")
        app.secret = body["secret"]
        return app.secret

    def revoke_tokens(self, app):
        """Revoke every access token of the app; returns the revoked count."""
        body = self._post(f"/api/v1/apps/{app.appid}/tokens/revoke")
        assert isinstance(body.get("revoked"), int), body
        return body["revoked"]


@pytest.fixture(scope="session")
def developer(server):
    out = server.cli_json("admin", "developer", "create", "--email", "dev@example.com",
                          "--data-dir", str(server.data_dir), "--json")
    server.remember(out.get("api_key"), "developer API key")
    return out


@pytest.fixture(scope="session")
def platform(server, developer):
    return Platform(server, developer["api_key"])


@pytest.fixture
def app(platform):
    """A fresh app per test, so token, quota and rate-limit state never leaks
    from one test into another."""
    return platform.create_app()


@pytest.fixture
def other_app(platform):
    return platform.create_app()


# --------------------------------------------------------------------------
# WeChat side: raw HTTP and wechatpy
# --------------------------------------------------------------------------


class WeChatApi:
    """Raw calls to the WeChat-compatible endpoints of the server."""

    def __init__(self, server):
        self.server = server
        self.base_url = server.base_url
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.hooks["response"].append(server.harvest)

    def get(self, path, **params):
        return self.http.get(f"{self.base_url}{path}", params=params, timeout=HTTP_TIMEOUT_S)

    def post_json(self, path, body, **params):
        """POST ``body`` (a dict is JSON-encoded; bytes are sent as they are)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.http.post(
            f"{self.base_url}{path}", params=params, data=data,
            headers={"Content-Type": "application/json;charset=utf-8"},
            timeout=HTTP_TIMEOUT_S,
        )

    def call(self, path, token, body):
        """A token-bearing POST, the way SDKs send it (token in the query)."""
        return self.post_json(path, body, access_token=token)

    # -- tokens ------------------------------------------------------------

    def token_response(self, appid, secret, grant_type="client_credential"):
        params = {"grant_type": grant_type, "appid": appid, "secret": secret}
        return self.get("/cgi-bin/token", **{k: v for k, v in params.items() if v is not None})

    def token(self, app):
        body = assert_ok(self.token_response(app.appid, app.secret))
        return body["access_token"]

    def stable_token_response(self, body):
        return self.post_json("/cgi-bin/stable_token", body)

    def stable_token(self, app, force_refresh=None):
        body = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret}
        if force_refresh is not None:
            body["force_refresh"] = force_refresh
        return assert_ok(self.stable_token_response(body))

    # -- openapi management --------------------------------------------------

    def quota(self, token, cgi_path="/cgi-bin/token"):
        return self.call("/cgi-bin/openapi/quota/get", token, {"cgi_path": cgi_path})

    def token_works(self, token):
        """True if the token is accepted, False on 40001; anything else fails."""
        resp = self.quota(token)
        if json_body(resp).get("errcode", 0) == 0:
            return True
        assert_errcode(resp, 40001)
        return False


@pytest.fixture(scope="session")
def wx(server):
    return WeChatApi(server)


@pytest.fixture
def wrong_secret(server):
    """A well-formed secret (32 hex digits) that belongs to no app."""
    value = secrets.token_hex(16)
    server.remember(value, "wrong secret sent by a test")
    return value


class RedirectAdapter(HTTPAdapter):
    """Spec §14.1 recipe 1: rewrite ``https://api.weixin.qq.com`` to the local
    server and record the path of every request sent."""

    def __init__(self, base_url, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url
        self.paths = []

    def send(self, request, **kwargs):
        if request.url.startswith(WECHAT_HOST):
            request.url = self.base_url + request.url[len(WECHAT_HOST):]
        self.paths.append(_path(request.url))
        return super().send(request, **kwargs)


@pytest.fixture
def make_client(server):
    """Build a wechatpy ``WeChatClient`` that talks to the local server.
    ``client.redirect.paths`` lists the paths it requested."""

    def make(appid, secret, access_token=None):
        client = WeChatClient(appid, secret, access_token=access_token, timeout=HTTP_TIMEOUT_S)
        client._http.trust_env = False
        client.redirect = RedirectAdapter(server.base_url)
        client._http.mount(WECHAT_HOST, client.redirect)
        client._http.hooks["response"].append(server.harvest)
        return client

    return make
