"""Leaving: "Delete my account" (unlink at Kakao) and Kakao's unlink callback."""

from urllib.parse import parse_qs

import pytest
import requests
from django.conf import settings
from django.test import Client

from accounts.models import Identity, User
from blog.models import Comment, Post
from tests.accounts import fixtures
from tests.accounts.kakao_flow import (
    TOKEN_URL,
    UNLINK_URL,
    callback,
    header_of,
    log_in,
    start_login,
    stub_kakao_success,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

UNLINK_CALLBACK = "/accounts/kakao/unlink/"


def admin_key_header() -> str:
    """Return the Authorization header Kakao's unlink callback carries: this site's admin key."""
    return f"KakaoAK {settings.KAKAO_ADMIN_KEY}"


@pytest.fixture
def kakao_user(client, kakao_http) -> User:
    """Log ``client`` in through Kakao as 홍길동, who wrote a post and a comment."""
    log_in(client, kakao_http)
    user = Identity.objects.get(uid="123456789").user
    post = Post.objects.create(author=user, title="안녕", body="첫 글")
    Comment.objects.create(post=post, author=user, body="댓글")
    return user


def unlink_calls(kakao_http) -> list:
    return [call for call in kakao_http.calls if call.request.url == UNLINK_URL]


# Delete my account


def test_delete_page_asks_for_confirmation(client, kakao_user, kakao_http):
    response = client.get("/accounts/delete/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "This cannot be undone." in response.content.decode()
    assert unlink_calls(kakao_http) == []
    assert User.objects.filter(pk=kakao_user.pk).exists()


def test_delete_page_when_logged_out_sends_to_login(client):
    response = client.get("/accounts/delete/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_delete_unlinks_at_kakao_and_deletes_user_posts_and_comments(client, kakao_user, kakao_http):
    kakao_http.post(UNLINK_URL, json={"id": 123456789})
    response = client.post("/accounts/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    (call,) = unlink_calls(kakao_http)
    assert call.request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"
    assert 0 < call.request.req_kwargs["timeout"] <= 5
    assert not User.objects.filter(pk=kakao_user.pk).exists()
    assert not Identity.objects.exists()
    assert (Post.objects.count(), Comment.objects.count()) == (0, 0)
    assert "홍길동" not in header_of(client)


@pytest.mark.parametrize(
    "answer",
    [{"status": 500, "json": fixtures.KAPI_SERVER_ERROR}, {"body": requests.ReadTimeout("read timed out")}],
    ids=["500", "timeout"],
)
def test_delete_when_kakao_fails_shows_502_and_deletes_nothing(client, kakao_user, kakao_http, answer):
    kakao_http.post(UNLINK_URL, **answer)
    response = client.post("/accounts/delete/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 502
    assert 'class="error-page"' in page
    assert "We could not delete your account" in page
    assert 'href="/accounts/delete/"' in page  # try again
    assert fixtures.KAKAO_ACCESS_TOKEN not in page
    assert User.objects.filter(pk=kakao_user.pk, is_active=True).exists()
    assert (Post.objects.count(), Comment.objects.count()) == (1, 1)
    assert "홍길동" in header_of(client)


def test_delete_when_kakao_forgot_the_token_unlinks_with_admin_key(client, kakao_user, kakao_http):
    kakao_http.post(UNLINK_URL, json=fixtures.KAPI_INVALID_TOKEN, status=401)
    kakao_http.post(TOKEN_URL, json=fixtures.REFRESH_TOKEN_INVALID, status=400)  # its refresh token is dead too
    kakao_http.post(UNLINK_URL, json={"id": 123456789})
    assert client.post("/accounts/delete/").status_code == 302
    first, second = unlink_calls(kakao_http)
    assert first.request.headers["Authorization"].startswith("Bearer ")
    assert second.request.headers["Authorization"] == admin_key_header()
    assert parse_qs(second.request.body) == {"target_id_type": ["user_id"], "target_id": ["123456789"]}
    assert not User.objects.filter(pk=kakao_user.pk).exists()


def test_delete_when_admin_key_unlink_fails_too_deletes_nothing(client, kakao_user, kakao_http):
    kakao_http.post(UNLINK_URL, json=fixtures.KAPI_INVALID_TOKEN, status=401)
    kakao_http.post(TOKEN_URL, json=fixtures.REFRESH_TOKEN_INVALID, status=400)  # its refresh token is dead too
    kakao_http.post(UNLINK_URL, json=fixtures.KAPI_SERVER_ERROR, status=500)
    assert client.post("/accounts/delete/").status_code == 502
    assert len(unlink_calls(kakao_http)) == 2
    assert User.objects.filter(pk=kakao_user.pk).exists()


def test_delete_of_local_account_without_kakao_calls_no_one(client, make_user, kakao_http):
    user = make_user("local", nickname="로컬")
    client.force_login(user)
    assert client.post("/accounts/delete/").status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert len(kakao_http.calls) == 0


def test_delete_leaves_other_users_and_their_posts(client, kakao_user, kakao_http, post):
    kakao_http.post(UNLINK_URL, json={"id": 123456789})
    client.post("/accounts/delete/")
    assert list(Post.objects.all()) == [post]
    assert User.objects.filter(pk=post.author.pk).exists()


# Kakao's unlink callback


@pytest.mark.parametrize(
    "authorization",
    [None, "", "KakaoAK wrong-key", "Bearer {key}", "{key}", "KakaoAK {key} "],
    ids=["missing", "empty", "wrong-key", "bearer", "bare-key", "trailing-space"],
)
def test_unlink_callback_without_the_admin_key_is_401_and_changes_nothing(client, kakao_user, authorization):
    headers = (
        {} if authorization is None else {"HTTP_AUTHORIZATION": authorization.format(key=settings.KAKAO_ADMIN_KEY)}
    )
    response = Client().post(UNLINK_CALLBACK, {"app_id": "1", "user_id": "123456789"}, **headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_admin_key"
    assert User.objects.get(pk=kakao_user.pk).is_active


def test_unlink_callback_with_no_admin_key_configured_refuses_everyone(client, kakao_user, settings):
    settings.KAKAO_ADMIN_KEY = ""
    response = Client().get(UNLINK_CALLBACK, {"user_id": "123456789"}, HTTP_AUTHORIZATION="KakaoAK ")
    assert response.status_code == 401
    assert User.objects.get(pk=kakao_user.pk).is_active


@pytest.mark.parametrize("method", ["get", "post"])
def test_unlink_callback_with_admin_key_deactivates_the_user(client, kakao_user, method):
    kakao = Client(enforce_csrf_checks=True)
    params = {"app_id": "1234", "user_id": "123456789", "referrer_type": "UNLINK_FROM_APPS"}
    response = getattr(kakao, method)(UNLINK_CALLBACK, params, HTTP_AUTHORIZATION=admin_key_header())
    assert response.status_code == 200
    assert response.json() == {"user_id": "123456789", "deactivated": True}
    assert not User.objects.get(pk=kakao_user.pk).is_active


def test_unlink_callback_for_unknown_user_answers_deactivated_false(client, kakao_user):
    response = Client().post(UNLINK_CALLBACK, {"user_id": "999999"}, HTTP_AUTHORIZATION=admin_key_header())
    assert response.status_code == 200
    assert response.json() == {"user_id": "999999", "deactivated": False}
    assert User.objects.get(pk=kakao_user.pk).is_active


@pytest.mark.parametrize("params", [{}, {"user_id": ""}, {"user_id": "abc"}])
def test_unlink_callback_without_a_numeric_user_id_is_400(client, params):
    response = Client().post(UNLINK_CALLBACK, params, HTTP_AUTHORIZATION=admin_key_header())
    assert response.status_code == 400


def test_unlinked_user_is_logged_out_of_open_pages(client, kakao_user):
    assert "홍길동" in header_of(client)
    Client().post(UNLINK_CALLBACK, {"user_id": "123456789"}, HTTP_AUTHORIZATION=admin_key_header())
    assert "홍길동" not in header_of(client)


def test_unlinked_user_logging_in_again_sees_disabled_account_page(client, kakao_user, kakao_http):
    Client().post(UNLINK_CALLBACK, {"user_id": "123456789"}, HTTP_AUTHORIZATION=admin_key_header())
    browser = Client()
    stub_kakao_success(kakao_http)
    state = start_login(browser)["state"]
    response = browser.get(callback(browser, code="another-code", state=state)["Location"])
    page = response.content.decode()
    assert response.status_code == 403
    assert 'class="error-page"' in page
    assert "account_disabled" in page
    assert "홍길동" not in header_of(browser)
    assert User.objects.count() == 1
