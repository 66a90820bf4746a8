"""GET/POST /oauth/authorize: error pages that never redirect, the consent page, agree and cancel."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.kakao_sandbox.conftest import AUTHORIZE_URL, CALLBACK, authorize_params, pkce_pair, query_of


def authorize_url(**params) -> str:
    return f"{AUTHORIZE_URL}?{urlencode(authorize_params(**params))}"


def test_authorize_with_wrong_client_id_shows_koe101_page_without_redirect(client):
    response = client.get(authorize_url(client_id="someone-elses-key"))

    assert response.status_code == 400
    assert "Location" not in response
    assert "KOE101" in response.content.decode()


def test_authorize_without_client_id_shows_koe101_page(client):
    response = client.get(authorize_url(client_id=None))

    assert response.status_code == 400
    assert "KOE101" in response.content.decode()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/accounts/kakao/callback/",
        "http://testserver/accounts/kakao/callback/other/",
        "http://testserver/somewhere-else/",
        "javascript:alert(1)//testserver/accounts/kakao/callback/",
        "http://127.0.0.1@evil.example/accounts/kakao/callback/",
        "http://testserver/accounts/kakao/callback/\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_authorize_with_unregistered_redirect_uri_shows_koe006_page_without_redirect(client, redirect_uri):
    response = client.get(authorize_url(redirect_uri=redirect_uri))

    assert response.status_code == 400
    assert "Location" not in response
    assert "KOE006" in response.content.decode()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        CALLBACK,
        "http://127.0.0.1:8000/accounts/kakao/callback/",
        "https://localhost/accounts/kakao/callback/",
        "http://[::1]:9000/accounts/kakao/callback/",
    ],
)
def test_authorize_with_callback_on_this_or_a_loopback_host_shows_consent_page(client, redirect_uri):
    response = client.get(authorize_url(redirect_uri=redirect_uri))

    assert response.status_code == 200
    assert "동의하고 계속하기" in response.content.decode()


def test_authorize_with_registered_redirect_uris_accepts_only_those(client, settings):
    settings.KAKAO_SANDBOX_REDIRECT_URIS = ["https://blog.example/accounts/kakao/callback/"]

    assert client.get(authorize_url(redirect_uri="https://blog.example/accounts/kakao/callback/")).status_code == 200
    refused = client.get(authorize_url(redirect_uri=CALLBACK))
    assert refused.status_code == 400
    assert "KOE006" in refused.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"response_type": "token"},
        {"response_type": None},
        {"code_challenge": pkce_pair()[1], "code_challenge_method": "plain"},
        {"code_challenge": pkce_pair()[1]},
        {"code_challenge_method": "S256"},
        {"code_challenge": "too-short", "code_challenge_method": "S256"},
        {"code_challenge": "!" * 43, "code_challenge_method": "S256"},
    ],
)
def test_authorize_with_bad_response_type_or_pkce_shows_error_page_without_redirect(client, params):
    response = client.get(authorize_url(**params))

    assert response.status_code == 400
    assert "Location" not in response
    assert "invalid_request" in response.content.decode()


def test_consent_page_lists_every_test_account_as_a_labelled_radio(client):
    html = client.get(authorize_url()).content.decode()

    keys = re.findall(r'<input type="radio" name="account" value="([a-z0-9-]+)" id="account-\1"', html)
    assert keys == [
        "full",
        "nickname-only",
        "no-email",
        "unverified-email",
        "big-id",
        "properties-only",
        "invalid-email",
        "token-500",
        "token-not-json",
        "token-hang",
        "token-rate-limit",
        "me-401",
        "me-500",
        "me-not-json",
        "id-token-wrong-aud",
        "id-token-expired",
        "id-token-bad-signature",
        "id-token-no-nonce",
        "id-token-unknown-kid",
        "id-token-wrong-sub",
    ]
    assert all(f'<label for="account-{key}">' in html for key in keys)
    assert html.index("오류 시나리오") < html.index('id="account-token-500"')
    assert html.index('id="account-invalid-email"') < html.index("오류 시나리오")


def test_consent_page_is_labelled_as_sandbox_and_has_no_inline_script_or_style(client):
    html = client.get(authorize_url()).content.decode()

    assert "Kakao sandbox (not the real Kakao)" in html
    assert "취소" in html and "Agree and continue" in html
    assert "<script" not in html
    assert "style=" not in html and "<style" not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_consent_page_stylesheet_is_served(client):
    html = client.get(authorize_url()).content.decode()

    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert stylesheet.endswith("kakao_sandbox/sandbox.css")


def test_agree_redirects_to_redirect_uri_with_code_and_exact_state(client):
    state = "a/b+c d&e=f 한글"
    response = client.post(authorize_url(state=state), {"account": "full", "action": "agree"})

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(CALLBACK + "?code=")
    query = query_of(location)
    assert query["state"] == [state]
    assert len(query["code"][0]) >= 40


def test_agree_without_state_leaves_state_out(client):
    response = client.post(authorize_url(state=None), {"account": "full", "action": "agree"})

    assert response.status_code == 302
    assert set(query_of(response["Location"])) == {"code"}


def test_agree_issues_a_different_code_each_time(client):
    codes = {
        query_of(client.post(authorize_url(), {"account": "full", "action": "agree"})["Location"])["code"][0]
        for _ in range(3)
    }

    assert len(codes) == 3


def test_agree_keeps_a_query_the_registered_redirect_uri_already_has(client, settings):
    settings.KAKAO_SANDBOX_REDIRECT_URIS = ["http://testserver/cb?tenant=1"]

    response = client.post(
        authorize_url(redirect_uri="http://testserver/cb?tenant=1"), {"account": "full", "action": "agree"}
    )

    assert response["Location"].startswith("http://testserver/cb?tenant=1&code=")


def test_cancel_redirects_with_access_denied_and_exact_state(client):
    response = client.post(authorize_url(state="xyz-789"), {"account": "full", "action": "cancel"})

    assert response.status_code == 302
    assert response["Location"] == (
        CALLBACK + "?error=access_denied&error_description=User%20denied%20access&state=xyz-789"
    )


def test_agree_with_unknown_account_shows_consent_page_again(client):
    response = client.post(authorize_url(), {"account": "nobody", "action": "agree"})

    assert response.status_code == 400
    assert "Location" not in response
    assert "Choose a test account" in response.content.decode()


def test_consent_post_with_wrong_client_id_shows_error_page_and_issues_no_code(client):
    response = client.post(authorize_url(client_id="forged"), {"account": "full", "action": "agree"})

    assert response.status_code == 400
    assert "KOE101" in response.content.decode()


def test_consent_post_without_csrf_token_is_refused():
    response = Client(enforce_csrf_checks=True).post(authorize_url(), {"account": "full", "action": "agree"})

    assert response.status_code == 403
    assert "Location" not in response


@pytest.mark.parametrize("prompt", ["none", "login,none"])
def test_prompt_none_redirects_with_consent_required(client, prompt):
    response = client.get(authorize_url(prompt=prompt, state="s1"))

    assert response.status_code == 302
    query = query_of(response["Location"])
    assert query["error"] == ["consent_required"]
    assert query["state"] == ["s1"]
