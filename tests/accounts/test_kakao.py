"""accounts/kakao.py: Kakao's HTTP contract, with HTTP stubbed by ``responses``."""

import base64
import hashlib
import json
import re
import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts import kakao
from accounts.kakao import KakaoError, KakaoProfile
from tests.accounts import fixtures

KAKAO_ID_PATTERN = re.compile(r"[0-9]{1,20}")
SANDBOX = "http://testserver/sandbox/kakao"
ENDPOINTS = kakao.KakaoEndpoints(auth_url=SANDBOX, api_url=SANDBOX)
TOKEN_URL = SANDBOX + "/oauth/token"
USER_ME_URL = SANDBOX + "/v2/user/me"
REDIRECT_URI = "http://testserver/accounts/kakao/callback/"
AUTH_CODE = "authorization-code-4bQk9Zt1"
CODE_VERIFIER = "v" * 43


@pytest.fixture
def kakao_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def form_of(call) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def exchange() -> dict:
    return kakao.exchange_code(
        endpoints=ENDPOINTS, authorization_code=AUTH_CODE, redirect_uri=REDIRECT_URI, code_verifier=CODE_VERIFIER
    )


def profile_of(text: str) -> KakaoProfile:
    return kakao.parse_profile(json.loads(text))


# Endpoints and redirect URI


def test_endpoints_in_sandbox_mode_are_this_sites_sandbox(rf):
    assert kakao.endpoints(rf.get("/")) == ENDPOINTS


@override_settings(
    KAKAO_SANDBOX=False, KAKAO_AUTH_URL="https://kauth.kakao.com", KAKAO_API_URL="https://kapi.kakao.com"
)
def test_endpoints_outside_sandbox_mode_are_kakaos_hosts(rf):
    assert kakao.endpoints(rf.get("/")) == kakao.KakaoEndpoints("https://kauth.kakao.com", "https://kapi.kakao.com")


def test_redirect_uri_defaults_to_this_sites_callback(rf):
    assert kakao.redirect_uri(rf.get("/accounts/kakao/login/")) == REDIRECT_URI


@override_settings(KAKAO_REDIRECT_URI="https://blog.example/accounts/kakao/callback/")
def test_redirect_uri_setting_wins_over_request_parameters(rf):
    request = rf.get("/accounts/kakao/login/?redirect_uri=https://evil.example/", HTTP_HOST="evil.example")
    assert kakao.redirect_uri(request) == "https://blog.example/accounts/kakao/callback/"


# Authorize URL


def test_authorization_url_carries_client_redirect_state_and_s256_challenge():
    url = kakao.authorization_url(
        endpoints=ENDPOINTS, redirect_uri=REDIRECT_URI, state="state-123", code_verifier=CODE_VERIFIER
    )
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    expected_challenge = base64.urlsafe_b64encode(hashlib.sha256(CODE_VERIFIER.encode()).digest()).rstrip(b"=")
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == SANDBOX + "/oauth/authorize"
    assert query == {
        "response_type": "code",
        "client_id": "sandbox-rest-api-key",
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        "code_challenge": expected_challenge.decode(),
        "code_challenge_method": "S256",
    }


@override_settings(KAKAO_SCOPE="profile_nickname,account_email")
def test_authorization_url_with_scope_setting_asks_for_those_consent_items():
    url = kakao.authorization_url(
        endpoints=ENDPOINTS, redirect_uri=REDIRECT_URI, state="s", code_verifier=CODE_VERIFIER
    )
    assert parse_qs(urlsplit(url).query)["scope"] == ["profile_nickname,account_email"]


# Code exchange


def test_exchange_code_posts_secret_verifier_and_redirect_uri_in_the_form(kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    token = exchange()
    assert token["access_token"] == fixtures.KAKAO_ACCESS_TOKEN
    assert token["refresh_token"] == fixtures.KAKAO_REFRESH_TOKEN
    (call,) = kakao_http.calls
    assert form_of(call) == {
        "grant_type": "authorization_code",
        "client_id": "sandbox-rest-api-key",
        "client_secret": "sandbox-client-secret",
        "code": AUTH_CODE,
        "code_verifier": CODE_VERIFIER,
        "redirect_uri": REDIRECT_URI,
    }
    assert call.request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_exchange_code_never_sends_basic_authorization_header(kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    exchange()
    assert "Authorization" not in kakao_http.calls[0].request.headers


@override_settings(KAKAO_CLIENT_SECRET="")
def test_exchange_code_without_client_secret_setting_sends_no_secret(kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    exchange()
    call = kakao_http.calls[0]
    assert "client_secret" not in form_of(call)
    assert form_of(call)["client_id"] == "sandbox-rest-api-key"
    assert "Authorization" not in call.request.headers


def test_exchange_code_waits_at_most_five_seconds(kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.TOKEN_SUCCESS)
    exchange()
    assert 0 < kakao_http.calls[0].request.req_kwargs["timeout"] <= 5


@pytest.mark.parametrize(("error_code", "status", "body"), fixtures.TOKEN_ERRORS)
def test_exchange_code_with_koe_error_raises_that_code(kakao_http, error_code, status, body):
    kakao_http.post(TOKEN_URL, json=body, status=status)
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert raised.value.code == error_code
    assert error_code in str(raised.value.message)
    assert 400 <= raised.value.status <= 502


def test_exchange_code_koe320_says_the_link_was_already_used(kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.token_error("KOE320", "invalid_grant", "code not found"), status=400)
    with pytest.raises(KakaoError) as raised:
        exchange()
    with translation.override("en"):
        assert "already used" in str(raised.value.message)
    assert raised.value.status == 400


def test_exchange_code_koe237_answers_too_many_requests(kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.token_error("KOE237", "invalid_request", "rate limit"), status=400)
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert raised.value.status == 429


def test_exchange_code_with_unknown_error_code_raises_generic_kakao_error(kakao_http):
    kakao_http.post(TOKEN_URL, json=fixtures.token_error("KOE999", "invalid_request", "new"), status=400)
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert (raised.value.code, raised.value.status) == ("kakao_error", 502)


def test_exchange_code_with_error_and_no_koe_code_uses_the_oauth_error(kakao_http):
    kakao_http.post(TOKEN_URL, json={"error": "invalid_grant"}, status=400)
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert raised.value.code == "kakao_error"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_exchange_code_with_server_error_raises_server_error(kakao_http, status):
    kakao_http.post(TOKEN_URL, body="<html>upstream error</html>", status=status)
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert (raised.value.code, raised.value.status) == ("server_error", 502)


@pytest.mark.parametrize("body", ["<html>maintenance</html>", "", '["not", "an", "object"]'])
def test_exchange_code_with_unreadable_body_raises_bad_response(kakao_http, body):
    kakao_http.post(TOKEN_URL, body=body, status=200, content_type="text/html")
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert (raised.value.code, raised.value.status) == ("bad_response", 502)


def test_exchange_code_with_success_but_no_access_token_raises_bad_response(kakao_http):
    kakao_http.post(TOKEN_URL, json={"token_type": "bearer", "expires_in": 21599})
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert raised.value.code == "bad_response"


def test_exchange_code_when_kakao_hangs_raises_timeout(kakao_http):
    kakao_http.post(TOKEN_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert (raised.value.code, raised.value.status) == ("timeout", 502)


def test_exchange_code_when_kakao_is_unreachable_raises_unreachable(kakao_http):
    kakao_http.post(TOKEN_URL, body=requests.ConnectionError("connection refused"))
    with pytest.raises(KakaoError) as raised:
        exchange()
    assert (raised.value.code, raised.value.status) == ("unreachable", 502)


def test_exchange_code_error_never_carries_code_or_secret(kakao_http):
    description = f"authorization code not found for code={AUTH_CODE}"
    kakao_http.post(TOKEN_URL, json=fixtures.token_error("KOE320", "invalid_grant", description), status=400)
    with pytest.raises(KakaoError) as raised:
        exchange()
    text = f"{raised.value} {raised.value.message}"
    assert AUTH_CODE not in text
    assert "sandbox-client-secret" not in text


# Profile


def test_fetch_profile_sends_bearer_token_and_maps_the_answer(kakao_http):
    kakao_http.get(USER_ME_URL, body=fixtures.USER_ME_FULL, content_type="application/json")
    profile = kakao.fetch_profile(endpoints=ENDPOINTS, kakao_access_token=fixtures.KAKAO_ACCESS_TOKEN)
    assert profile.id == "123456789"
    assert profile.nickname == "홍길동"
    call = kakao_http.calls[0]
    assert call.request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"
    assert 0 < call.request.req_kwargs["timeout"] <= 5


def test_fetch_profile_keeps_a_64_bit_id_exact(kakao_http):
    kakao_http.get(USER_ME_URL, body=fixtures.USER_ME_BIG_ID, content_type="application/json")
    profile = kakao.fetch_profile(endpoints=ENDPOINTS, kakao_access_token="t")
    assert profile.id == fixtures.BIG_ID


@pytest.mark.parametrize(
    ("status", "code"), [(401, "kakao_token_rejected"), (400, "kakao_token_rejected"), (500, "server_error")]
)
def test_fetch_profile_with_kapi_error_raises(kakao_http, status, code):
    body = fixtures.KAPI_INVALID_TOKEN if status < 500 else fixtures.KAPI_SERVER_ERROR
    kakao_http.get(USER_ME_URL, json=body, status=status)
    with pytest.raises(KakaoError) as raised:
        kakao.fetch_profile(endpoints=ENDPOINTS, kakao_access_token="t")
    assert raised.value.code == code


def test_fetch_profile_with_non_json_body_raises_bad_response(kakao_http):
    kakao_http.get(USER_ME_URL, body="<html>oops</html>", content_type="text/html")
    with pytest.raises(KakaoError) as raised:
        kakao.fetch_profile(endpoints=ENDPOINTS, kakao_access_token="t")
    assert raised.value.code == "bad_response"


def test_fetch_profile_when_kakao_hangs_raises_timeout(kakao_http):
    kakao_http.get(USER_ME_URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(KakaoError) as raised:
        kakao.fetch_profile(endpoints=ENDPOINTS, kakao_access_token="t")
    assert raised.value.code == "timeout"


# parse_profile: every sample maps without crashing


def test_parse_profile_of_official_full_sample():
    assert profile_of(fixtures.USER_ME_FULL) == KakaoProfile(
        id="123456789",
        nickname="홍길동",
        profile_image_url="http://yyy.kakao.com/dn/.../img_640x640.jpg",
        email="sample@sample.com",
        is_email_verified=True,
        is_email_valid=True,
    )
    assert profile_of(fixtures.USER_ME_FULL).email_trusted


def test_parse_profile_with_properties_only_falls_back_to_properties():
    profile = profile_of(fixtures.USER_ME_PROPERTIES_ONLY)
    assert profile.id == "2000000001"
    assert profile.nickname == "옛날사람"
    assert profile.profile_image_url == "http://k.kakaocdn.net/dn/old/img_640x640.jpg"
    assert not profile.is_email_verified and not profile.is_email_valid
    assert not profile.email_trusted


def test_parse_profile_with_email_that_is_no_address_drops_it():
    assert profile_of(fixtures.USER_ME_PROPERTIES_ONLY).email == ""


def test_parse_profile_with_nickname_only_has_no_email_or_image():
    profile = profile_of(fixtures.USER_ME_NICKNAME_ONLY)
    assert (profile.nickname, profile.email, profile.profile_image_url) == ("닉네임만", "", "")
    assert not profile.email_trusted


def test_parse_profile_without_kakao_account_generates_a_nickname():
    profile = profile_of(fixtures.USER_ME_NO_ACCOUNT)
    assert profile.id == "2000000003"
    assert profile.nickname == "카카오 사용자 0003"
    assert (profile.email, profile.profile_image_url) == ("", "")


def test_parse_profile_with_empty_nickname_generates_one():
    data = fixtures.user_me(fixtures.USER_ME_NICKNAME_ONLY, kakao_account={"profile": {"nickname": ""}})
    assert kakao.parse_profile(data).nickname == "카카오 사용자 0002"


def test_parse_profile_of_big_id_keeps_every_digit_and_skips_default_image():
    profile = profile_of(fixtures.USER_ME_BIG_ID)
    assert profile.id == fixtures.BIG_ID
    assert profile.nickname == "큰번호"
    assert profile.profile_image_url == ""


def test_parse_profile_with_id_as_string_keeps_it():
    assert kakao.parse_profile({"id": fixtures.BIG_ID}).id == fixtures.BIG_ID


def test_parse_profile_with_unverified_email_keeps_address_untrusted():
    profile = profile_of(fixtures.USER_ME_UNVERIFIED_EMAIL)
    assert profile.email == "shared@example.com"
    assert (profile.is_email_verified, profile.is_email_valid, profile.email_trusted) == (False, True, False)


def test_parse_profile_with_invalid_email_keeps_address_untrusted():
    profile = profile_of(fixtures.USER_ME_INVALID_EMAIL)
    assert (profile.is_email_verified, profile.is_email_valid, profile.email_trusted) == (True, False, False)


def test_parse_profile_with_refused_email_has_no_email():
    assert profile_of(fixtures.USER_ME_EMAIL_REFUSED).email == ""


def test_parse_profile_with_flags_as_strings_does_not_trust_them():
    data = {"id": 1, "kakao_account": {"email": "x@example.com", "is_email_verified": "true", "is_email_valid": 1}}
    assert not kakao.parse_profile(data).email_trusted


def test_parse_profile_with_wrong_types_everywhere_does_not_crash():
    data = {"id": 7, "kakao_account": {"profile": "none", "email": 42}, "properties": ["x"]}
    profile = kakao.parse_profile(data)
    assert (profile.nickname, profile.email, profile.profile_image_url) == ("카카오 사용자 7", "", "")


def test_parse_profile_ignores_image_urls_that_are_not_http():
    data = {"id": 7, "kakao_account": {"profile": {"profile_image_url": "javascript:alert(1)"}}}
    assert kakao.parse_profile(data).profile_image_url == ""


def test_parse_profile_drops_values_too_long_for_the_user_columns():
    long_image = "https://k.kakaocdn.net/" + "x" * 600
    long_email = "a" * 250 + "@example.com"
    data = {"id": 7, "kakao_account": {"email": long_email, "profile": {"profile_image_url": long_image}}}
    profile = kakao.parse_profile(data)
    assert (profile.email, profile.profile_image_url) == ("", "")


def test_parse_profile_cuts_a_long_nickname_to_fifty_characters():
    data = {"id": 7, "properties": {"nickname": "가" * 80}}
    assert kakao.parse_profile(data).nickname == "가" * 50


@pytest.mark.parametrize("bad_id", [None, "", "abc", "12a", -5, 1.5, True, "١٢٣", "9" * 21, {"n": 1}])
def test_parse_profile_without_a_numeric_id_raises_bad_response(bad_id):
    data = fixtures.user_me(fixtures.USER_ME_FULL, id=bad_id)
    with pytest.raises(KakaoError) as raised:
        kakao.parse_profile(data)
    assert raised.value.code == "bad_response"


def test_parse_profile_with_missing_id_raises_bad_response():
    data = fixtures.user_me(fixtures.USER_ME_FULL)
    del data["id"]
    with pytest.raises(KakaoError):
        kakao.parse_profile(data)


# Logout and unlink


def test_logout_posts_bearer_token_to_user_logout(kakao_http):
    kakao_http.post(SANDBOX + "/v1/user/logout", json={"id": 123456789})
    kakao.logout(endpoints=ENDPOINTS, kakao_access_token=fixtures.KAKAO_ACCESS_TOKEN)
    call = kakao_http.calls[0]
    assert call.request.headers["Authorization"] == f"Bearer {fixtures.KAKAO_ACCESS_TOKEN}"
    assert 0 < call.request.req_kwargs["timeout"] <= 5


def test_unlink_with_user_token_posts_bearer(kakao_http):
    kakao_http.post(SANDBOX + "/v1/user/unlink", json={"id": 123456789})
    kakao.unlink(endpoints=ENDPOINTS, kakao_access_token="user-token", kakao_id="123456789")
    assert kakao_http.calls[0].request.headers["Authorization"] == "Bearer user-token"


def test_unlink_without_token_uses_admin_key_and_target_id(kakao_http):
    kakao_http.post(SANDBOX + "/v1/user/unlink", json={"id": 123456789})
    kakao.unlink(endpoints=ENDPOINTS, kakao_id="123456789")
    call = kakao_http.calls[0]
    assert call.request.headers["Authorization"] == f"KakaoAK {settings.KAKAO_ADMIN_KEY}"
    assert form_of(call) == {"target_id_type": "user_id", "target_id": "123456789"}
    assert 0 < call.request.req_kwargs["timeout"] <= 5


@override_settings(KAKAO_ADMIN_KEY="")
def test_unlink_without_token_or_admin_key_raises_without_calling_kakao(kakao_http):
    with pytest.raises(KakaoError):
        kakao.unlink(endpoints=ENDPOINTS, kakao_id="123456789")
    assert len(kakao_http.calls) == 0


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"json": fixtures.KAPI_INVALID_TOKEN, "status": 401}, "kakao_token_rejected"),
        ({"json": fixtures.KAPI_SERVER_ERROR, "status": 500}, "server_error"),
        ({"body": requests.ReadTimeout()}, "timeout"),
    ],
)
def test_unlink_failure_raises_kakao_error(kakao_http, answer, code):
    kakao_http.post(SANDBOX + "/v1/user/unlink", **answer)
    with pytest.raises(KakaoError) as raised:
        kakao.unlink(endpoints=ENDPOINTS, kakao_access_token="user-token")
    assert raised.value.code == code


def test_account_logout_url_names_client_and_return_address():
    url = kakao.account_logout_url(endpoints=ENDPOINTS, logout_redirect_uri="http://testserver/")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == SANDBOX + "/oauth/logout"
    assert parse_qs(parts.query) == {
        "client_id": ["sandbox-rest-api-key"],
        "logout_redirect_uri": ["http://testserver/"],
    }


# KakaoError


def test_kakao_error_with_hostile_code_keeps_no_trace_of_it():
    error = KakaoError("<script>alert(1)</script>")
    assert error.code == "kakao_error"
    assert "<script>" not in str(error)


def test_kakao_error_status_is_502_for_kakaos_faults_and_4xx_for_the_visitors():
    assert KakaoError("server_error").status == 502
    assert KakaoError("invalid_state").status == 400
    assert KakaoError("access_denied").status == 400


# Answers nested deeper than Python's recursion limit


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000], ids=["list", "object"])
def test_token_answer_nested_too_deep_is_a_bad_response(kakao_http, body):
    kakao_http.post(TOKEN_URL, body=body, content_type="application/json")

    with pytest.raises(KakaoError) as error:
        exchange()

    assert error.value.code == "bad_response"


@pytest.mark.parametrize(
    "body", ["[" * 100_000, '{"id": 1, "kakao_account": ' + "[" * 2_000 + "]" * 2_000 + "}"], ids=["list", "field"]
)
def test_profile_nested_too_deep_is_a_bad_response(kakao_http, body):
    kakao_http.get(USER_ME_URL, body=body, content_type="application/json")

    with pytest.raises(KakaoError) as error:
        kakao.fetch_profile(endpoints=ENDPOINTS, kakao_access_token="token")

    assert error.value.code == "bad_response"


# Any JSON as /v2/user/me: a profile safe for every database, or a KakaoError


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
profile_keys = st.sampled_from(["nickname", "profile_image_url", "is_default_image", "thumbnail_image_url"])
account_keys = st.sampled_from(["email", "is_email_verified", "is_email_valid", "profile"])
kakao_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers(min_value=-1, max_value=2**64) | st.text(max_size=22) | json_values,
        "kakao_account": st.dictionaries(account_keys, json_values | st.dictionaries(profile_keys, json_values)),
        "properties": st.dictionaries(st.sampled_from(["nickname", "profile_image"]), json_values),
    },
)


def assert_safe_text(text: str) -> None:
    assert all(unicodedata.category(char) not in {"Cc", "Cf", "Cs"} for char in text), repr(text)


@hypothesis_settings(max_examples=500, deadline=None)
@given(data=kakao_like | st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_parse_profile_of_any_json_is_a_clean_profile_or_a_kakao_error(data):
    try:
        profile = kakao.parse_profile(data)
    except KakaoError as error:
        assert error.code == "bad_response"
        return

    assert KAKAO_ID_PATTERN.fullmatch(profile.id)
    assert 0 < len(profile.nickname) <= 50
    assert_safe_text(profile.nickname)
    assert profile.profile_image_url == "" or profile.profile_image_url.isprintable()
    assert len(profile.email) <= kakao.EMAIL_MAX_LENGTH and "\x00" not in profile.email


@pytest.mark.parametrize(
    ("nickname", "shown"),
    [
        ("민지\x00", "민지"),
        ("민\u200b지", "민지"),
        ("\u202egnp.exe", "gnp.exe"),
        ("a\nb\tc", "abc"),
        ("\u1106\u1175\u11ab", "민"),  # decomposed Hangul jamo, composed to NFC
    ],
    ids=["nul", "zero_width_space", "bidi_override", "newline_tab", "nfd_hangul"],
)
def test_nickname_is_normalised_and_stripped_of_invisible_characters(nickname, shown):
    profile = kakao.parse_profile({"id": 1, "properties": {"nickname": nickname}})

    assert profile.nickname == shown


@pytest.mark.parametrize("url", ["https://k.kakaocdn.net/a\x00.jpg", "https://k.kakaocdn.net/a b.jpg", "https://x/\n"])
def test_image_url_with_control_characters_or_spaces_is_dropped(url):
    profile = kakao.parse_profile({"id": 1, "properties": {"nickname": "n", "profile_image": url}})

    assert profile.profile_image_url == ""
