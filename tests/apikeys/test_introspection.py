"""POST /api/auth/introspect/ (RFC 7662): the truth now, for a signed caller with the introspect scope."""

import json
import re
import time
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import StateEntry
from tests.apikeys.signing import as_meta, botocore_headers
from tests.tokens.jwt_support import BEYOND_LEEWAY, access_claims, bearer, forge, stranger_private_pem
from tokens import families, tokens

STATE_TABLES = re.compile(r"core_stateentry|ratelimit_ratelimitcounter")

pytestmark = pytest.mark.django_db

URL = "/api/auth/introspect/"


@pytest.fixture
def introspector(make_key):
    return make_key("introspect")


def ask(client, key_and_secret, fields: dict, *, as_json: bool = False):
    key, secret = key_and_secret
    if as_json:
        body, content_type = json.dumps(fields).encode(), "application/json"
    else:
        body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
    headers = botocore_headers(
        "POST",
        f"http://testserver{URL}",
        key_id=key.key_id,
        secret=secret,
        body=body,
        headers={"Content-Type": content_type},
    )
    meta = as_meta(headers)
    return client.generic("POST", URL, body, content_type=meta.pop("content_type"), **meta)


def test_an_access_token_is_active_with_its_claims(client, author, introspector):
    pair = families.issue_tokens(author)
    answer = ask(client, introspector, {"token": pair.access}).json()
    assert answer["active"] is True
    assert (answer["token_type"], answer["sub"], answer["username"]) == ("access_token", str(author.pk), "author")
    assert answer["exp"] == pair.access_claims["exp"]


def test_a_refresh_token_is_active_as_json_too(client, author, introspector):
    pair = families.issue_tokens(author)
    answer = ask(client, introspector, {"token": pair.refresh}, as_json=True).json()
    assert (answer["active"], answer["token_type"]) == (True, "refresh_token")


def test_after_logout_the_access_token_is_inactive_though_it_still_verifies(client, author, introspector):
    pair = families.issue_tokens(author)
    families.revoke(pair.refresh)
    assert tokens.verify_access_token(pair.access)["sub"] == str(author.pk)  # a JWT cannot be recalled...
    assert ask(client, introspector, {"token": pair.access}).json() == {"active": False}  # ...but this is the truth


def test_a_rotated_refresh_token_is_inactive(client, author, introspector):
    pair = families.issue_tokens(author)
    families.rotate(pair.refresh)
    assert ask(client, introspector, {"token": pair.refresh}).json() == {"active": False}


def test_a_deactivated_users_token_is_inactive(client, author, introspector):
    pair = families.issue_tokens(author)
    author.is_active = False
    author.save()
    assert ask(client, introspector, {"token": pair.access}).json() == {"active": False}


def test_expired_forged_and_foreign_tokens_are_inactive(client, author, introspector):
    expired = forge(access_claims(author.pk, exp=int(time.time()) - BEYOND_LEEWAY))
    for token in (
        expired,
        "not.a.token",
        "x" * 4096,
        forge(access_claims(author.pk), private_pem=stranger_private_pem()),
    ):
        assert ask(client, introspector, {"token": token}).json() == {"active": False}


def test_an_access_token_without_a_family_is_inactive(client, author, introspector):
    assert ask(client, introspector, {"token": forge(access_claims(author.pk))}).json() == {"active": False}


def test_the_answer_costs_one_database_read(client, author, introspector):
    pair = families.issue_tokens(author)
    ask(client, introspector, {"token": pair.access})  # the key's last use is noted once a minute: not counted below
    access = families.issue_tokens(author).access
    with CaptureQueriesContext(connection) as queries:
        assert ask(client, introspector, {"token": access}).json()["active"] is True
    family_reads = [q["sql"] for q in queries.captured_queries if "refreshtokenfamily" in q["sql"].lower()]
    assert len(family_reads) == 1
    # Besides: the caller's API key. Not reads: its signature kept as seen, the rate-limit count.
    reads = [q["sql"] for q in queries.captured_queries if not STATE_TABLES.search(q["sql"])]
    assert len(reads) == 2


def test_a_key_without_the_introspect_scope_gets_403_naming_it(client, author, make_key):
    answer = ask(client, make_key("posts:read"), {"token": families.issue_tokens(author).access})
    assert (answer.status_code, answer.json()["code"]) == (403, "scope_missing")
    assert "introspect" in answer.json()["detail"]


def test_a_bearer_token_cannot_introspect(client, author):
    access = families.issue_tokens(author).access
    response = client.post(URL, {"token": access}, content_type="application/json", **bearer(access))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("AWS4-HMAC-SHA256")


def test_a_missing_or_non_string_token_is_400(client, introspector):
    for fields in ({}, {"token": 12}, {"token": ["a"]}):
        response = ask(client, introspector, fields, as_json=True)
        assert (response.status_code, response.json()["code"]) == (400, "invalid")


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=300))
def test_any_token_text_answers_200_or_400_never_500(client, introspector, token):
    StateEntry.objects.all().delete()  # the same text twice in one second is the same signature: a replay
    response = ask(client, introspector, {"token": token}, as_json=True)
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert response.json() == {"active": False}
