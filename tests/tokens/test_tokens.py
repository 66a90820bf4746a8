import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config.settings import split_pem_blocks
from tests.tokens.jwt_support import (
    REFUSED_ACCESS_TOKENS,
    access_claims,
    after_grace_period,
    b64url,
    b64url_json,
    public_pem,
    simple_jwt,
    stranger_private_pem,
)
from tokens import families, keys, tokens
from tokens.models import RefreshTokenFamily

BASE_DIR = Path(__file__).resolve().parents[2]
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


@pytest.fixture
def user(make_user):
    return make_user("minji", nickname="민지")


# Issue


def test_access_token_header_names_our_key_and_says_access_token(user):
    header = jwt.get_unverified_header(families.issue_tokens(user).access)

    assert header == {"alg": "RS256", "kid": keys.signing_key().kid, "typ": "at+jwt"}


def test_kid_is_the_rfc7638_thumbprint_of_our_public_key():
    # RFC 7638 section 3.1 gives this key and its thumbprint as the worked example.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5h"
        "ajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    public_key = jwt.algorithms.RSAAlgorithm.from_jwk({"kty": "RSA", "n": n, "e": "AQAB"})

    assert keys.thumbprint(public_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_access_token_carries_string_sub_issuer_lifetime_jti_and_type(user):
    before = int(time.time())
    claims = jwt.decode(families.issue_tokens(user).access, options={"verify_signature": False})

    assert claims["iss"] == settings.SIMPLE_JWT["ISSUER"]
    assert claims["sub"] == str(user.pk)
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 300
    assert len(claims["jti"]) == 32
    assert claims["token_type"] == "access"
    assert claims["roles"] == []
    assert "aud" not in claims


def test_staff_access_token_carries_the_staff_role(make_user):
    staff = make_user("editor", is_staff=True)

    claims = tokens.verify_access_token(families.issue_tokens(staff).access)

    assert claims["roles"] == ["staff"]


def test_refresh_token_lives_fourteen_days_and_names_its_family(user):
    pair = families.issue_tokens(user)
    claims = jwt.decode(pair.refresh, options={"verify_signature": False})

    assert claims["exp"] == claims["iat"] + 14 * 24 * 3600
    assert claims["token_type"] == "refresh"
    assert RefreshTokenFamily.objects.get(pk=claims["fam"]).user == user


@simple_jwt(ACCESS_TOKEN_LIFETIME=timedelta(minutes=1), REFRESH_TOKEN_LIFETIME=timedelta(hours=2))
def test_lifetimes_follow_settings(user):
    pair = families.issue_tokens(user)
    access = jwt.decode(pair.access, options={"verify_signature": False})
    refresh = jwt.decode(pair.refresh, options={"verify_signature": False})

    assert access["exp"] - access["iat"] == 60
    assert refresh["exp"] - refresh["iat"] == 7200


@simple_jwt(AUDIENCE="https://blog.example/api")
def test_audience_is_set_and_checked_when_configured(user):
    token = families.issue_tokens(user).access

    assert tokens.verify_access_token(token)["aud"] == "https://blog.example/api"
    with simple_jwt(AUDIENCE="https://other.example"), pytest.raises(tokens.TokenError):
        tokens.verify_access_token(token)


def test_token_without_audience_is_refused_once_an_audience_is_configured(user):
    token = families.issue_tokens(user).access

    with simple_jwt(AUDIENCE="https://blog.example/api"), pytest.raises(tokens.TokenError):
        tokens.verify_access_token(token)


def test_private_key_pem_is_parsed_once_not_per_token(user, monkeypatch):
    keys._load_signing_key.cache_clear()
    keys._load_verification_keys.cache_clear()
    loads = []
    real_load = keys.serialization.load_pem_private_key
    monkeypatch.setattr(
        keys.serialization, "load_pem_private_key", lambda *a, **kw: loads.append(1) or real_load(*a, **kw)
    )

    for _ in range(5):
        tokens.verify_access_token(families.issue_tokens(user).access)

    assert len(loads) == 1


# Verify


@pytest.mark.parametrize("name", sorted(REFUSED_ACCESS_TOKENS))
def test_verify_refuses_bad_access_token(name):
    token = REFUSED_ACCESS_TOKENS[name]()

    with pytest.raises(tokens.TokenError):
        tokens.verify_access_token(token)


# Any JSON value in any header member, or bytes that are no JSON at all: a TokenError, never a crash.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(header=st.dictionaries(st.sampled_from(["alg", "typ", "kid", "jku", ""]), json_values, max_size=4))
def test_verify_refuses_a_header_of_any_json_shape_with_token_error(header):
    # Start from a header that passes every other check, so the odd member is what gets read.
    header = {"alg": "RS256", "typ": "at+jwt", "kid": keys.signing_key().kid, **header}
    token = f"{b64url(json.dumps(header).encode())}.{b64url_json(access_claims())}.{b64url(b'x' * 256)}"

    with pytest.raises(tokens.TokenError):
        tokens.verify_access_token(token)


@hypothesis_settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=700), rest=st.text(max_size=40))
def test_verify_refuses_any_bytes_as_header_and_any_text_as_token_with_token_error(raw, rest):
    for token in (f"{b64url(raw)}.{rest}", rest):
        with pytest.raises(tokens.TokenError):
            tokens.verify_access_token(token)
        with pytest.raises(tokens.TokenError):
            tokens.verify_refresh_token(token)


def test_verify_accepts_a_token_signed_with_a_previous_key_listed_in_settings(user):
    with simple_jwt(SIGNING_KEY=stranger_private_pem()):
        old_token = families.issue_tokens(user).access

    with pytest.raises(tokens.TokenError):
        tokens.verify_access_token(old_token)
    with override_settings(JWT_PREVIOUS_PUBLIC_KEYS=[public_pem(stranger_private_pem())]):
        assert tokens.verify_access_token(old_token)["sub"] == str(user.pk)


def test_verified_token_remembered_by_the_process_still_expires_on_time(user, monkeypatch):
    access_token = families.issue_tokens(user).access
    tokens.verify_access_token(access_token)  # verified once: remembered
    later = time.time() + 300 + settings.SIMPLE_JWT["LEEWAY"] + 1  # past exp and the leeway

    monkeypatch.setattr(tokens.time, "time", lambda: later)

    with pytest.raises(tokens.TokenError):
        tokens.verify_access_token(access_token)


def test_verified_token_is_refused_once_its_key_leaves_the_settings(user):
    with simple_jwt(SIGNING_KEY=stranger_private_pem()):
        old_token = families.issue_tokens(user).access
    with override_settings(JWT_PREVIOUS_PUBLIC_KEYS=[public_pem(stranger_private_pem())]):
        tokens.verify_access_token(old_token)  # verified once: remembered

    with pytest.raises(tokens.TokenError):
        tokens.verify_access_token(old_token)


def test_claims_handed_out_cannot_change_what_the_next_caller_gets(user):
    access_token = families.issue_tokens(user).access

    tokens.verify_access_token(access_token)["sub"] = "999"

    assert tokens.verify_access_token(access_token)["sub"] == str(user.pk)


def test_access_token_is_refused_where_a_refresh_token_is_expected(user):
    with pytest.raises(tokens.TokenError):
        families.rotate(families.issue_tokens(user).access)


# JWKS


def test_jwks_lists_current_and_previous_public_keys_without_private_parts():
    with override_settings(JWT_PREVIOUS_PUBLIC_KEYS=[public_pem(stranger_private_pem())]):
        document = keys.jwks()

    kids = [key["kid"] for key in document["keys"]]
    assert kids[0] == keys.signing_key().kid
    assert len(kids) == 2
    for key in document["keys"]:
        assert key.keys() == {"kty", "use", "alg", "kid", "n", "e"}
        assert not key.keys() & PRIVATE_MEMBERS


def test_next_key_is_published_and_verified_before_this_instance_signs_with_it(user):
    # The first stage of a key change: every instance lists the new key while still signing with the old.
    with override_settings(JWT_NEXT_PUBLIC_KEYS=[public_pem(stranger_private_pem())]):
        kids = [key["kid"] for key in keys.jwks()["keys"]]
        with simple_jwt(SIGNING_KEY=stranger_private_pem()):
            signed_elsewhere = families.issue_tokens(user).access  # an instance at the second stage already
        assert tokens.verify_access_token(signed_elsewhere)["sub"] == str(user.pk)
        assert tokens.verify_access_token(families.issue_tokens(user).access)["sub"] == str(user.pk)

    assert kids[0] == keys.signing_key().kid  # still the one that signs here
    assert len(kids) == 2


def test_split_pem_blocks_reads_several_keys_from_one_variable():
    first, second = public_pem(stranger_private_pem()), public_pem(settings.SIMPLE_JWT["SIGNING_KEY"])

    assert split_pem_blocks(f"{first}\n{second}") == [first.strip(), second.strip()]
    assert split_pem_blocks(first.strip().replace("\n", "\\n")) == [first.strip()]
    assert split_pem_blocks("") == []


# Rotate and revoke


def test_rotation_returns_a_new_pair_and_uses_up_the_old_refresh_token(user):
    first = families.issue_tokens(user)

    second = families.rotate(first.refresh)
    after_grace_period()

    assert second.refresh != first.refresh
    assert tokens.verify_access_token(second.access)["sub"] == str(user.pk)
    with pytest.raises(tokens.TokenError):
        families.rotate(first.refresh)


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(user):
    first = families.issue_tokens(user)
    second = families.rotate(first.refresh)
    after_grace_period()

    with pytest.raises(tokens.TokenError) as error:
        families.rotate(first.refresh)  # the thief (or the user) replays the old token
    assert error.value.code == "token_reused"

    with pytest.raises(tokens.TokenError):
        families.rotate(second.refresh)  # the newest token of the chain stops working too
    family = RefreshTokenFamily.objects.get()
    assert family.revoke_reason == RefreshTokenFamily.RevokeReason.REUSE


def test_reuse_in_one_family_leaves_the_users_other_logins_alone(user):
    phone, laptop = families.issue_tokens(user), families.issue_tokens(user)
    families.rotate(phone.refresh)
    after_grace_period()

    with pytest.raises(tokens.TokenError):
        families.rotate(phone.refresh)

    assert families.rotate(laptop.refresh).access


def test_rotation_that_loses_a_race_gets_the_winners_chain_instead_of_revoking_it(user, monkeypatch):
    pair = families.issue_tokens(user)
    real_family = families._family
    winners = []

    def family_then_concurrent_rotation(claims):
        family = real_family(claims)
        # Between our read and our write, another request rotates the same token.
        monkeypatch.setattr(families, "_family", real_family)
        winners.append(families.rotate(pair.refresh))
        return family

    monkeypatch.setattr(families, "_family", family_then_concurrent_rotation)

    loser = families.rotate(pair.refresh)

    assert tokens.verify_refresh_token(loser.refresh)["jti"] == tokens.verify_refresh_token(winners[0].refresh)["jti"]
    assert families.rotate(winners[0].refresh).access
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_within_the_grace_period_only_the_token_just_replaced_is_honoured(user):
    first = families.issue_tokens(user)
    second = families.rotate(first.refresh)
    families.rotate(second.refresh)

    with pytest.raises(tokens.TokenError) as error:
        families.rotate(first.refresh)  # two rotations old: no browser sends that by accident

    assert error.value.code == "token_reused"
    assert RefreshTokenFamily.objects.get().revoke_reason == RefreshTokenFamily.RevokeReason.REUSE


def test_the_just_replaced_token_after_the_grace_period_revokes_the_family(user):
    first = families.issue_tokens(user)
    families.rotate(first.refresh)
    after_grace_period()

    with pytest.raises(tokens.TokenError):
        families.rotate(first.refresh)

    assert RefreshTokenFamily.objects.get().revoke_reason == RefreshTokenFamily.RevokeReason.REUSE


def test_a_revoked_family_is_not_revived_by_the_grace_period(user):
    first = families.issue_tokens(user)
    second = families.rotate(first.refresh)
    families.revoke(second.refresh)

    with pytest.raises(tokens.TokenError) as error:
        families.rotate(first.refresh)

    assert error.value.code == "token_revoked"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database serializes writers")
def test_concurrent_refreshes_with_one_token_all_continue_one_chain(make_user):
    refresh_token = families.issue_tokens(make_user("racer")).refresh
    start, results = threading.Barrier(8), []

    def refresh():
        start.wait()
        try:
            results.append(families.rotate(refresh_token))
        except tokens.TokenError as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One rotates; the others, inside the grace period, continue its chain: nobody is logged out.
    assert all(isinstance(result, families.TokenPair) for result in results), results
    assert len({tokens.verify_refresh_token(result.refresh)["jti"] for result in results}) == 1
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_refresh_for_a_deleted_user_is_refused(user):
    refresh_token = families.issue_tokens(user).refresh
    user.delete()

    with pytest.raises(tokens.TokenError):
        families.rotate(refresh_token)


def test_refresh_for_a_deactivated_user_is_refused_and_revokes_the_family(user):
    refresh_token = families.issue_tokens(user).refresh
    user.is_active = False
    user.save()

    with pytest.raises(tokens.TokenError):
        families.rotate(refresh_token)
    assert RefreshTokenFamily.objects.get().revoke_reason == RefreshTokenFamily.RevokeReason.INACTIVE


def test_revoked_refresh_token_no_longer_refreshes(user):
    refresh_token = families.issue_tokens(user).refresh

    families.revoke(refresh_token)

    with pytest.raises(tokens.TokenError):
        families.rotate(refresh_token)


def test_refresh_tokens_are_not_stored_in_clear(user):
    pair = families.issue_tokens(user)
    pair = families.rotate(pair.refresh)

    stored = [str(value) for value in RefreshTokenFamily.objects.values_list(flat=False).get()]
    assert not any(pair.refresh in value or pair.refresh.split(".")[2] in value for value in stored)


# Cleanup


def test_flush_command_deletes_expired_families_and_keeps_live_ones(user):
    live = families.issue_tokens(user)
    expired = families.issue_tokens(user)
    RefreshTokenFamily.objects.filter(
        pk=jwt.decode(expired.refresh, options={"verify_signature": False})["fam"]
    ).update(expires_at=timezone.now() - timedelta(seconds=settings.SIMPLE_JWT["LEEWAY"] + 1))
    out = StringIO()

    call_command("flush_expired_tokens", stdout=out)

    assert RefreshTokenFamily.objects.count() == 1
    assert "1" in out.getvalue()
    assert families.rotate(live.refresh).access


# Settings


def _settings_in_subprocess(env: dict, code: str) -> subprocess.CompletedProcess:
    clean = {name: value for name, value in os.environ.items() if not name.startswith(("JWT_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import django; from django.conf import settings; {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_private_key_stops_naming_jwt_private_key():
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "blog.example",
        "KAKAO_CLIENT_ID": "k",
        "KAKAO_APP_ID": "1",
    }

    result = _settings_in_subprocess(env, "settings.SIMPLE_JWT['SIGNING_KEY']")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "JWT_PRIVATE_KEY" in result.stderr


def test_debug_generates_one_key_into_var_dir_shared_by_every_process(tmp_path):
    env = {"DEBUG": "1", "VAR_DIR": str(tmp_path)}
    code = "django.setup(); from tokens import keys; print(keys.signing_key().kid)"

    first, second = _settings_in_subprocess(env, code), _settings_in_subprocess(env, code)

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert (tmp_path / "dev-jwt-private-key.pem").read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_a_tab_replaying_within_the_grace_period_is_not_a_theft_on_an_instance_whose_clock_runs_ahead(user, settings):
    first = families.issue_tokens(user)
    families.rotate(first.refresh)
    # The rotation's time came from another instance's clock, 10 s behind this one's, at the grace period's end.
    RefreshTokenFamily.objects.update(
        rotated_at=F("rotated_at") - settings.JWT_REFRESH_GRACE_PERIOD - timedelta(seconds=10)
    )

    assert families.rotate(first.refresh).access  # the same browser's other tab: not revoked
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_flush_keeps_a_family_whose_token_is_past_its_exp_but_within_the_leeway(user):
    family = families.issue_tokens(user)
    RefreshTokenFamily.objects.update(expires_at=timezone.now() - timedelta(seconds=5))

    families.flush_expired()

    assert RefreshTokenFamily.objects.count() == 1
    assert families.rotate(family.refresh).access
