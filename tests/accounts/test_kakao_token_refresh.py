"""Kakao's own tokens kept alive: logout and unlink refresh an expired Kakao access token first."""

from urllib.parse import parse_qs

import pytest
import requests

from accounts import crypto, kakao, services
from accounts.kakao import KakaoError
from accounts.models import Identity, User
from kakao_sandbox import store
from tests.accounts import fixtures
from tests.accounts.kakao_flow import LOGOUT_URL, TOKEN_URL, UNLINK_URL, log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

NEW_ACCESS_TOKEN = "kakao-access-token-NEW-r3fr35h3d"
NEW_REFRESH_TOKEN = "kakao-refresh-token-NEW-r0t4t3d"
REFRESHED = {"token_type": "bearer", "access_token": NEW_ACCESS_TOKEN, "expires_in": 21599}
EXPIRED = {"status": 401, "json": fixtures.KAPI_INVALID_TOKEN}


@pytest.fixture
def logged_in(client, kakao_http):
    log_in(client, kakao_http)
    return Identity.objects.get(uid="123456789").user


def calls_to(kakao_http, url: str) -> list:
    return [call for call in kakao_http.calls if call.request.url == url]


def refresh_forms(kakao_http) -> list[dict]:
    forms = [{k: v[0] for k, v in parse_qs(call.request.body).items()} for call in calls_to(kakao_http, TOKEN_URL)]
    return [form for form in forms if form.get("grant_type") == "refresh_token"]


def stored(user) -> tuple[str, str]:
    identity = Identity.objects.get(user=user)
    return crypto.decrypt(identity.kakao_access_token), crypto.decrypt(identity.kakao_refresh_token)


def test_logout_with_an_expired_kakao_token_refreshes_it_and_logs_out_at_kakao(client, kakao_http, logged_in):
    kakao_http.post(LOGOUT_URL, **EXPIRED)
    kakao_http.post(TOKEN_URL, json=REFRESHED)
    kakao_http.post(LOGOUT_URL, json={"id": 123456789})

    assert client.post("/accounts/logout/").status_code == 302

    (form,) = refresh_forms(kakao_http)
    assert form == {
        "grant_type": "refresh_token",
        "refresh_token": fixtures.KAKAO_REFRESH_TOKEN,
        "client_id": "sandbox-rest-api-key",
        "client_secret": "sandbox-client-secret",
    }
    first, second = calls_to(kakao_http, LOGOUT_URL)
    assert first.request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"
    assert second.request.headers["Authorization"] == f"Bearer {NEW_ACCESS_TOKEN}"
    assert stored(logged_in) == ("", "")  # forgotten after logout


def test_logout_with_a_live_kakao_token_does_not_refresh(client, kakao_http, logged_in):
    kakao_http.post(LOGOUT_URL, json={"id": 123456789})

    client.post("/accounts/logout/")

    assert refresh_forms(kakao_http) == []


@pytest.mark.parametrize(
    "refresh_answer",
    [
        {"status": 400, "json": fixtures.REFRESH_TOKEN_INVALID},
        {"status": 500, "body": "<html>"},
        {"body": requests.ConnectTimeout()},
    ],
    ids=["KOE322", "500", "timeout"],
)
def test_logout_still_logs_out_when_the_refresh_fails(client, kakao_http, logged_in, refresh_answer):
    kakao_http.post(LOGOUT_URL, **EXPIRED)
    kakao_http.post(TOKEN_URL, **refresh_answer)

    assert client.post("/accounts/logout/").status_code == 302

    assert len(calls_to(kakao_http, LOGOUT_URL)) == 1
    assert stored(logged_in) == ("", "")
    assert "access_token" not in client.cookies or client.cookies["access_token"].value == ""


def test_logout_when_kakao_fails_otherwise_does_not_refresh(client, kakao_http, logged_in):
    kakao_http.post(LOGOUT_URL, status=500, json=fixtures.KAPI_SERVER_ERROR)

    client.post("/accounts/logout/")

    assert refresh_forms(kakao_http) == []


def test_refresh_stores_the_new_refresh_token_kakao_sends_near_its_end(kakao_http, logged_in):
    kakao_http.post(TOKEN_URL, json={**REFRESHED, "refresh_token": NEW_REFRESH_TOKEN})
    tokens_seen = []

    def call(token):
        tokens_seen.append(token)
        if token == fixtures.KAKAO_ACCESS_TOKEN:
            raise KakaoError("kakao_token_rejected")
        return "done"

    endpoints = kakao.endpoints(None)
    assert services.kakao_with_live_token(user=logged_in, endpoints=endpoints, call=call) == "done"

    assert tokens_seen == [fixtures.KAKAO_ACCESS_TOKEN, NEW_ACCESS_TOKEN]
    assert stored(logged_in) == (NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN)


def test_refresh_keeps_the_old_refresh_token_when_kakao_sends_none(kakao_http, logged_in):
    kakao_http.post(TOKEN_URL, json=REFRESHED)

    def call(token):
        if token == fixtures.KAKAO_ACCESS_TOKEN:
            raise KakaoError("kakao_token_rejected")

    services.kakao_with_live_token(user=logged_in, endpoints=kakao.endpoints(None), call=call)

    assert stored(logged_in) == (NEW_ACCESS_TOKEN, fixtures.KAKAO_REFRESH_TOKEN)


def test_a_refreshed_token_that_kakao_refuses_too_is_not_refreshed_again(kakao_http, logged_in):
    kakao_http.post(TOKEN_URL, json=REFRESHED)
    calls = []

    def call(token):
        calls.append(token)
        raise KakaoError("kakao_token_rejected")

    with pytest.raises(KakaoError):
        services.kakao_with_live_token(user=logged_in, endpoints=kakao.endpoints(None), call=call)
    assert len(calls) == 2
    assert len(refresh_forms(kakao_http)) == 1


def test_delete_with_an_expired_kakao_token_refreshes_it_and_unlinks_with_it(client, kakao_http, logged_in):
    kakao_http.post(UNLINK_URL, **EXPIRED)
    kakao_http.post(TOKEN_URL, json=REFRESHED)
    kakao_http.post(UNLINK_URL, json={"id": 123456789})

    assert client.post("/accounts/delete/").status_code == 302

    _first, second = calls_to(kakao_http, UNLINK_URL)
    assert second.request.headers["Authorization"] == f"Bearer {NEW_ACCESS_TOKEN}"
    assert not User.objects.filter(pk=logged_in.pk).exists()


def test_delete_when_the_refresh_fails_unlinks_with_the_admin_key(client, kakao_http, logged_in, settings):
    kakao_http.post(UNLINK_URL, **EXPIRED)
    kakao_http.post(TOKEN_URL, status=400, json=fixtures.REFRESH_TOKEN_INVALID)
    kakao_http.post(UNLINK_URL, json={"id": 123456789})

    assert client.post("/accounts/delete/").status_code == 302

    assert calls_to(kakao_http, UNLINK_URL)[-1].request.headers["Authorization"] == f"KakaoAK {settings.KAKAO_ADMIN_KEY}"
    assert not User.objects.filter(pk=logged_in.pk).exists()


def test_delete_when_the_refresh_fails_and_there_is_no_admin_key_deletes_nothing(
    client, kakao_http, logged_in, settings
):
    settings.KAKAO_ADMIN_KEY = ""
    kakao_http.post(UNLINK_URL, **EXPIRED)
    kakao_http.post(TOKEN_URL, status=400, json=fixtures.REFRESH_TOKEN_INVALID)

    assert client.post("/accounts/delete/").status_code == 502

    assert User.objects.filter(pk=logged_in.pk).exists()


def test_expired_token_refreshed_then_logout_works_against_the_sandbox(live_server, settings, transactional_db):
    """The whole story over real HTTP: the sandbox forgets the access token, we refresh, and logout revokes all."""
    sandbox = f"{live_server.url}/sandbox/kakao"
    answer = requests.post(f"{sandbox}/dev/token", data={"account": "full"}, timeout=10).json()
    profile = kakao.fetch_profile(
        endpoints=kakao.endpoints(None), kakao_access_token=answer["access_token"]
    )
    user, _created = services.user_get_or_create_from_kakao(profile=profile, kakao_tokens=answer)
    store.access_tokens.delete_where(lambda grant: True)  # six hours later: Kakao has let it expire

    services.kakao_logout(user=user, endpoints=kakao.endpoints(None))

    assert store.refresh_tokens.get(answer["refresh_token"]) is None  # Kakao's logout revoked the login
    assert stored(user) == ("", "")


def test_two_logouts_at_once_with_an_expired_token_both_finish(live_server, settings, transactional_db, monkeypatch):
    """Two tabs log out at once: one refresh rotates the refresh token, the other's refresh fails; both log out."""
    from concurrent.futures import ThreadPoolExecutor

    from kakao_sandbox import grants

    monkeypatch.setattr(grants, "REFRESH_TOKEN_RENEW_BELOW", grants.REFRESH_TOKEN_TTL + 1)  # every refresh rotates
    sandbox = f"{live_server.url}/sandbox/kakao"
    answer = requests.post(f"{sandbox}/dev/token", data={"account": "full"}, timeout=10).json()
    endpoints = kakao.endpoints(None)
    profile = kakao.fetch_profile(endpoints=endpoints, kakao_access_token=answer["access_token"])
    user, _created = services.user_get_or_create_from_kakao(profile=profile, kakao_tokens=answer)
    store.access_tokens.delete_where(lambda grant: True)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _i: services.kakao_logout(user=user, endpoints=endpoints), range(2)))

    assert results == [None, None]
    assert stored(user) == ("", "")
    assert store.refresh_tokens.get(answer["refresh_token"]) is None
