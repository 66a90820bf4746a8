"""apikeys/sigv4.py on its own: AWS's published examples, botocore's canonical form, hostile headers, one-meaning queries."""

import string
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import quote, quote_plus, unquote, urlencode

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from apikeys import sigv4
from apikeys.sigv4 import Authorization, SignatureError, SignedRequest

# AWS's SigV4 test suite, case "get-vanilla" (the suite is not shipped by any package here):
# its request, credentials, canonical request and signature, quoted.
SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
VANILLA = SignedRequest(
    method="GET",
    path="/",
    query_string="",
    headers={"host": "example.amazonaws.com", "x-amz-date": "20150830T123600Z"},
    body=b"",
)
VANILLA_AUTHORIZATION = Authorization(
    key_id="AKIDEXAMPLE",
    date="20150830",
    region="us-east-1",
    service="service",
    signed_headers=("host", "x-amz-date"),
    signature="5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
)
VANILLA_CANONICAL = (
    "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
KEY_ID = "AKBABCDEFGHIJKLMNOPQ"
GOOD_HEADER = (
    f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20260101/ap-northeast-2/blog/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "a" * 64
)


def test_aws_suite_get_vanilla_canonical_request_and_signature_match():
    canonical = sigv4.canonical_request(VANILLA_AUTHORIZATION, VANILLA, sigv4.payload_hash(VANILLA))
    assert canonical == VANILLA_CANONICAL
    sigv4.verify(VANILLA_AUTHORIZATION, VANILLA, SUITE_SECRET)


def test_aws_suite_get_vanilla_with_another_secret_is_a_mismatch_carrying_the_canonical_request():
    with pytest.raises(SignatureError) as refused:
        sigv4.verify(VANILLA_AUTHORIZATION, VANILLA, SUITE_SECRET + "x")
    assert refused.value.code == "signature_mismatch"
    assert refused.value.extra["canonical_request"] == VANILLA_CANONICAL
    assert refused.value.extra["string_to_sign"].startswith("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/")


def test_signing_key_matches_aws_documentation_example():
    # "Examples of how to derive a signing key for Signature Version 4" (iam, 20120215).
    key = sigv4.signing_key(SUITE_SECRET, date="20120215", region="us-east-1", service="iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_parse_authorization_reads_botocore_and_curl_layouts():
    parsed = sigv4.parse_authorization(GOOD_HEADER)
    assert (parsed.key_id, parsed.region, parsed.service, parsed.signed_headers) == (
        KEY_ID,
        "ap-northeast-2",
        "blog",
        ("host", "x-amz-date"),
    )
    assert sigv4.parse_authorization(GOOD_HEADER.replace(", ", ",")) == parsed


@pytest.mark.parametrize(
    "header",
    [
        GOOD_HEADER.replace("Signature=" + "a" * 64, "Signature=" + "a" * 63),
        GOOD_HEADER.replace("aws4_request", "aws5_request"),
        GOOD_HEADER.replace("host;x-amz-date", "x-amz-date;host"),
        GOOD_HEADER.replace("host;x-amz-date", "host;host;x-amz-date"),
        GOOD_HEADER + ", Signature=" + "b" * 64,
        GOOD_HEADER.replace("SignedHeaders=host;x-amz-date", "SignedHeaders=" + ";".join(f"h{i}" for i in range(21))),
        GOOD_HEADER + " " * 3000,
        "AWS4-HMAC-SHA256 ",
    ],
    ids=["short-signature", "terminator", "unsorted", "duplicate", "two-signatures", "21-headers", "too-long", "empty"],
)
def test_malformed_authorization_is_refused_as_malformed(header):
    with pytest.raises(SignatureError) as refused:
        sigv4.parse_authorization(header)
    assert refused.value.code == "signature_malformed"


@given(st.text(max_size=3000))
def test_any_authorization_text_parses_or_is_refused_as_malformed(text):
    for header in (text, "AWS4-HMAC-SHA256 " + text, GOOD_HEADER[:60] + text):
        try:
            parsed = sigv4.parse_authorization(header)
        except SignatureError as error:
            assert error.code == "signature_malformed"
        else:
            assert len(parsed.signature) == 64 and parsed.signed_headers


SEGMENT = st.text(alphabet=string.ascii_letters + string.digits + "-_.~ %+=&;:@!$'()*,가", min_size=0, max_size=8)
QUERY_PART = st.text(alphabet=string.ascii_letters + string.digits + "-_.~ /:+", min_size=0, max_size=6)


@given(
    segments=st.lists(st.one_of(SEGMENT, st.sampled_from([".", ".."])), max_size=6),
    trailing_slash=st.booleans(),
    query=st.lists(st.tuples(QUERY_PART, QUERY_PART), max_size=4),
)
def test_canonical_request_is_botocores_for_any_path_and_query(segments, trailing_slash, query):
    from urllib.parse import quote, urlencode

    path = "/" + "/".join(segments) + ("/" if trailing_slash and segments else "")
    query_string = urlencode(query, quote_via=quote, safe="-_.~")
    url = "https://blog.example" + quote(path, safe="/-_.~") + (f"?{query_string}" if query_string else "")
    request = AWSRequest(method="GET", url=url, headers={"X-Amz-Date": "20260101T000000Z"})
    request.context["timestamp"] = "20260101T000000Z"
    signer = SigV4Auth(Credentials("AKB", "secret"), "blog", "ap-northeast-2")
    request.headers["Host"] = "blog.example"
    expected = signer.canonical_request(request)

    arrived = SignedRequest(
        method="GET",
        path=path,
        query_string=query_string,
        headers={"host": "blog.example", "x-amz-date": "20260101T000000Z"},
        body=b"",
    )
    authorization = Authorization(KEY_ID, "20260101", "ap-northeast-2", "blog", ("host", "x-amz-date"), "0" * 64)
    assert sigv4.canonical_request(authorization, arrived, sigv4.payload_hash(arrived)) == expected


def test_canonical_uri_removes_dot_segments_and_double_encodes():
    assert sigv4.canonical_uri("/api/./posts/../posts//") == "/api/posts/"
    assert sigv4.canonical_uri("/a b") == "/a%2520b"
    assert sigv4.canonical_uri("/..") == "/"


def test_x_amz_content_sha256_must_match_the_body_that_arrived():
    tampered = SignedRequest("POST", "/", "", {"x-amz-content-sha256": "0" * 64}, b"{}")
    with pytest.raises(SignatureError) as refused:
        sigv4.payload_hash(tampered)
    assert refused.value.code == "payload_hash_mismatch"
    unsigned = SignedRequest("POST", "/", "", {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, b"{}")
    with pytest.raises(SignatureError) as refused:
        sigv4.payload_hash(unsigned)
    assert refused.value.code == "payload_hash_invalid"


def test_clock_skew_allows_five_minutes_either_way_and_not_more():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    authorization = sigv4.parse_authorization(GOOD_HEADER)
    for offset in (timedelta(minutes=-5), timedelta(minutes=5)):
        sigv4.check_scope(authorization, region="ap-northeast-2", request_time=now + offset, now=now)
    for offset in (timedelta(minutes=-5, seconds=-1), timedelta(minutes=5, seconds=1)):
        with pytest.raises(SignatureError) as refused:
            sigv4.check_scope(authorization, region="ap-northeast-2", request_time=now + offset, now=now)
        assert refused.value.code == "request_time_skewed"


def test_a_credential_for_another_region_or_service_is_refused():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for header in (GOOD_HEADER.replace("ap-northeast-2", "us-east-1"), GOOD_HEADER.replace("/blog/", "/s3/")):
        with pytest.raises(SignatureError) as refused:
            sigv4.check_scope(sigv4.parse_authorization(header), region="ap-northeast-2", request_time=now, now=now)
        assert refused.value.code == "credential_scope_mismatch"


# One query, one meaning: whatever the signature covers is what Django reads, or check_query refuses it.


def signed_reading(canonical_query: str) -> list[tuple[str, list[str]]]:
    """Return the names and values a canonical query stands for (every part encoded: it reads one way), sorted."""
    items = (item.partition("=") for item in canonical_query.split("&") if item)
    return sorted((unquote(name), [unquote(value)]) for name, _equals, value in items)


def djangos_reading(query_string: str) -> list[tuple[str, list[str]]]:
    """Return what a view reads from this query (request.GET), as a WSGI server hands it over, sorted."""
    return sorted(RequestFactory().get("/api/posts/", QUERY_STRING=query_string).GET.lists())


# %, 2, B, F and 0 make escapes such as %2B and %20; Ã© is the Latin-1 reading of the UTF-8 bytes of é.
QUERY_TEXT = st.text(alphabet=st.sampled_from("ab1%2BF0+&= ~/Ã©é"), max_size=30)


@given(QUERY_TEXT)
def test_any_query_is_refused_as_ambiguous_or_read_by_django_as_the_signature_reads_it(query_string):
    try:
        sigv4.check_query(query_string)
    except SignatureError as error:
        assert (error.code, error.status) == ("query_ambiguous", 400)
    else:
        assert djangos_reading(query_string) == signed_reading(sigv4.canonical_query(query_string))


def test_a_raw_plus_a_repeated_name_or_raw_non_ascii_is_ambiguous_and_percent_escapes_are_not():
    for query_string in ("q=a+b", "page=1&page=2", "a=1&%61=2", "q=\u00c3\u00a9"):
        with pytest.raises(SignatureError) as refused:
            sigv4.check_query(query_string)
        assert (refused.value.code, refused.value.status) == ("query_ambiguous", 400)
    for query_string in ("", "page=1", "q=a%2Bb&r=a%20b", "a&b=", "q=%C3%A9&page=2"):
        sigv4.check_query(query_string)


# Names a client may well send twice, beside any text; values of any text (spaces, +, &, =, 가...).
QUERY_NAMES = st.one_of(st.sampled_from(["page", "q", "a b", "C++"]), st.text(max_size=4))


@given(
    pairs=st.lists(st.tuples(QUERY_NAMES, st.text(max_size=6)), max_size=4),
    # How clients encode a query: %20 for a space (RFC 3986), or + for a space (HTML forms, requests' params=).
    quote_via=st.sampled_from([quote, quote_plus]),
)
def test_a_query_botocore_signs_is_refused_as_ambiguous_or_read_by_django_as_signed(pairs, quote_via):
    query_string = urlencode(pairs, quote_via=quote_via)
    signed = AWSRequest(method="GET", url=f"https://blog.example/api/posts/?{query_string}")
    signer = SigV4Auth(Credentials(KEY_ID, "secret"), "blog", "ap-northeast-2")
    with mock.patch("botocore.auth.get_current_datetime", return_value=datetime(2026, 1, 1)):
        signer.add_auth(signed)
    botocores_canonical_query = signer.canonical_request(signed).split("\n")[2]
    arrived = SignedRequest(
        method="GET",
        path="/api/posts/",
        query_string=query_string,
        headers={"host": "blog.example", **{name.lower(): value for name, value in signed.headers.items()}},
        body=b"",
    )

    try:
        sigv4.verify(sigv4.parse_authorization(arrived.headers["authorization"]), arrived, "secret")
    except SignatureError as error:
        # Never a mismatch: refused only because the query reads two ways.
        assert (error.code, error.status) == ("query_ambiguous", 400), error.message
    else:
        assert djangos_reading(query_string) == signed_reading(botocores_canonical_query)
        assert djangos_reading(query_string) == sorted((name, [value]) for name, value in pairs)
