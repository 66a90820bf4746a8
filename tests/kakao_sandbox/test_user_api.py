"""kapi endpoints: /v2/user/me shapes, logout, unlink; and the browser's /oauth/logout."""

import json
import time
from urllib.parse import urlencode

import pytest

from tests.kakao_sandbox.conftest import (
    ACCOUNT_LOGOUT_URL,
    ADMIN_KEY,
    CLIENT_ID,
    CLIENT_SECRET,
    LOGOUT_URL,
    TOKEN_URL,
    UNLINK_URL,
    USER_ME_URL,
    bearer,
)

INVALID_TOKEN = {"msg": "this access token does not exist", "code": -401}


def test_user_me_of_full_account_has_kakaos_exact_shape(client, access_token):
    response = client.get(USER_ME_URL, headers=bearer(access_token("full")))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    image = "http://testserver/static/kakao_sandbox/avatar-hong.svg"
    assert response.json() == {
        "id": 4000000001,
        "connected_at": "2024-03-01T09:00:00Z",
        "kakao_account": {
            "profile_nickname_needs_agreement": False,
            "profile_image_needs_agreement": False,
            "profile": {
                "nickname": "홍길동",
                "thumbnail_image_url": image,
                "profile_image_url": image,
                "is_default_image": False,
            },
            "has_email": True,
            "email_needs_agreement": False,
            "is_email_valid": True,
            "is_email_verified": True,
            "email": "hong@example.com",
        },
        "properties": {"nickname": "홍길동", "profile_image": image, "thumbnail_image": image},
    }


def test_user_me_sends_korean_as_utf8_not_escapes(client, access_token):
    response = client.get(USER_ME_URL, headers=bearer(access_token("full")))

    assert "홍길동".encode() in response.content


def test_user_me_answers_post_too(client, access_token):
    assert client.post(USER_ME_URL, headers=bearer(access_token("full"))).json()["id"] == 4000000001


def test_user_me_profile_picture_is_served(client, access_token):
    image_url = client.get(USER_ME_URL, headers=bearer(access_token("full"))).json()["properties"]["profile_image"]

    assert image_url.endswith(".svg")
    assert image_url.startswith("http://testserver/static/kakao_sandbox/")


def test_user_me_of_nickname_only_account_has_no_email_fields(client, access_token):
    data = client.get(USER_ME_URL, headers=bearer(access_token("nickname-only"))).json()

    assert data["kakao_account"]["profile"] == {"nickname": "김하늘"}
    assert not any("email" in key for key in data["kakao_account"])


def test_user_me_of_no_email_account_needs_agreement_and_has_no_email(client, access_token):
    account = client.get(USER_ME_URL, headers=bearer(access_token("no-email"))).json()["kakao_account"]

    assert account["email_needs_agreement"] is True
    assert "email" not in account


def test_user_me_of_unverified_email_account(client, access_token):
    account = client.get(USER_ME_URL, headers=bearer(access_token("unverified-email"))).json()["kakao_account"]

    assert account["email"] == "choi@example.com"
    assert account["is_email_verified"] is False
    assert account["is_email_valid"] is True


def test_user_me_of_invalid_email_account(client, access_token):
    account = client.get(USER_ME_URL, headers=bearer(access_token("invalid-email"))).json()["kakao_account"]

    assert account["is_email_valid"] is False
    assert account["is_email_verified"] is True


def test_user_me_of_big_id_account_keeps_the_64_bit_id_exact_in_json_text(client, access_token):
    response = client.get(USER_ME_URL, headers=bearer(access_token("big-id")))

    assert response.content.startswith(b'{"id":1376016924429759228,')
    data = json.loads(response.content)
    assert data["id"] == 1376016924429759228
    assert data["kakao_account"]["profile"]["nickname"] == "Alex Kim"
    assert data["kakao_account"]["profile"]["is_default_image"] is True


def test_user_me_of_properties_only_account_has_no_kakao_account(client, access_token):
    data = client.get(USER_ME_URL, headers=bearer(access_token("properties-only"))).json()

    assert data == {"id": 4000000006, "connected_at": "2024-03-01T09:00:00Z", "properties": {"nickname": "옛날사용자"}}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer never-issued"},
        {"Authorization": "KakaoAK " + ADMIN_KEY},
    ],
)
def test_user_me_without_a_live_token_gets_401(client, headers):
    response = client.get(USER_ME_URL, headers=headers)

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_user_me_with_expired_access_token_gets_401(client, access_token, monkeypatch):
    token = access_token("full")
    now = time.monotonic()
    monkeypatch.setattr("kakao_sandbox.store.monotonic", lambda: now + 21600)

    assert client.get(USER_ME_URL, headers=bearer(token)).json() == INVALID_TOKEN


def test_user_me_of_me_401_account_gets_401(client, access_token):
    response = client.get(USER_ME_URL, headers=bearer(access_token("me-401")))

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_user_me_of_me_500_account_gets_500(client, access_token):
    response = client.get(USER_ME_URL, headers=bearer(access_token("me-500")))

    assert response.status_code == 500


def test_user_me_of_me_not_json_account_gets_200_html(client, access_token):
    response = client.get(USER_ME_URL, headers=bearer(access_token("me-not-json")))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_logout_answers_the_id_and_the_token_stops_working(client, access_token):
    token = access_token("big-id")

    response = client.post(LOGOUT_URL, headers=bearer(token))

    assert response.status_code == 200
    assert response.json() == {"id": 1376016924429759228}
    assert client.get(USER_ME_URL, headers=bearer(token)).status_code == 401


def test_logout_leaves_other_logins_of_the_same_account_working(client, access_token):
    first, second = access_token("full"), access_token("full")

    client.post(LOGOUT_URL, headers=bearer(first))

    assert client.get(USER_ME_URL, headers=bearer(second)).status_code == 200


def test_logout_also_expires_the_refresh_token_of_that_login(client, authorize, exchange):
    tokens = exchange(*authorize("full")).json()

    client.post(LOGOUT_URL, headers=bearer(tokens["access_token"]))

    refreshed = client.post(
        TOKEN_URL,
        {
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refreshed.json()["error_code"] == "KOE322"


def test_logout_without_token_gets_401(client):
    response = client.post(LOGOUT_URL)

    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


def test_unlink_with_bearer_token_expires_every_token_of_the_user(client, access_token):
    first, second = access_token("full"), access_token("full")
    other_user = access_token("no-email")

    response = client.post(UNLINK_URL, headers=bearer(first))

    assert response.json() == {"id": 4000000001}
    assert client.get(USER_ME_URL, headers=bearer(second)).status_code == 401
    assert client.get(USER_ME_URL, headers=bearer(other_user)).status_code == 200


def test_unlink_with_admin_key_expires_the_target_users_tokens(client, access_token):
    token = access_token("big-id")

    response = client.post(
        UNLINK_URL,
        {"target_id_type": "user_id", "target_id": "1376016924429759228"},
        headers={"Authorization": f"KakaoAK {ADMIN_KEY}"},
    )

    assert response.status_code == 200
    assert response.content == b'{"id":1376016924429759228}'
    assert client.get(USER_ME_URL, headers=bearer(token)).status_code == 401


def test_unlink_with_wrong_admin_key_gets_401_and_unlinks_nobody(client, access_token):
    token = access_token("full")

    response = client.post(
        UNLINK_URL,
        {"target_id_type": "user_id", "target_id": "4000000001"},
        headers={"Authorization": "KakaoAK wrong-admin-key"},
    )

    assert response.status_code == 401
    assert response.json()["code"] == -401
    assert client.get(USER_ME_URL, headers=bearer(token)).status_code == 200


def test_unlink_with_admin_key_when_app_has_none_gets_401(client, settings):
    settings.KAKAO_ADMIN_KEY = ""

    response = client.post(
        UNLINK_URL, {"target_id_type": "user_id", "target_id": "4000000001"}, headers={"Authorization": "KakaoAK "}
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"target_id_type": "user_id", "target_id": "999"}, -101),
        ({"target_id_type": "user_id", "target_id": "abc"}, -2),
        ({"target_id_type": "email", "target_id": "4000000001"}, -2),
    ],
)
def test_unlink_with_admin_key_and_bad_target_gets_400(client, form, code):
    response = client.post(UNLINK_URL, form, headers={"Authorization": f"KakaoAK {ADMIN_KEY}"})

    assert response.status_code == 400
    assert response.json()["code"] == code


def test_account_logout_redirects_to_logout_redirect_uri_with_state(client):
    query = urlencode({"client_id": CLIENT_ID, "logout_redirect_uri": "http://testserver/", "state": "st 1"})

    response = client.get(f"{ACCOUNT_LOGOUT_URL}?{query}")

    assert response.status_code == 302
    assert response["Location"] == "http://testserver/?state=st%201"


def test_account_logout_without_state_redirects_plainly(client):
    query = urlencode({"client_id": CLIENT_ID, "logout_redirect_uri": "http://127.0.0.1:8000/posts/"})

    assert client.get(f"{ACCOUNT_LOGOUT_URL}?{query}")["Location"] == "http://127.0.0.1:8000/posts/"


@pytest.mark.parametrize(
    ("params", "error_code"),
    [
        ({"client_id": "wrong", "logout_redirect_uri": "http://testserver/"}, "KOE101"),
        ({"client_id": CLIENT_ID, "logout_redirect_uri": "https://evil.example/"}, "KOE006"),
        ({"client_id": CLIENT_ID}, "KOE006"),
    ],
)
def test_account_logout_with_bad_client_or_address_shows_error_page(client, params, error_code):
    response = client.get(f"{ACCOUNT_LOGOUT_URL}?{urlencode(params)}")

    assert response.status_code == 400
    assert "Location" not in response
    assert error_code in response.content.decode()


def test_account_logout_with_registered_uris_allows_their_hosts_only(client, settings):
    settings.KAKAO_SANDBOX_REDIRECT_URIS = ["https://blog.example/accounts/kakao/callback/"]
    allowed = urlencode({"client_id": CLIENT_ID, "logout_redirect_uri": "https://blog.example/"})
    refused = urlencode({"client_id": CLIENT_ID, "logout_redirect_uri": "http://testserver/"})

    assert client.get(f"{ACCOUNT_LOGOUT_URL}?{allowed}").status_code == 302
    assert client.get(f"{ACCOUNT_LOGOUT_URL}?{refused}").status_code == 400
