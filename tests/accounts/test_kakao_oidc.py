"""Verifying Kakao's ID token (accounts/kakao_oidc.py): each check refuses what it must, with its own reason."""

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import threading
import time

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts import kakao_oidc
from accounts.kakao import KakaoEndpoints, KakaoError, parse_profile
from accounts.kakao_oidc import IdTokenRefused
from tests.accounts import oidc_support as oidc
from tests.accounts.kakao_flow import SANDBOX
from tests.ports import free_port

ENDPOINTS = KakaoEndpoints(auth_url=SANDBOX, api_url=SANDBOX)
AUDIENCES = [oidc.CLIENT_ID]


@pytest.fixture(autouse=True)
def _fresh_jwks_cache():
    kakao_oidc.forget_keys()
    yield
    kakao_oidc.forget_keys()


def verify(id_token: str, nonce: str | None = oidc.NONCE, audiences=AUDIENCES):
    return kakao_oidc.verify_id_token(endpoints=ENDPOINTS, id_token=id_token, nonce=nonce, audiences=audiences)


def refused(id_token: str, **kwargs) -> str:
    with pytest.raises(IdTokenRefused) as raised:
        verify(id_token, **kwargs)
    assert raised.value.code == "kakao_id_token_invalid"
    assert raised.value.status == 401
    assert id_token not in str(raised.value)
    return raised.value.reason


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_good_id_token_is_verified_with_the_key_its_kid_names(kakao_http):
    oidc.stub_jwks(kakao_http)

    verified = verify(oidc.id_token())

    assert verified.subject == oidc.KAKAO_ID
    assert verified.header["kid"] == oidc.KID
    assert verified.jwks_url == oidc.JWKS_URL
    assert [check[0] for check in verified.checks] == ["signature", "iss", "aud", "exp", "iat", "nonce"]


def test_tampered_payload_fails_the_signature(kakao_http):
    oidc.stub_jwks(kakao_http)
    header, _payload, signature = oidc.id_token().split(".")
    forged = ".".join([header, b64(oidc.claims(sub="999")), signature])

    assert refused(forged) == "signature"


def test_foreign_key_under_kakaos_kid_fails_the_signature(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(key="attacker")) == "signature"


def test_hs256_signed_with_kakaos_public_key_is_refused_for_its_algorithm(kakao_http):
    oidc.stub_jwks(kakao_http)
    public_pem = (
        oidc.rsa_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = b64({"alg": "HS256", "kid": oidc.KID, "typ": "JWT"})
    payload = b64(oidc.claims())
    signature = b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())

    assert refused(f"{header}.{payload}.{signature}") == "algorithm"
    assert oidc.jwks_fetches(kakao_http) == 0  # refused before any key is fetched


@pytest.mark.parametrize("alg", ["none", "RS512", "ES256", "PS256", None, 7])
def test_any_algorithm_but_rs256_is_refused(kakao_http, alg):
    oidc.stub_jwks(kakao_http)
    token = f"{b64({'alg': alg, 'kid': oidc.KID})}.{b64(oidc.claims())}.{b64(b'sig')}"

    assert refused(token) == "algorithm"


def test_wrong_issuer_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(iss="https://kauth.evil.example")) == "issuer"


def test_real_kakaos_issuer_is_refused_when_the_site_talks_to_a_stand_in(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(iss="https://kauth.kakao.com")) == "issuer"


def test_token_for_another_apps_key_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(aud="another-apps-key")) == "audience"


def test_token_for_the_native_app_key_passes_when_it_is_listed(kakao_http):
    oidc.stub_jwks(kakao_http)

    verify(oidc.id_token(aud="native-app-key"), audiences=[oidc.CLIENT_ID, "native-app-key"])


def test_expired_token_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)
    now = int(time.time())

    assert refused(oidc.id_token(iat=now - 7200, exp=now - 3600)) == "expired"


def test_token_issued_in_the_future_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(iat=int(time.time()) + 3600)) == "issued_at"


@pytest.mark.parametrize("missing", ["iss", "aud", "sub", "exp", "iat"])
def test_token_without_a_required_claim_is_refused(kakao_http, missing):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(**{missing: None})) in {"malformed", "issuer", "audience"}


@pytest.mark.parametrize("sub", ["", "abc", "١٢٣", 123456789, "1" * 21])
def test_sub_that_is_no_kakao_id_is_refused(kakao_http, sub):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(sub=sub)) == "malformed"


def test_nonce_of_another_login_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(nonce="someone-elses-nonce")) == "nonce"


def test_token_without_the_nonce_this_login_sent_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(nonce=None)) == "nonce_missing"


def test_nonceless_fresh_token_passes_when_the_client_sent_no_nonce(kakao_http):
    oidc.stub_jwks(kakao_http)

    verified = verify(oidc.id_token(nonce=None), nonce=None)

    assert verified.checks[-1][0] == "nonce"


def test_nonceless_token_older_than_the_max_age_is_refused(kakao_http, settings):
    settings.KAKAO_OIDC_NONCELESS_MAX_AGE = 60
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(nonce=None, iat=int(time.time()) - 61), nonce=None) == "too_old"


def test_token_with_a_nonce_the_client_does_not_send_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(), nonce=None) == "nonce_expected"


@pytest.mark.django_db
def test_id_token_used_once_is_refused_the_second_time(kakao_http):
    oidc.stub_jwks(kakao_http)
    token = oidc.id_token()
    kakao_oidc.use_once(token, verify(token))

    with pytest.raises(IdTokenRefused) as raised:
        kakao_oidc.use_once(token, verify(token))
    assert raised.value.reason == "replayed"


def test_sub_other_than_user_me_is_refused(kakao_http):
    oidc.stub_jwks(kakao_http)
    verified = verify(oidc.id_token(sub="987654321"))

    with pytest.raises(IdTokenRefused) as raised:
        kakao_oidc.check_subject(verified, parse_profile({"id": 123456789}))
    assert raised.value.reason == "subject"


def test_sub_equal_to_user_me_is_recorded_as_a_check(kakao_http):
    oidc.stub_jwks(kakao_http)
    verified = verify(oidc.id_token())
    kakao_oidc.check_subject(verified, parse_profile({"id": 123456789}))

    assert verified.checks[-1][0] == "sub"


def test_profile_from_claims_never_trusts_the_email(kakao_http):
    oidc.stub_jwks(kakao_http)

    profile = kakao_oidc.profile_from_claims(verify(oidc.id_token()))

    assert (profile.id, profile.nickname, profile.email) == (oidc.KAKAO_ID, "홍길동", "sample@sample.com")
    assert profile.profile_image_url == "http://yyy.kakao.com/dn/img_640x640.jpg"
    assert not profile.email_trusted


# Kakao's JWKS: cached, refetched on an unknown kid at most every N seconds, failures are Kakao's (502)


def test_jwks_is_fetched_once_for_many_tokens(kakao_http):
    oidc.stub_jwks(kakao_http)

    for _ in range(3):
        verify(oidc.id_token())

    assert oidc.jwks_fetches(kakao_http) == 1


def test_unknown_kid_twice_in_a_row_refetches_the_jwks_only_once(kakao_http, settings):
    settings.KAKAO_OIDC_JWKS_REFETCH_SECONDS = 300
    oidc.stub_jwks(kakao_http)
    verify(oidc.id_token())  # the JWKS is now cached

    assert refused(oidc.id_token(kid="rotated-kid")) == "unknown_kid"
    assert refused(oidc.id_token(kid="another-kid")) == "unknown_kid"
    assert oidc.jwks_fetches(kakao_http) == 1  # the first fetch started the cool-down


def test_unknown_kid_after_the_refetch_interval_finds_a_new_key(kakao_http, settings):
    settings.KAKAO_OIDC_JWKS_REFETCH_SECONDS = 0
    oidc.stub_jwks(kakao_http)
    verify(oidc.id_token())
    kakao_http.replace(responses.GET, oidc.JWKS_URL, json=oidc.jwks("kakao", "next", kid=oidc.KID))

    verify(oidc.id_token(key="next", kid=f"{oidc.KID}-1"))

    assert oidc.jwks_fetches(kakao_http) == 2


def test_token_without_kid_is_refused_without_fetching_keys(kakao_http):
    oidc.stub_jwks(kakao_http)

    assert refused(oidc.id_token(kid=None)) == "unknown_kid"
    assert oidc.jwks_fetches(kakao_http) == 0


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError("refused")},
        {"body": requests.ReadTimeout("slow")},
        {"status": 500, "body": "<html>500</html>"},
        {"status": 200, "body": "<html>점검 중</html>"},
        {"status": 200, "json": ["not", "an", "object"]},
        {"status": 200, "json": {"keys": []}},
        {"status": 200, "json": {"keys": [{"kty": "RSA", "kid": "x"}]}},
        {"status": 200, "body": b"{" + b" " * 1_100_000 + b"}"},
    ],
    ids=["refused", "timeout", "500", "html", "array", "no-keys", "broken-key", "too-large"],
)
def test_jwks_that_cannot_be_had_is_kakaos_failure_502(kakao_http, answer):
    oidc.stub_jwks(kakao_http, **answer)

    with pytest.raises(KakaoError) as raised:
        verify(oidc.id_token())
    assert (raised.value.code, raised.value.status) == ("kakao_jwks_unavailable", 502)
    assert not isinstance(raised.value, IdTokenRefused)


def test_jwks_that_never_finishes_answering_stops_at_the_deadline(settings):
    settings.KAKAO_TIMEOUT = 0.5
    port = free_port()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    stop = threading.Event()

    def trickle():
        conn, _ = server.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        while not stop.wait(0.1):
            try:
                conn.sendall(b" ")
            except OSError:
                break
        conn.close()

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    endpoints = KakaoEndpoints(auth_url=f"http://127.0.0.1:{port}", api_url="")
    token = jwt.encode(oidc.claims(iss=endpoints.auth_url), oidc.rsa_key(), algorithm="RS256", headers={"kid": "k"})
    started = time.monotonic()
    try:
        with pytest.raises(KakaoError) as raised:
            kakao_oidc.verify_id_token(endpoints=endpoints, id_token=token, nonce=oidc.NONCE, audiences=AUDIENCES)
    finally:
        stop.set()
        server.close()
    assert raised.value.code == "kakao_jwks_unavailable"
    assert time.monotonic() - started < 2


# Hostile input: anything at all is refused with a reason, never another exception


def test_token_far_longer_than_any_kakao_id_token_is_refused_unread(kakao_http):
    assert refused("a" * 9000 + ".b.c") == "malformed"
    assert oidc.jwks_fetches(kakao_http) == 0


@hypothesis_settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_arbitrary_text_as_an_id_token_is_refused_with_a_reason(kakao_http, text):
    with pytest.raises(IdTokenRefused):
        verify(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@hypothesis_settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "jku", "crit"]), JSON), payload=JSON)
def test_any_json_in_header_and_payload_is_refused_with_a_reason(kakao_http, header, payload):
    kakao_oidc.forget_keys()
    if not kakao_http.registered():
        oidc.stub_jwks(kakao_http)
    token = f"{b64(header)}.{b64(payload)}.{b64(b'signature')}"

    with pytest.raises(IdTokenRefused):
        verify(token)


@hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(claims=st.dictionaries(st.sampled_from(["iss", "aud", "sub", "exp", "iat", "nonce"]), JSON))
def test_any_claims_signed_by_kakaos_key_are_refused_or_verified_never_an_error(kakao_http, claims):
    kakao_oidc.forget_keys()
    if not kakao_http.registered():
        oidc.stub_jwks(kakao_http)
    token = oidc.signed({"alg": "RS256", "kid": oidc.KID}, json.dumps(claims).encode())

    with contextlib.suppress(IdTokenRefused):
        verify(token)


def test_jku_and_x5u_headers_are_never_followed(kakao_http):
    oidc.stub_jwks(kakao_http)
    headers = {"jku": "https://evil.example/jwks.json", "x5u": "https://evil.example/cert.pem"}

    assert refused(oidc.id_token(key="attacker", kid="attacker-kid", headers=headers)) == "unknown_kid"
    assert {call.request.url for call in kakao_http.calls} == {oidc.JWKS_URL}


def test_kid_with_a_newline_does_not_reach_the_log_line_as_is(kakao_http):
    oidc.stub_jwks(kakao_http)

    with pytest.raises(IdTokenRefused) as raised:
        verify(oidc.id_token(kid="x\nFAKE LOG LINE"))
    assert "\n" not in str(raised.value)


def test_two_first_logins_at_once_fetch_the_jwks_once(kakao_http):
    from concurrent.futures import ThreadPoolExecutor

    oidc.stub_jwks(kakao_http)
    tokens = [oidc.id_token(), oidc.id_token()]

    with ThreadPoolExecutor(2) as pool:
        verified = list(pool.map(verify, tokens))

    assert [v.subject for v in verified] == [oidc.KAKAO_ID, oidc.KAKAO_ID]
    assert oidc.jwks_fetches(kakao_http) == 1
