"""Interop is the proof: two independent signers, botocore and curl, against a real live server."""

import json
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import requests

from blog.models import Post
from tests.apikeys.signing import botocore_headers
from tokens import families

pytestmark = pytest.mark.django_db(transaction=True)

CURL = shutil.which("curl")
TIMEOUT = 10


def curl(*args: str) -> tuple[int, dict]:
    """Run curl with its own SigV4 signer; return the status and the JSON body."""
    if CURL is None:
        pytest.fail("curl is missing: run scripts/ensure-packages.sh")
    result = subprocess.run(
        [CURL, "--silent", "--max-time", str(TIMEOUT), "--write-out", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT + 5,
        check=True,
    )
    body, _newline, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body) if body else {}


def aws_sigv4(key, secret: str, region: str = "ap-northeast-2") -> list[str]:
    return ["--aws-sigv4", f"aws:amz:{region}:blog", "--user", f"{key.key_id}:{secret}"]


def test_curl_signed_get_is_accepted(live_server, post, make_key):
    key, secret = make_key("posts:read")
    status, body = curl(*aws_sigv4(key, secret), f"{live_server.url}/api/posts/")
    assert status == 200, body
    assert body["results"][0]["title"] == post.title


def test_curl_signed_json_post_writes_as_the_keys_user(live_server, bot, writer_key):
    key, secret = writer_key
    data = json.dumps({"title": "curl이 쓴 글", "body": "--aws-sigv4"})
    status, body = curl(
        *aws_sigv4(key, secret), "-H", "Content-Type: application/json", "--data", data, f"{live_server.url}/api/posts/"
    )
    assert status == 201, body
    assert Post.objects.get(pk=body["id"]).author == bot


def test_curl_signed_for_another_region_is_refused(live_server, make_key):
    key, secret = make_key("posts:read")
    status, body = curl(*aws_sigv4(key, secret, region="us-east-1"), f"{live_server.url}/api/posts/")
    assert (status, body["code"]) == (403, "credential_scope_mismatch")


def test_curl_with_a_wrong_secret_gets_the_servers_canonical_request(live_server, make_key):
    key, _secret = make_key("posts:read")
    status, body = curl(*aws_sigv4(key, "not-the-secret"), f"{live_server.url}/api/posts/?page=1")
    assert (status, body["code"]) == (403, "signature_mismatch")
    method, path, query, *_rest = body["canonical_request"].split("\n")
    assert (method, path, query) == ("GET", "/api/posts/", "page=1")
    assert f"host:{urlsplit(live_server.url).netloc}" in body["canonical_request"]


def test_curl_signed_queries_are_read_as_signed_or_refused_as_ambiguous(live_server, post, make_key):
    key, secret = make_key("posts:read")
    for query in ("page=1", "q=C%2B%2B", "q=a%20b"):
        status, body = curl(*aws_sigv4(key, secret), f"{live_server.url}/api/posts/?{query}")
        assert status == 200, (query, body)
    # A plus to the signature, a space to Django; two values signed, the last one read.
    for query in ("q=C++", "page=1&page=2"):
        status, body = curl(*aws_sigv4(key, secret), f"{live_server.url}/api/posts/?{query}")
        assert (status, body["code"]) == (400, "query_ambiguous"), query


def test_botocore_signed_requests_over_http_are_accepted(live_server, post, writer_key):
    key, secret = writer_key
    url = f"{live_server.url}/api/posts/"
    headers = botocore_headers("GET", url, key_id=key.key_id, secret=secret)
    assert requests.get(url, headers=headers, timeout=TIMEOUT).status_code == 200
    body = json.dumps({"title": "botocore", "body": "SigV4Auth"}).encode()
    headers = botocore_headers(
        "POST", url, key_id=key.key_id, secret=secret, body=body, headers={"Content-Type": "application/json"}
    )
    assert requests.post(url, data=body, headers=headers, timeout=TIMEOUT).status_code == 201


def test_a_request_captured_on_the_wire_and_sent_again_is_refused(live_server, make_key):
    key, secret = make_key("posts:read")
    url = f"{live_server.url}/api/posts/"
    headers = botocore_headers("GET", url, key_id=key.key_id, secret=secret)
    assert requests.get(url, headers=headers, timeout=TIMEOUT).status_code == 200
    replay = requests.get(url, headers=headers, timeout=TIMEOUT)
    assert (replay.status_code, replay.json()["code"]) == (403, "signature_replayed")


def test_curl_introspects_as_the_readme_shows(live_server, author, make_key):
    key, secret = make_key("introspect")
    access = families.issue_tokens(author).access
    status, body = curl(
        *aws_sigv4(key, secret), "--data-urlencode", f"token={access}", f"{live_server.url}/api/auth/introspect/"
    )
    assert (status, body["active"], body["sub"]) == (200, True, str(author.pk))
