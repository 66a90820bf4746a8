"""The sandbox mounted in the blog, over real HTTP, with the same Authlib client the blog uses."""

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from tests.kakao_sandbox.conftest import CLIENT_ID, CLIENT_SECRET, query_of
from tests.kakao_sandbox.http_helpers import consent_over_http


def oauth_session(redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_endpoint_auth_method="client_secret_post",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def login(live_server, account: str) -> tuple[OAuth2Session, str, str]:
    """Walk authorize and consent; return the client session, the callback URL and the code_verifier."""
    sandbox = f"{live_server.url}/sandbox/kakao"
    client = oauth_session(f"{live_server.url}/accounts/kakao/callback/")
    code_verifier = "v" * 64
    authorize_url, state = client.create_authorization_url(
        f"{sandbox}/oauth/authorize", state="live-state", code_verifier=code_verifier
    )
    location = consent_over_http(requests.Session(), authorize_url, account=account)
    assert query_of(location)["state"] == [state]
    return client, location, code_verifier


def test_authlib_client_logs_in_over_real_http(live_server):
    sandbox = f"{live_server.url}/sandbox/kakao"
    client, location, code_verifier = login(live_server, "big-id")

    token = client.fetch_token(f"{sandbox}/oauth/token", authorization_response=location, code_verifier=code_verifier)
    me = requests.get(f"{sandbox}/v2/user/me", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)

    assert token["token_type"] == "bearer"
    assert me.status_code == 200
    assert me.text.startswith('{"id":1376016924429759228,')
    picture = requests.get(me.json()["kakao_account"]["profile"]["profile_image_url"], timeout=10)
    assert picture.status_code == 200
    assert picture.headers["Content-Type"].startswith("image/svg+xml")


def test_token_hang_account_makes_a_client_with_a_shorter_timeout_give_up(live_server, settings):
    settings.KAKAO_SANDBOX_HANG_SECONDS = 0.5
    sandbox = f"{live_server.url}/sandbox/kakao"
    client, location, code_verifier = login(live_server, "token-hang")

    with pytest.raises(requests.Timeout):
        client.fetch_token(
            f"{sandbox}/oauth/token", authorization_response=location, code_verifier=code_verifier, timeout=0.1
        )
