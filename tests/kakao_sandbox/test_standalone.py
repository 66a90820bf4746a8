"""run_kakao_sandbox: the sandbox alone in its own process, at the root, with keys from the command line."""

import os
import re
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from tests.kakao_sandbox.conftest import pkce_pair, query_of
from tests.kakao_sandbox.http_helpers import consent_over_http

BASE_DIR = Path(__file__).resolve().parents[2]
CALLBACK = "http://127.0.0.1:8123/accounts/kakao/callback/"


@contextmanager
def running_sandbox(*options: str):
    """Start run_kakao_sandbox on a free port; yield its base URL and process; stop it."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_kakao_sandbox", "--port=0", *options],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DEBUG": "1", "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(60, process.kill)  # never let a stuck server hang the suite
    watchdog.start()
    try:
        first_line = process.stdout.readline()
        yield re.search(r"listening on (http://\S+)/", first_line).group(1), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        watchdog.cancel()


@pytest.fixture(scope="module")
def standalone_sandbox():
    options = [
        "--client-id=standalone-key",
        "--client-secret=standalone-secret",
        "--admin-key=standalone-admin",
        f"--redirect-uri={CALLBACK}",
    ]
    with running_sandbox(*options) as (base_url, _process):
        yield base_url


def test_standalone_server_logs_in_over_real_http(standalone_sandbox):
    base_url = standalone_sandbox
    code_verifier, code_challenge = pkce_pair()
    query = {
        "client_id": "standalone-key",
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "state": "standalone",
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }

    location = consent_over_http(requests.Session(), f"{base_url}/oauth/authorize?{urlencode(query)}", account="full")
    assert location.startswith(CALLBACK)
    token = requests.post(
        f"{base_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "standalone-key",
            "client_secret": "standalone-secret",
            "redirect_uri": CALLBACK,
            "code": query_of(location)["code"][0],
            "code_verifier": code_verifier,
        },
        timeout=10,
    )
    assert token.status_code == 200, token.text
    me = requests.get(
        f"{base_url}/v2/user/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=10
    )

    assert me.json()["kakao_account"]["email"] == "hong@example.com"
    picture = requests.get(me.json()["kakao_account"]["profile"]["profile_image_url"], timeout=10)
    assert picture.status_code == 200
    assert picture.headers["Content-Type"].startswith("image/svg+xml")


def test_standalone_server_accepts_only_the_keys_and_uris_from_its_options(standalone_sandbox):
    base_url = standalone_sandbox
    settings_key = {"client_id": "sandbox-rest-api-key", "redirect_uri": CALLBACK, "response_type": "code"}
    loopback_default = {
        "client_id": "standalone-key",
        "redirect_uri": f"{base_url}/accounts/kakao/callback/",
        "response_type": "code",
    }
    admin_unlink = requests.post(
        f"{base_url}/v1/user/unlink",
        data={"target_id_type": "user_id", "target_id": "4000000001"},
        headers={"Authorization": "KakaoAK standalone-admin"},
        timeout=10,
    )

    assert "KOE101" in requests.get(f"{base_url}/oauth/authorize?{urlencode(settings_key)}", timeout=10).text
    assert "KOE006" in requests.get(f"{base_url}/oauth/authorize?{urlencode(loopback_default)}", timeout=10).text
    assert admin_unlink.json() == {"id": 4000000001}


def test_standalone_server_serves_only_the_sandbox(standalone_sandbox):
    base_url = standalone_sandbox

    assert requests.get(f"{base_url}/", timeout=10).status_code == 404
    assert requests.get(f"{base_url}/sandbox/kakao/oauth/authorize", timeout=10).status_code == 404


def test_standalone_server_stops_cleanly_on_sigterm():
    with running_sandbox() as (base_url, process):
        assert requests.get(f"{base_url}/v2/user/me", timeout=10).status_code == 401

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=20) == 0
        assert "stopped" in process.stdout.read()
