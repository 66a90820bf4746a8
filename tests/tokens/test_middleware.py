"""Browsers carry our JWTs in cookies: pages know the user from them and renew them silently."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, override_settings

from blog.models import Post
from tests.tokens.jwt_support import PAST_THE_LEEWAY, after_grace_period, public_pem, simple_jwt, stranger_private_pem
from tokens import families, tokens
from tokens.cookies import clear_token_cookies, set_token_cookies
from tokens.models import RefreshTokenFamily

ACCESS = settings.JWT_ACCESS_COOKIE_NAME
REFRESH = settings.JWT_REFRESH_COOKIE_NAME


@pytest.fixture
def user(make_user):
    return make_user("minji", nickname="민지닉네임")


def browser_with(access: str | None = None, refresh: str | None = None, **client_options) -> Client:
    browser = Client(**client_options)
    if access:
        browser.cookies[ACCESS] = access
    if refresh:
        browser.cookies[REFRESH] = refresh
    return browser


def expired_pair(user) -> families.TokenPair:
    with simple_jwt(ACCESS_TOKEN_LIFETIME=PAST_THE_LEEWAY):
        return families.issue_tokens(user)


# Login and logout helpers


def test_set_token_cookies_sets_httponly_lax_cookies_for_every_page(user):
    response = HttpResponse()

    set_token_cookies(response, user=user)

    for name, lifetime in ((ACCESS, 300), (REFRESH, 14 * 24 * 3600)):
        cookie = response.cookies[name]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert cookie["max-age"] == lifetime
    assert tokens.verify_access_token(response.cookies[ACCESS].value)["sub"] == str(user.pk)


@pytest.mark.parametrize("secure", [True, False])
def test_token_cookies_are_secure_as_configured(user, secure):
    response = HttpResponse()

    with override_settings(JWT_COOKIE_SECURE=secure):
        set_token_cookies(response, user=user)

    assert bool(response.cookies[ACCESS]["secure"]) is secure
    assert bool(response.cookies[REFRESH]["secure"]) is secure


def test_clear_token_cookies_revokes_the_refresh_token_and_deletes_both_cookies(rf, user):
    pair = families.issue_tokens(user)
    request = rf.post("/accounts/logout/")
    request.COOKIES[REFRESH] = pair.refresh
    response = HttpResponse()

    clear_token_cookies(response, request)

    assert response.cookies[ACCESS].value == "" and response.cookies[ACCESS]["max-age"] == 0
    assert response.cookies[REFRESH].value == "" and response.cookies[REFRESH]["max-age"] == 0
    with pytest.raises(tokens.TokenError):
        families.rotate(pair.refresh)


def test_clear_token_cookies_with_a_broken_refresh_cookie_still_deletes_the_cookies(rf):
    request = rf.post("/accounts/logout/")
    request.COOKIES[REFRESH] = "garbage"
    response = HttpResponse()

    clear_token_cookies(response, request)

    assert response.cookies[REFRESH]["max-age"] == 0


# Pages


def test_page_with_a_valid_access_cookie_shows_the_user_without_any_session(user):
    response = browser_with(access=families.issue_tokens(user).access).get("/")

    assert "민지닉네임" in response.content.decode()
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert ACCESS not in response.cookies  # nothing to renew


def test_page_with_an_expired_access_cookie_renews_both_cookies_silently(user):
    pair = expired_pair(user)

    response = browser_with(access=pair.access, refresh=pair.refresh).get("/")

    assert response.status_code == 200
    assert "민지닉네임" in response.content.decode()
    renewed_access, renewed_refresh = response.cookies[ACCESS], response.cookies[REFRESH]
    assert tokens.verify_access_token(renewed_access.value)["sub"] == str(user.pk)
    assert renewed_access["httponly"] and renewed_refresh["httponly"]
    assert renewed_refresh.value != pair.refresh
    assert families.rotate(renewed_refresh.value).access  # the new refresh token is the live one


def test_page_with_only_a_refresh_cookie_renews_the_access_cookie(user):
    response = browser_with(refresh=families.issue_tokens(user).refresh).get("/")

    assert "민지닉네임" in response.content.decode()
    assert tokens.verify_access_token(response.cookies[ACCESS].value)


def test_browsing_on_after_a_silent_renewal_keeps_the_user_logged_in(user):
    pair = expired_pair(user)
    browser = browser_with(access=pair.access, refresh=pair.refresh)

    browser.get("/")
    second = browser.get("/")

    assert "민지닉네임" in second.content.decode()
    assert ACCESS not in second.cookies  # the renewed access cookie is still fresh
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_page_with_expired_access_and_revoked_refresh_is_anonymous_and_drops_the_cookies(user):
    pair = expired_pair(user)
    families.revoke(pair.refresh)

    response = browser_with(access=pair.access, refresh=pair.refresh).get("/")

    assert "민지닉네임" not in response.content.decode()
    assert response.cookies[ACCESS]["max-age"] == 0
    assert response.cookies[REFRESH]["max-age"] == 0


def test_cookies_signed_with_a_key_this_instance_does_not_know_yet_are_kept_for_one_that_does(user):
    # Another instance already signs with a new key that was never published here (a key change
    # done out of order): this page cannot tell who the user is, but must not log them out.
    new_key, our_key = stranger_private_pem(), settings.SIMPLE_JWT["SIGNING_KEY"]
    with simple_jwt(SIGNING_KEY=new_key), override_settings(JWT_PREVIOUS_PUBLIC_KEYS=[public_pem(our_key)]):
        pair = families.issue_tokens(user)
    browser = browser_with(access=pair.access, refresh=pair.refresh)

    here = browser.get("/")
    with override_settings(JWT_NEXT_PUBLIC_KEYS=[public_pem(new_key)]):
        where_the_key_is_known = browser.get("/")

    assert "민지닉네임" not in here.content.decode()
    assert ACCESS not in here.cookies and REFRESH not in here.cookies  # neither deleted nor replaced
    assert "민지닉네임" in where_the_key_is_known.content.decode()
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_page_with_a_replayed_refresh_cookie_revokes_the_family(user):
    pair = expired_pair(user)
    families.rotate(pair.refresh)
    after_grace_period()

    response = browser_with(access=pair.access, refresh=pair.refresh).get("/")

    assert "민지닉네임" not in response.content.decode()
    assert RefreshTokenFamily.objects.get().revoke_reason == RefreshTokenFamily.RevokeReason.REUSE


def test_pages_loaded_at_once_with_one_refresh_cookie_all_stay_logged_in(user):
    pair = expired_pair(user)
    tabs = [browser_with(access=pair.access, refresh=pair.refresh) for _ in range(3)]

    pages = [tab.get("/") for tab in tabs]  # the first rotates; the others replay within the grace period

    assert all("민지닉네임" in page.content.decode() for page in pages)
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_page_for_a_deactivated_user_with_a_valid_access_cookie_is_anonymous(user):
    access_token = families.issue_tokens(user).access
    user.is_active = False
    user.save()

    response = browser_with(access=access_token).get("/")

    assert "민지닉네임" not in response.content.decode()


def test_page_responses_that_read_the_cookies_vary_on_cookie(user):
    response = browser_with(access=families.issue_tokens(user).access).get("/")

    assert "Cookie" in response.headers["Vary"]


def test_writing_a_post_after_the_access_cookie_expired_still_works(user):
    pair = expired_pair(user)
    browser = browser_with(access=pair.access, refresh=pair.refresh, enforce_csrf_checks=True)
    browser.cookies[settings.CSRF_COOKIE_NAME] = "c" * 32

    response = browser.post("/posts/new/", {"title": "오래 쓴 글", "body": "본문", "csrfmiddlewaretoken": "c" * 32})

    assert response.status_code == 302
    assert Post.objects.get().author == user
    assert tokens.verify_access_token(response.cookies[ACCESS].value)


def test_cookie_login_does_not_skip_csrf_on_page_forms(user):
    browser = browser_with(access=families.issue_tokens(user).access, enforce_csrf_checks=True)

    response = browser.post("/posts/new/", {"title": "위조", "body": "본문"})

    assert response.status_code == 403
    assert not Post.objects.exists()


# The API with cookies


def test_api_call_with_an_expired_access_cookie_is_renewed_too(user):
    pair = expired_pair(user)

    response = browser_with(access=pair.access, refresh=pair.refresh).get("/api/auth/whoami/")

    assert response.status_code == 200
    assert response.json()["sub"] == str(user.pk)
    assert tokens.verify_access_token(response.cookies[ACCESS].value)
