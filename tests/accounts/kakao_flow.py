"""Drive the browser side of Kakao Login through the Django test client, Kakao stubbed by ``responses``."""

from urllib.parse import parse_qs, urlsplit

import responses
from django.test import Client

from tests.accounts import fixtures

SANDBOX = "http://testserver/sandbox/kakao"
AUTHORIZE_URL = SANDBOX + "/oauth/authorize"
TOKEN_URL = SANDBOX + "/oauth/token"
USER_ME_URL = SANDBOX + "/v2/user/me"
LOGOUT_URL = SANDBOX + "/v1/user/logout"
UNLINK_URL = SANDBOX + "/v1/user/unlink"
REDIRECT_URI = "http://testserver/accounts/kakao/callback/"
AUTH_CODE = "authorization-code-Q7nX2vL9pR4t"


def kakao_stub() -> responses.RequestsMock:
    """Return a stand-in for Kakao's HTTP endpoints; an unstubbed call raises ConnectionError."""
    return responses.RequestsMock(assert_all_requests_are_fired=False)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def start_login(client: Client, **params: str) -> dict[str, str]:
    """Press "Log in with Kakao"; return the query of the authorize URL we are sent to."""
    response = client.get("/accounts/kakao/login/", params)
    assert response.status_code == 302
    assert response["Location"].startswith(AUTHORIZE_URL + "?")
    return query_of(response["Location"])


def callback(client: Client, **params: str):
    """Come back from Kakao to our redirect URI with ``params``."""
    return client.get("/accounts/kakao/callback/", params)


def stub_kakao_success(kakao_http: responses.RequestsMock, user_me: str = fixtures.USER_ME_FULL) -> None:
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    kakao_http.get(USER_ME_URL, body=user_me, content_type="application/json;charset=UTF-8")


def log_in(client: Client, kakao_http: responses.RequestsMock, user_me: str = fixtures.USER_ME_FULL, **params: str):
    """Go through the whole flow with Kakao answering ``user_me``; return the callback's response."""
    stub_kakao_success(kakao_http, user_me)
    state = start_login(client, **params)["state"]
    return callback(client, code=AUTH_CODE, state=state)


def header_of(client: Client) -> str:
    """Return the home page's site header, where a logged-in user sees their nickname."""
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return page[page.index('<header class="site-header">') : page.index("</header>")]
