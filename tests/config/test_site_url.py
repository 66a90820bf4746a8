"""SITE_URL: the URLs the server calls and hands out name this site from settings, never from the Host header."""

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from tests.accounts import fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]

SITE_URL = "http://blog.test:8000"
TOKEN_URL = f"{SITE_URL}/sandbox/kakao/oauth/token"
USER_ME_URL = f"{SITE_URL}/sandbox/kakao/v2/user/me"
CALLBACK = f"{SITE_URL}/accounts/kakao/callback/"
# ALLOWED_HOSTS ignores the port, so a client may name any server on this machine.
FOREIGN_HOST = "127.0.0.1:9"


@pytest.fixture
def site(settings):
    """The sandbox stands in for Kakao on a site whose own address is SITE_URL."""
    settings.SITE_URL = SITE_URL
    settings.KAKAO_SANDBOX = True
    settings.KAKAO_REDIRECT_URI = ""
    settings.RATE_LIMITS = {}


@pytest.fixture
def kakao():
    """The sandbox's token and profile endpoints at SITE_URL; a call anywhere else fails to connect."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
        mock.get(USER_ME_URL, body=fixtures.USER_ME_FULL, content_type="application/json;charset=UTF-8")
        yield mock


def called(kakao) -> list[str]:
    return [call.request.url for call in kakao.calls]


def test_api_code_exchange_under_a_foreign_host_header_still_calls_site_url(client, kakao):
    response = client.post(
        "/api/auth/kakao/",
        {"code": "authorization-code", "redirect_uri": CALLBACK, "code_verifier": "v" * 43},
        content_type="application/json",
        HTTP_HOST=FOREIGN_HOST,
    )

    assert response.status_code == 200, response.content
    assert called(kakao) == [TOKEN_URL, USER_ME_URL]


def test_login_under_a_foreign_host_header_sends_the_browser_to_site_url(client):
    response = client.get("/accounts/kakao/login/", HTTP_HOST=FOREIGN_HOST)

    authorize = urlsplit(response["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{SITE_URL}/sandbox/kakao/oauth/authorize"
    assert parse_qs(authorize.query)["redirect_uri"] == [CALLBACK]


def test_callback_under_a_foreign_host_header_exchanges_the_code_at_site_url(client, kakao):
    state = parse_qs(urlsplit(client.get("/accounts/kakao/login/")["Location"]).query)["state"][0]

    response = client.get(
        "/accounts/kakao/callback/", {"code": "authorization-code", "state": state}, HTTP_HOST=FOREIGN_HOST
    )

    assert response.status_code == 302
    assert called(kakao) == [TOKEN_URL, USER_ME_URL]
    assert parse_qs(kakao.calls[0].request.body)["redirect_uri"] == [CALLBACK]
