"""Helpers to walk the sandbox through the authorization-code flow with Django's test client."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

CLIENT_ID = "sandbox-rest-api-key"
CLIENT_SECRET = "sandbox-client-secret"
ADMIN_KEY = "sandbox-admin-key"
CALLBACK = "http://testserver/accounts/kakao/callback/"

SANDBOX = "/sandbox/kakao"
AUTHORIZE_URL = f"{SANDBOX}/oauth/authorize"
TOKEN_URL = f"{SANDBOX}/oauth/token"
ACCOUNT_LOGOUT_URL = f"{SANDBOX}/oauth/logout"
USER_ME_URL = f"{SANDBOX}/v2/user/me"
LOGOUT_URL = f"{SANDBOX}/v1/user/logout"
UNLINK_URL = f"{SANDBOX}/v1/user/unlink"


@pytest.fixture(autouse=True)
def registered_app(settings):
    """The app "registered in the console", as in sandbox mode; hangs kept short."""
    settings.KAKAO_CLIENT_ID = CLIENT_ID
    settings.KAKAO_CLIENT_SECRET = CLIENT_SECRET
    settings.KAKAO_ADMIN_KEY = ADMIN_KEY
    settings.KAKAO_SANDBOX_HANG_SECONDS = 0.01
    return settings


def pkce_pair() -> tuple[str, str]:
    """Return (code_verifier, S256 code_challenge)."""
    code_verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(code_verifier.encode()).digest()
    return code_verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(**overrides) -> dict:
    params = {"client_id": CLIENT_ID, "redirect_uri": CALLBACK, "response_type": "code", "state": "state-123"}
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def query_of(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query, keep_blank_values=True)


@pytest.fixture
def authorize(client):
    """Return consent(account, **params) -> (authorization code, code_verifier) via the consent page."""

    def consent(account: str = "full", **params) -> tuple[str, str]:
        code_verifier, code_challenge = pkce_pair()
        query = authorize_params(code_challenge=code_challenge, code_challenge_method="S256", **params)
        response = client.post(f"{AUTHORIZE_URL}?{urlencode(query)}", {"account": account, "action": "agree"})
        assert response.status_code == 302, response.content
        return query_of(response["Location"])["code"][0], code_verifier

    return consent


@pytest.fixture
def exchange(client):
    """Return exchange(code, code_verifier, **form) -> the token endpoint's response."""

    def post(code: str, code_verifier: str | None, **form):
        data = {
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": CALLBACK,
            "code": code,
            "code_verifier": code_verifier,
        }
        data.update(form)
        headers = {"Authorization": data.pop("authorization")} if "authorization" in data else {}
        return client.post(TOKEN_URL, {k: v for k, v in data.items() if v is not None}, headers=headers)

    return post


@pytest.fixture
def access_token(authorize, exchange):
    """Return access_token(account) -> a fresh Kakao access token of that test account."""

    def issue(account: str = "full") -> str:
        return exchange(*authorize(account)).json()["access_token"]

    return issue


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
