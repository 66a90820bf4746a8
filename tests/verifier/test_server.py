"""GET /authorize and /healthz over real HTTP: 200 with the user, 401 with a challenge, 503 without keys."""

import socket
import subprocess
import sys

import pytest
import requests

from tests.ports import free_port, wait_until, wait_until_listening
from tests.tokens.jwt_support import access_claims, forge
from tests.verifier.conftest import make_verifier
from tokens import families
from verifier import server as verifier_server


@pytest.fixture
def verifier_url(shared_blog, serve_verifier):
    return serve_verifier(make_verifier(shared_blog.jwks_url)).url


def authorize(url: str, token: str | None = None, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(f"{url}/authorize", headers=headers, timeout=10)


def test_valid_token_answers_200_with_the_user_and_roles(verifier_url, make_user):
    user = make_user("minji", is_staff=True)

    answer = authorize(verifier_url, families.issue_tokens(user).access)

    assert answer.status_code == 200
    assert answer.headers["X-User-Id"] == str(user.pk)
    assert answer.headers["X-User-Roles"] == "staff"
    assert answer.content == b""


def test_no_token_answers_401_with_a_bare_challenge(verifier_url):
    answer = authorize(verifier_url)

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "X-User-Id" not in answer.headers


def test_refused_token_answers_401_naming_the_token_and_why(verifier_url):
    answer = authorize(verifier_url, forge(access_claims(iss="https://evil.example")))

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="Token is invalid."'
    )
    assert "X-User-Id" not in answer.headers


def test_unreachable_jwks_answers_503_and_the_server_keeps_serving(serve_verifier):
    url = serve_verifier(make_verifier("http://127.0.0.1:9/.well-known/jwks.json")).url

    answers = [authorize(url, forge(access_claims())) for _ in range(3)]
    health = requests.get(f"{url}/healthz", timeout=10)

    assert [a.status_code for a in answers] == [503, 503, 503]
    assert answers[0].headers["Retry-After"] == "5"
    assert health.status_code == 503
    assert health.json() == {"status": "keys_unavailable"}
    assert authorize(url).status_code == 401  # still answering


def test_healthz_counts_the_keys_it_holds(verifier_url):
    answer = requests.get(f"{verifier_url}/healthz", timeout=10)

    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "keys": 1})


def test_other_paths_are_404(verifier_url):
    assert requests.get(f"{verifier_url}/authorize/../admin", timeout=10).status_code == 404
    assert requests.post(f"{verifier_url}/authorize", timeout=10).status_code == 501


def test_oversized_authorization_header_is_refused_without_harm(verifier_url):
    answer = authorize(verifier_url, "a" * 60000)

    assert answer.status_code == 401
    assert authorize(verifier_url).status_code == 401


def test_a_client_that_sends_nothing_does_not_block_others(verifier_url):
    port = int(verifier_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as idle:
        idle.sendall(b"GET /authorize HTTP/1.1\r\n")  # and never finishes
        assert authorize(verifier_url, forge(access_claims())).status_code == 200


def test_connections_beyond_the_limit_are_closed_and_later_ones_served(shared_blog, serve_verifier, monkeypatch):
    monkeypatch.setattr(verifier_server, "MAX_CONNECTIONS", 2)
    url = serve_verifier(make_verifier(shared_blog.jwks_url)).url
    port = int(url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    try:
        with pytest.raises(requests.ConnectionError):
            authorize(url)
    finally:
        for connection in idle:
            connection.close()
    # The server frees a slot when the connection's thread reads the end of it: a moment after close().
    assert wait_until(lambda: _status(url), what="a connection after the idle ones closed") == 401


def _status(url: str) -> int | None:
    try:
        return authorize(url).status_code
    except requests.ConnectionError:
        return None


def test_python_m_verifier_serves_the_contract(shared_blog):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "verifier", "--jwks-url", shared_blog.jwks_url, "--issuer", access_claims()["iss"],
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_listening(port, what="verifier", process=process)
        url = f"http://127.0.0.1:{port}"
        assert authorize(url, forge(access_claims(user_id=9))).headers["X-User-Id"] == "9"
        assert authorize(url, forge(access_claims(token_type="refresh"))).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
