"""The verifier's keys come from the blog's JWKS over HTTP, are kept, and survive the blog going away."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.tokens.jwt_support import access_claims, forge, public_pem, stranger_private_pem
from tests.verifier.conftest import make_verifier
from tokens import keys as blog_keys
from verifier.keys import MAX_JWKS_BYTES, JWKSClient
from verifier.tokens import KeysUnavailable, Refused


def test_valid_tokens_are_still_accepted_while_the_blog_is_stopped(blog, jwks_fetches):
    verifier = make_verifier(blog.jwks_url, lifespan=0.2)
    token = forge(access_claims(user_id=3))
    assert verifier.verify(token).user_id == "3"

    blog.stop()
    time.sleep(0.3)  # past the key set's lifespan: the verifier asks the blog, which is gone

    assert verifier.verify(token).user_id == "3"
    assert verifier.verify(forge(access_claims(user_id=4))).user_id == "4"
    assert len(jwks_fetches) == 2  # it did try the blog again


def test_after_a_key_rotation_new_tokens_verify_after_one_refetch(blog, settings, jwks_fetches):
    verifier = make_verifier(blog.jwks_url, cooldown=0)
    old_token = forge(access_claims(user_id=5))
    assert verifier.verify(old_token).user_id == "5"

    old_private_key = settings.SIMPLE_JWT["SIGNING_KEY"]
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": stranger_private_pem()}
    settings.JWT_PREVIOUS_PUBLIC_KEYS = [public_pem(old_private_key)]
    new_token = forge(access_claims(user_id=6), headers={"kid": blog_keys.signing_key().kid})

    assert verifier.verify(new_token).user_id == "6"
    assert verifier.verify(old_token).user_id == "5"  # still listed by the blog until it expires
    assert len(jwks_fetches) == 2


def test_a_refetch_answered_by_an_instance_that_lags_keeps_the_newer_key(fake_jwks, settings):
    # Behind a load balancer, one instance already publishes the next key and the other not yet.
    with override_settings(JWT_NEXT_PUBLIC_KEYS=[public_pem(stranger_private_pem())]):
        ahead = blog_keys.jwks()
    lagging = blog_keys.jwks()
    new_kid = next(key["kid"] for key in ahead["keys"] if key not in lagging["keys"])
    signed_with_the_new_key = forge(
        access_claims(user_id=6), private_pem=stranger_private_pem(), headers={"kid": new_kid}
    )
    fake_jwks.serve(json.dumps(ahead).encode())
    verifier = make_verifier(fake_jwks.url, cooldown=0)
    assert verifier.verify(signed_with_the_new_key).user_id == "6"

    fake_jwks.serve(json.dumps(lagging).encode())
    with pytest.raises(Refused):  # an unknown kid makes it refetch: the lagging instance answers
        verifier.verify(forge(access_claims(), headers={"kid": "made-up"}))

    assert verifier.verify(signed_with_the_new_key).user_id == "6"
    assert verifier.verify(forge(access_claims(user_id=7))).user_id == "7"


def test_made_up_kids_make_at_most_one_refetch_per_cooldown(shared_blog, jwks_fetches):
    verifier = make_verifier(shared_blog.jwks_url, cooldown=60)
    verifier.verify(forge(access_claims()))

    for number in range(20):
        with pytest.raises(Refused):
            verifier.verify(forge(access_claims(), headers={"kid": f"made-up-{number}"}))

    assert len(jwks_fetches) == 1  # the first fetch started the cooldown: no refetch at all


def test_first_unknown_kid_after_the_cooldown_refetches_once(shared_blog, jwks_fetches):
    verifier = make_verifier(shared_blog.jwks_url, cooldown=1)
    made_up = [forge(access_claims(), headers={"kid": f"made-up-{number}"}) for number in range(5)]
    verifier.verify(forge(access_claims()))
    time.sleep(1.1)

    for token in made_up:
        with pytest.raises(Refused):
            verifier.verify(token)

    assert len(jwks_fetches) == 2


def test_unreachable_jwks_means_the_verifier_cannot_judge():
    verifier = make_verifier("http://127.0.0.1:9/.well-known/jwks.json")

    with pytest.raises(KeysUnavailable):
        verifier.verify(forge(access_claims()))


GARBAGE = {
    "not_json": {"body": b"<html>oops</html>"},
    "json_array": {"body": b"[1, 2]"},
    "keys_a_string": {"body": b'{"keys": "abc"}'},
    "keys_of_numbers": {"body": b'{"keys": [1, 2]}'},
    "no_keys": {"body": b'{"keys": []}'},
    "deeply_nested": {"body": b"[" * 100000 + b"]" * 100000},
    "too_large": {"body": b'{"keys": [], "pad": "' + b"x" * MAX_JWKS_BYTES + b'"}'},
    "server_error": {"body": b"{}", "status": 500},
    "redirect_elsewhere": {"body": b"", "status": 302, "headers": {"Location": "http://127.0.0.1:9/"}},
    "dripped_slowly": {"body": b'{"keys": []}' + b" " * 200, "drip_seconds": 0.02},
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_jwks_serving_garbage_means_the_verifier_cannot_judge(fake_jwks, name):
    fake_jwks.serve(**GARBAGE[name])
    verifier = make_verifier(fake_jwks.url, timeout=1)

    began = time.monotonic()
    with pytest.raises(KeysUnavailable):
        verifier.verify(forge(access_claims()))
    assert time.monotonic() - began < 3


@pytest.mark.parametrize("name", ["not_json", "no_keys", "server_error"])
def test_jwks_turning_to_garbage_keeps_the_keys_that_worked(fake_jwks, name):
    fake_jwks.serve(json.dumps(blog_keys.jwks()).encode())
    verifier = make_verifier(fake_jwks.url, lifespan=0.1)
    assert verifier.verify(forge(access_claims(user_id=8))).user_id == "8"

    fake_jwks.serve(**GARBAGE[name])
    time.sleep(0.2)

    assert verifier.verify(forge(access_claims(user_id=8))).user_id == "8"


@hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300) | st.builds(lambda value: json.dumps(value).encode(), st.dictionaries(
    st.sampled_from(["keys", "kty", "n"]), st.recursive(st.none() | st.text(max_size=8) | st.integers(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["kty", "kid", "n", "e", "alg", "use"]), children, max_size=6)),
    max_size=3)))  # fmt: skip
def test_any_jwks_answer_gives_keys_or_a_connection_error(fake_jwks, body):
    fake_jwks.serve(body)
    client = JWKSClient(fake_jwks.url, timeout=1)

    try:
        keys = client.get_signing_keys()
    except Exception as error:  # only the errors the verifier turns into "cannot judge" or "unknown key"
        assert type(error).__name__ in {"PyJWKClientConnectionError", "PyJWKClientError"}, repr(error)
    else:
        assert keys


def test_simultaneous_first_requests_fetch_the_key_set_once(shared_blog, jwks_fetches):
    verifier = make_verifier(shared_blog.jwks_url)
    tokens = [forge(access_claims(user_id=number)) for number in range(8)]
    start = threading.Barrier(len(tokens))

    def verify(token: str) -> str:
        start.wait()
        return verifier.verify(token).user_id

    with ThreadPoolExecutor(len(tokens)) as pool:
        users = list(pool.map(verify, tokens))

    assert users == [str(number) for number in range(8)]
    assert len(jwks_fetches) == 1
