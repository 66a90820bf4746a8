"""Signed requests against the blog API through Django: accepted as the key's user, each refusal its own code."""

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apikeys import inspector
from apikeys.authentication import SigV4Authentication
from blog.models import Comment, Post
from tests.apikeys.signing import as_meta, botocore_headers, signed_call
from tests.tokens.jwt_support import bearer
from tokens import families

pytestmark = pytest.mark.django_db

POSTS = "/api/posts/"
NEW_POST = {"title": "봇이 쓴 글", "body": "서명된 요청으로 썼습니다."}


def refused(response, code: str, status: int = 403) -> dict:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    return body


def signed_meta(method, path, key, secret, *, data=None, query="", **options):
    body = json.dumps(data).encode() if data is not None else b""
    headers = {"Content-Type": "application/json"} if data is not None else {}
    url = f"http://testserver{path}" + (f"?{query}" if query else "")
    return body, as_meta(
        botocore_headers(method, url, key_id=key.key_id, secret=secret, body=body, headers=headers, **options)
    )


def send(client, method, path, body, meta, query=""):
    meta = dict(meta)
    content_type = meta.pop("content_type", "application/octet-stream")
    return client.generic(method, path + (f"?{query}" if query else ""), body, content_type=content_type, **meta)


# Accepted


def test_botocore_signed_get_lists_posts(client, post, make_key):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret)
    assert response.status_code == 200
    assert response.json()["results"][0]["title"] == post.title


def test_botocore_signed_post_writes_as_the_keys_user_and_notes_its_use(client, bot, writer_key):
    key, secret = writer_key
    response = signed_call(client, "POST", POSTS, key_id=key.key_id, secret=secret, data=NEW_POST)
    assert response.status_code == 201, response.json()
    assert Post.objects.get(pk=response.json()["id"]).author == bot
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_signed_comment_on_a_post(client, post, bot, writer_key):
    key, secret = writer_key
    path = f"/api/posts/{post.pk}/comments/"
    response = signed_call(client, "POST", path, key_id=key.key_id, secret=secret, data={"body": "좋은 글"})
    assert response.status_code == 201
    assert Comment.objects.get().author == bot


def test_signed_get_with_a_query_in_any_order_is_accepted(client, post, make_key):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret, query="page=1&a=%20b")
    assert response.status_code == 200


def test_bearer_clients_are_unchanged_beside_signed_ones(client, author):
    response = client.post(
        POSTS, NEW_POST, content_type="application/json", **bearer(families.issue_tokens(author).access)
    )
    assert response.status_code == 201
    assert client.post(POSTS, NEW_POST, content_type="application/json").status_code == 401


# One query, one meaning: what the signature covers is what the view reads, or a 400


def test_signed_query_with_encoded_plus_and_space_and_each_name_once_is_accepted(client, post, make_key):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret, query="page=1&q=C%2B%2B&r=a%20b")
    assert response.status_code == 200, response.json()


def test_signed_query_with_a_raw_plus_is_400_query_ambiguous_naming_both_encodings(client, make_key):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret, query="q=C++")
    answer = refused(response, "query_ambiguous", status=400)
    assert "%2B" in answer["detail"] and "%20" in answer["detail"]


def test_a_signed_2B_turned_into_a_raw_plus_on_the_way_is_refused_not_read_as_a_space(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret, query="q=a%2Bb")
    refused(send(client, "GET", POSTS, body, meta, query="q=a+b"), "query_ambiguous", status=400)


def test_signed_query_naming_a_parameter_twice_is_400_query_ambiguous_naming_it(client, post, make_key):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret, query="page=2&page=1")
    answer = refused(response, "query_ambiguous", status=400)
    assert "page" in answer["detail"]


@pytest.mark.parametrize("charset", ["utf-16", "cp500", "euc-kr"])
def test_an_unsigned_charset_that_would_change_the_query_is_refused(client, make_key, charset):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret, query="page=2")
    meta["CONTENT_TYPE"] = f"text/plain; charset={charset}"  # not signed: botocore signs no Content-Type on a GET
    refused(send(client, "GET", POSTS, body, meta, query="page=2"), "query_ambiguous", status=400)


def test_a_utf8_charset_on_a_signed_request_is_accepted(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret)
    meta["CONTENT_TYPE"] = "text/plain; charset=UTF-8"
    assert send(client, "GET", POSTS, body, meta).status_code == 200


def test_repeated_values_swapped_on_the_way_are_refused_not_read_as_the_other_one(client, post, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret, query="page=1&page=2")
    refused(send(client, "GET", POSTS, body, meta, query="page=2&page=1"), "query_ambiguous", status=400)


def test_raw_utf8_in_a_signed_query_is_refused_not_read_as_the_latin1_it_was_signed_as(client, make_key):
    key, secret = make_key("posts:read")
    # "é" in UTF-8 is the two bytes that Latin-1 reads as "Ã©": signed as those two characters...
    body, meta = signed_meta("GET", POSTS, key, secret, query="q=%C3%83%C2%A9")
    # ...and sent as the raw bytes, which Django would read as "é".
    refused(send(client, "GET", POSTS, body, meta, query="q=é"), "query_ambiguous", status=400)


# Refused: one code each


def test_tampered_body_is_a_signature_mismatch_whose_canonical_request_shows_the_body_hash(client, writer_key):
    key, secret = writer_key
    _body, meta = signed_meta("POST", POSTS, key, secret, data=NEW_POST)
    tampered = json.dumps({**NEW_POST, "title": "남이 바꾼 글"}).encode()
    answer = refused(send(client, "POST", POSTS, tampered, meta), "signature_mismatch")
    assert answer["canonical_request"].split("\n")[-1] == hashlib.sha256(tampered).hexdigest()
    assert answer["string_to_sign"].startswith("AWS4-HMAC-SHA256\n")
    assert Post.objects.count() == 0


def test_tampered_body_with_x_amz_content_sha256_is_named_as_the_body(client, writer_key):
    key, secret = writer_key
    body = json.dumps(NEW_POST).encode()
    headers = {"Content-Type": "application/json", "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
    meta = as_meta(
        botocore_headers(
            "POST", "http://testserver/api/posts/", key_id=key.key_id, secret=secret, body=body, headers=headers
        )
    )
    answer = refused(send(client, "POST", POSTS, body + b" ", meta), "payload_hash_mismatch")
    assert answer["payload_hash_received"] == hashlib.sha256(body).hexdigest()


def test_tampered_path_is_a_signature_mismatch_showing_the_path_the_server_saw(client, post, writer_key):
    key, secret = writer_key
    body, meta = signed_meta("DELETE", f"/api/posts/{post.pk + 1}/", key, secret)
    answer = refused(send(client, "DELETE", f"/api/posts/{post.pk}/", body, meta), "signature_mismatch")
    assert answer["canonical_request"].split("\n")[1] == f"/api/posts/{post.pk}/"
    assert Post.objects.filter(pk=post.pk).exists()


def test_tampered_query_is_a_signature_mismatch(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret, query="page=1")
    answer = refused(send(client, "GET", POSTS, body, meta, query="page=2"), "signature_mismatch")
    assert answer["canonical_request"].split("\n")[2] == "page=2"


def test_tampered_signed_header_is_a_signature_mismatch(client, writer_key):
    key, secret = writer_key
    body, meta = signed_meta("POST", POSTS, key, secret, data=NEW_POST)
    meta["content_type"] = "application/json; charset=latin-1"
    answer = refused(send(client, "POST", POSTS, body, meta), "signature_mismatch")
    assert "content-type:application/json; charset=latin-1" in answer["canonical_request"]


def test_wrong_secret_is_a_signature_mismatch(client, make_key):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret[:-1] + "x")
    refused(response, "signature_mismatch")


def test_old_date_is_refused_as_skewed(client, make_key):
    key, secret = make_key("posts:read")
    when = datetime.now(UTC) - timedelta(minutes=6)
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret, when=when)
    assert when.strftime("%Y%m%dT%H%M%SZ") in refused(response, "request_time_skewed")["detail"]


def test_revoked_key_is_refused(client, make_key):
    key, secret = make_key("posts:read")
    key.revoked_at = timezone.now()
    key.save()
    refused(signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret), "api_key_revoked")


def test_expired_key_is_refused(client, make_key):
    key, secret = make_key("posts:read")
    key.expires_at = timezone.now() - timedelta(seconds=1)
    key.save()
    refused(signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret), "api_key_expired")


def test_unknown_key_is_refused(client):
    response = signed_call(client, "GET", POSTS, key_id="AKB" + "A" * 17, secret="anything")
    refused(response, "api_key_unknown")


def test_key_of_a_deactivated_user_is_refused(client, bot, make_key):
    key, secret = make_key("posts:read")
    bot.is_active = False
    bot.save()
    refused(signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret), "account_inactive")


def test_missing_scope_is_403_naming_it(client, make_key):
    key, secret = make_key("posts:read")
    answer = refused(
        signed_call(client, "POST", POSTS, key_id=key.key_id, secret=secret, data=NEW_POST), "scope_missing"
    )
    assert "posts:write" in answer["detail"]
    assert Post.objects.count() == 0


def test_comment_write_needs_comments_write_not_posts_write(client, post, make_key):
    key, secret = make_key("posts:read", "posts:write")
    path = f"/api/posts/{post.pk}/comments/"
    answer = refused(
        signed_call(client, "POST", path, key_id=key.key_id, secret=secret, data={"body": "x"}), "scope_missing"
    )
    assert "comments:write" in answer["detail"]


def test_replayed_request_is_refused(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret)
    assert send(client, "GET", POSTS, body, meta).status_code == 200
    refused(send(client, "GET", POSTS, body, meta), "signature_replayed")


def test_a_refused_signature_is_not_burnt_for_its_owner(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret)
    refused(send(client, "GET", POSTS, body, meta, query="x=1"), "signature_mismatch")
    assert send(client, "GET", POSTS, body, meta).status_code == 200


def test_host_not_signed_is_refused(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret)
    meta["HTTP_AUTHORIZATION"] = meta["HTTP_AUTHORIZATION"].replace(
        "SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date"
    )
    refused(send(client, "GET", POSTS, body, meta), "host_not_signed")


def test_date_not_signed_is_refused(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret)
    meta["HTTP_AUTHORIZATION"] = meta["HTTP_AUTHORIZATION"].replace(
        "SignedHeaders=host;x-amz-date", "SignedHeaders=host"
    )
    refused(send(client, "GET", POSTS, body, meta), "date_not_signed")


def test_a_signed_header_that_did_not_arrive_is_refused(client, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret, **{})
    meta["HTTP_AUTHORIZATION"] = meta["HTTP_AUTHORIZATION"].replace("host;x-amz-date", "host;x-amz-date;x-trace")
    refused(send(client, "GET", POSTS, body, meta), "signed_header_missing")


def test_another_region_is_refused(client, make_key):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret, region="us-east-1")
    refused(response, "credential_scope_mismatch")


def test_malformed_authorization_is_refused(client):
    refused(client.get(POSTS, HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=nonsense"), "signature_malformed")


def test_signed_requests_are_refused_where_no_scope_covers_them(client, make_key):
    key, secret = make_key("posts:read", "posts:write", "comments:write", "introspect")
    refused(signed_call(client, "GET", "/api/me/", key_id=key.key_id, secret=secret), "api_key_not_accepted")


def test_a_key_whose_secret_cannot_be_read_any_more_is_refused(client, make_key, settings):
    key, secret = make_key("posts:read")
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    refused(signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret), "api_key_unusable")


# Races, outages, the inspector


@pytest.mark.django_db(transaction=True)
def test_two_identical_signed_requests_at_once_let_exactly_one_through(writer_key):
    key, secret = writer_key
    body, meta = signed_meta("POST", POSTS, key, secret, data=NEW_POST)
    barrier, statuses = threading.Barrier(2), []

    def call():
        barrier.wait()
        try:
            statuses.append(send(Client(), "POST", POSTS, body, meta).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 403]
    assert Post.objects.count() == 1


def test_state_store_down_answers_503_not_500(client, make_key, dead_state_store):
    key, secret = make_key("posts:read")
    response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret)
    assert response.status_code == 503


def test_refusal_is_kept_for_the_keys_user_with_both_sides(client, bot, make_key):
    key, secret = make_key("posts:read")
    body, meta = signed_meta("GET", POSTS, key, secret, query="page=1")
    send(client, "GET", POSTS, body, meta, query="page=2")
    record = inspector.refusals(user_ids=[bot.pk])[bot.pk]
    assert record["code"] == "signature_mismatch"
    assert record["received"].split("\n")[2] == "page=2"
    assert record["canonical_request"].split("\n")[2] == "page=2"


def test_unknown_keys_leave_no_record(client, bot):
    signed_call(client, "GET", POSTS, key_id="AKB" + "B" * 17, secret="x")
    assert inspector.refusals(user_ids=[bot.pk]) == {}


def test_authentication_answers_401_with_its_scheme_when_it_alone_guards_a_view():
    assert SigV4Authentication().authenticate_header(None).startswith("AWS4-HMAC-SHA256")


def test_replays_are_refused_however_busy_the_default_cache_is(client, writer_key, busy_default_cache):
    key, secret = writer_key
    writes = [signed_meta("POST", POSTS, key, secret, data={**NEW_POST, "title": f"글 {n}"}) for n in range(6)]
    assert [send(client, "POST", POSTS, body, meta).status_code for body, meta in writes] == [201] * 6
    for number in range(50):
        body, meta = signed_meta("GET", POSTS, key, secret, query=f"n={number}")
        assert send(client, "GET", POSTS, body, meta, query=f"n={number}").status_code == 200
    busy_default_cache(3000)

    for body, meta in writes:
        refused(send(client, "POST", POSTS, body, meta), "signature_replayed")
    assert Post.objects.count() == 6


def test_a_full_state_store_answers_503_with_retry_after(client, make_key, settings, redis_url):
    import redis

    key, secret = make_key("posts:read")
    settings.STATE_STORE_URL = redis_url
    full = redis.Redis.from_url(redis_url)
    full.config_set("maxmemory", 1)  # noeviction: Redis refuses every write rather than forget
    try:
        response = signed_call(client, "GET", POSTS, key_id=key.key_id, secret=secret)
    finally:
        full.config_set("maxmemory", 0)
        full.close()

    assert response.status_code == 503
    assert response.has_header("Retry-After")
