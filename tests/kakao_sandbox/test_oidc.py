"""The sandbox as an OpenID Connect provider: discovery, JWKS, ID tokens that honour the nonce, failure accounts."""

import time

import jwt
import pytest

from kakao_sandbox import oidc
from tests.kakao_sandbox.conftest import CLIENT_ID, SANDBOX

ISSUER = f"http://testserver{SANDBOX}"


def jwk_set(client) -> jwt.PyJWKSet:
    response = client.get(f"{SANDBOX}/.well-known/jwks.json")
    assert response.status_code == 200
    return jwt.PyJWKSet.from_dict(response.json())


def verify(client, id_token: str) -> dict:
    """Verify ``id_token`` as a careful client would: the key by kid from the JWKS, RS256 only, iss and aud."""
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = jwk_set(client)[kid].key
    return jwt.decode(id_token, key=key, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER)


@pytest.fixture
def id_token_of(authorize, exchange):
    """Return id_token_of(account, nonce) -> the ID token of a login that asked for scope openid."""

    def login(account: str = "full", nonce: str = "nonce-Xy12") -> str:
        answer = exchange(*authorize(account, scope="profile_nickname,openid", nonce=nonce))
        assert answer.status_code == 200
        return answer.json()["id_token"]

    return login


def test_discovery_names_the_issuer_jwks_and_rs256_with_s256_pkce(client):
    metadata = client.get(f"{SANDBOX}/.well-known/openid-configuration").json()

    assert metadata["issuer"] == ISSUER
    assert metadata["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert metadata["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_jwks_publishes_one_rsa_signing_key_without_private_parts(client):
    (key,) = client.get(f"{SANDBOX}/.well-known/jwks.json").json()["keys"]

    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_login_with_scope_openid_gets_an_id_token_carrying_the_nonce(id_token_of, client):
    claims = verify(client, id_token_of("full", nonce="nonce-Xy12"))

    assert claims["sub"] == "4000000001"
    assert claims["nonce"] == "nonce-Xy12"
    assert claims["nickname"] == "홍길동"
    assert claims["email"] == "hong@example.com"
    assert claims["picture"].startswith("http://testserver/")
    assert claims["iat"] <= time.time() < claims["exp"]


def test_login_without_scope_openid_gets_no_id_token(authorize, exchange):
    assert "id_token" not in exchange(*authorize("full", nonce="n")).json()


def test_invalid_email_is_left_out_of_the_id_token(id_token_of, client):
    assert "email" not in verify(client, id_token_of("invalid-email"))


def test_wrong_aud_account_gets_a_token_for_another_app(id_token_of, client):
    with pytest.raises(jwt.InvalidAudienceError):
        verify(client, id_token_of("id-token-wrong-aud"))


def test_expired_account_gets_an_expired_token(id_token_of, client):
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(client, id_token_of("id-token-expired"))


def test_bad_signature_account_gets_a_token_under_the_published_kid_that_does_not_verify(id_token_of, client):
    id_token = id_token_of("id-token-bad-signature")

    assert jwt.get_unverified_header(id_token)["kid"] in [key.key_id for key in jwk_set(client).keys]
    with pytest.raises(jwt.InvalidSignatureError):
        verify(client, id_token)


def test_no_nonce_account_gets_a_token_without_the_nonce(id_token_of, client):
    assert "nonce" not in verify(client, id_token_of("id-token-no-nonce", nonce="sent"))


def test_unknown_kid_account_gets_a_kid_the_jwks_does_not_list(id_token_of, client):
    kid = jwt.get_unverified_header(id_token_of("id-token-unknown-kid"))["kid"]

    with pytest.raises(KeyError):
        jwk_set(client)[kid]


def test_wrong_sub_account_gets_a_token_naming_another_user_than_user_me(id_token_of, client):
    assert verify(client, id_token_of("id-token-wrong-sub"))["sub"] != "4000000206"


def test_dev_token_with_scope_openid_carries_an_id_token_with_the_nonce(client):
    answer = client.post(f"{SANDBOX}/dev/token", {"account": "big-id", "scope": "openid", "nonce": "app-nonce"}).json()

    claims = verify(client, answer["id_token"])
    assert (claims["sub"], claims["nonce"]) == ("1376016924429759228", "app-nonce")


def test_dev_token_without_nonce_gets_an_id_token_without_one(client):
    answer = client.post(f"{SANDBOX}/dev/token", {"account": "full", "scope": "openid"}).json()

    assert "nonce" not in verify(client, answer["id_token"])


def test_one_signing_key_per_process_even_when_first_asked_by_two_threads():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        kids = set(pool.map(lambda _i: oidc.jwks()["keys"][0]["kid"], range(8)))
    assert len(kids) == 1


@pytest.fixture
def oidc_blog(live_server, settings):
    """The blog on a live server with OpenID Connect on, its JWKS cache empty."""
    from accounts import kakao_oidc

    settings.KAKAO_OIDC = True
    settings.RATE_LIMITS = {}
    kakao_oidc.forget_keys()
    yield live_server.url
    kakao_oidc.forget_keys()


def native_login(blog: str, account: str, *, nonce: str | None = "app-nonce-42", sent_nonce: str | None = None):
    """Get Kakao's ID token as a native SDK would (the sandbox's dev token), and trade it at the blog."""
    import requests

    form = {"account": account, "scope": "openid", **({"nonce": nonce} if nonce else {})}
    answer = requests.post(f"{blog}/sandbox/kakao/dev/token", data=form, timeout=10).json()
    body = {"id_token": answer["id_token"]}
    if (sent_nonce or nonce) is not None:
        body["nonce"] = sent_nonce or nonce
    return requests.post(f"{blog}/api/auth/kakao/", json=body, timeout=10)


@pytest.mark.django_db(transaction=True)
def test_native_id_token_login_works_against_the_sandbox_over_http(oidc_blog):
    response = native_login(oidc_blog, "big-id")

    assert response.status_code == 200, response.text
    assert response.json()["user"]["kakao_id"] == "1376016924429759228"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("account", "reason"),
    [
        ("id-token-wrong-aud", "audience"),
        ("id-token-expired", "expired"),
        ("id-token-bad-signature", "signature"),
        ("id-token-no-nonce", "nonce_missing"),
        ("id-token-unknown-kid", "unknown_kid"),
    ],
)
def test_native_login_refuses_each_bad_id_token_of_the_sandbox(oidc_blog, account, reason):
    response = native_login(oidc_blog, account)

    assert response.status_code == 401
    assert (response.json()["code"], response.json()["reason"]) == ("kakao_id_token_invalid", reason)


@pytest.mark.django_db(transaction=True)
def test_native_login_with_the_wrong_nonce_is_refused_against_the_sandbox(oidc_blog):
    response = native_login(oidc_blog, "full", sent_nonce="not-the-one")

    assert response.json()["reason"] == "nonce"
