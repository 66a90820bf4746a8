"""POST /oauth/token: client authentication, code redemption with PKCE, refresh, and failure accounts."""

import base64
import threading
import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.kakao_sandbox.conftest import (
    AUTHORIZE_URL,
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    authorize_params,
    query_of,
)


def authorize_without_pkce(client) -> str:
    """Return a code from an authorize request that sent no code_challenge."""
    url = f"{AUTHORIZE_URL}?{urlencode(authorize_params())}"
    return query_of(client.post(url, {"account": "full", "action": "agree"})["Location"])["code"][0]


def test_code_with_matching_verifier_gets_kakao_shaped_tokens(authorize, exchange):
    code, code_verifier = authorize("full")

    response = exchange(code, code_verifier)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {
        "token_type",
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "scope",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 21599
    assert body["refresh_token_expires_in"] == 5183999
    assert body["scope"] == "account_email profile_image profile_nickname"
    assert body["access_token"] != body["refresh_token"]


def test_nickname_only_account_is_granted_only_the_nickname_scope(authorize, exchange):
    assert exchange(*authorize("nickname-only")).json()["scope"] == "profile_nickname"


def test_code_without_pkce_is_exchanged_without_verifier(client, exchange):
    response = exchange(authorize_without_pkce(client), None)

    assert response.status_code == 200


@pytest.mark.parametrize("code_verifier", [None, "", "x" * 64])
def test_code_with_missing_or_wrong_verifier_fails_pkce_with_koe320(authorize, exchange, code_verifier):
    code, _right_verifier = authorize("full")

    response = exchange(code, code_verifier)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_grant"
    assert body["error_code"] == "KOE320"
    assert "PKCE verification failed" in body["error_description"]


def test_code_that_failed_pkce_is_used_up(authorize, exchange):
    code, code_verifier = authorize("full")
    exchange(code, "wrong-verifier-" + "x" * 40)

    response = exchange(code, code_verifier)

    assert response.status_code == 400
    assert response.json()["error_code"] == "KOE320"


def test_verifier_for_a_code_issued_without_challenge_is_refused_as_downgrade(client, exchange):
    response = exchange(authorize_without_pkce(client), "a" * 64)

    assert response.status_code == 400
    assert "PKCE" in response.json()["error_description"]


def test_reused_code_gets_koe320_without_echoing_the_code(authorize, exchange):
    code, code_verifier = authorize("full")
    assert exchange(code, code_verifier).status_code == 200

    response = exchange(code, code_verifier)

    assert response.status_code == 400
    body = response.json()
    assert body == {
        "error": "invalid_grant",
        "error_description": f"authorization code not found for code={code[:4]}...",
        "error_code": "KOE320",
    }
    assert code not in response.content.decode()


def test_two_simultaneous_exchanges_of_one_code_give_tokens_only_once(authorize):
    code, code_verifier = authorize("full")
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": CALLBACK,
        "code": code,
        "code_verifier": code_verifier,
    }
    start = threading.Barrier(2)
    statuses = []

    def exchange_once():
        start.wait()
        statuses.append(Client().post(TOKEN_URL, form).status_code)

    threads = [threading.Thread(target=exchange_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 400]


def test_unknown_code_gets_koe320(exchange):
    response = exchange("never-issued-code", "v" * 64)

    assert response.status_code == 400
    assert response.json()["error_code"] == "KOE320"


def test_code_older_than_ten_minutes_gets_koe320(authorize, exchange, monkeypatch):
    code, code_verifier = authorize("full")
    now = time.monotonic()
    monkeypatch.setattr("kakao_sandbox.store.monotonic", lambda: now + 10 * 60 + 1)

    response = exchange(code, code_verifier)

    assert response.status_code == 400
    assert response.json()["error_code"] == "KOE320"


def test_redirect_uri_different_from_authorize_step_gets_koe303(authorize, exchange):
    code, code_verifier = authorize("full")

    response = exchange(code, code_verifier, redirect_uri="http://127.0.0.1:8000/accounts/kakao/callback/")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["error_code"] == "KOE303"


def test_wrong_client_id_gets_401_koe101(authorize, exchange):
    response = exchange(*authorize("full"), client_id="someone-elses-key")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_code"] == "KOE101"


@pytest.mark.parametrize("client_secret", [None, "", "wrong-secret"])
def test_missing_or_wrong_client_secret_gets_401_koe010(authorize, exchange, client_secret):
    response = exchange(*authorize("full"), client_secret=client_secret)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_code"] == "KOE010"


def test_client_secret_in_basic_header_only_gets_401_koe010(authorize, exchange):
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()

    response = exchange(*authorize("full"), client_secret=None, authorization=f"Basic {basic}")

    assert response.status_code == 401
    assert response.json()["error_code"] == "KOE010"
    assert "client_secret_post" in response.json()["error_description"]


def test_failed_client_authentication_leaves_the_code_usable(authorize, exchange):
    code, code_verifier = authorize("full")
    exchange(code, code_verifier, client_secret="wrong-secret")

    assert exchange(code, code_verifier).status_code == 200


def test_app_without_client_secret_accepts_requests_without_one(authorize, exchange, settings):
    settings.KAKAO_CLIENT_SECRET = ""

    assert exchange(*authorize("full"), client_secret=None).status_code == 200


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", ""])
def test_unsupported_grant_type_gets_400(client, grant_type):
    response = client.post(
        TOKEN_URL, {"grant_type": grant_type, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_endpoint_refuses_get(client):
    assert client.get(TOKEN_URL).status_code == 405


def refresh(client, refresh_token: str, **form):
    data = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    data["refresh_token"] = refresh_token
    data.update(form)
    return client.post(TOKEN_URL, data)


def test_refresh_token_gets_a_new_access_token_and_keeps_the_refresh_token(client, authorize, exchange):
    tokens = exchange(*authorize("full")).json()

    response = refresh(client, tokens["refresh_token"])

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 21599
    assert body["access_token"] != tokens["access_token"]
    assert "refresh_token" not in body  # more than a month left: Kakao keeps the old one


def test_refresh_token_with_under_a_month_left_is_replaced(client, authorize, exchange, monkeypatch):
    tokens = exchange(*authorize("full")).json()
    now = time.monotonic()
    monkeypatch.setattr("kakao_sandbox.store.monotonic", lambda: now + 31 * 24 * 60 * 60)

    body = refresh(client, tokens["refresh_token"]).json()

    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["refresh_token_expires_in"] == 5183999
    assert refresh(client, tokens["refresh_token"]).json()["error_code"] == "KOE322"
    assert refresh(client, body["refresh_token"]).status_code == 200


def test_unknown_refresh_token_gets_invalid_grant(client):
    response = refresh(client, "never-issued-refresh-token")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["error_code"] == "KOE322"
    assert "never-issued-refresh-token" not in response.content.decode()


def test_refresh_with_wrong_client_secret_gets_koe010(client, authorize, exchange):
    tokens = exchange(*authorize("full")).json()

    response = refresh(client, tokens["refresh_token"], client_secret="wrong-secret")

    assert response.status_code == 401
    assert response.json()["error_code"] == "KOE010"


def test_token_500_account_gets_html_server_error(authorize, exchange):
    response = exchange(*authorize("token-500"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert response.content.startswith(b"<!doctype html>")


def test_token_not_json_account_gets_200_with_html(authorize, exchange):
    response = exchange(*authorize("token-not-json"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_token_rate_limit_account_gets_koe237(authorize, exchange):
    response = exchange(*authorize("token-rate-limit"))

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "token request rate limit exceeded",
        "error_code": "KOE237",
    }


def test_token_hang_account_answers_only_after_the_configured_delay(authorize, exchange, monkeypatch, settings):
    settings.KAKAO_SANDBOX_HANG_SECONDS = 0.02
    slept = []
    real_sleep = time.sleep
    monkeypatch.setattr("kakao_sandbox.views.time.sleep", lambda seconds: slept.append(seconds) or real_sleep(seconds))

    response = exchange(*authorize("token-hang"))

    assert slept == [0.02]
    assert response.status_code == 200
    assert "access_token" in response.json()
