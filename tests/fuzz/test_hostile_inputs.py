"""Hostile input at every URL the site routes: the answer is always a safe one.

A safe answer: no 5xx (Kakao answers correctly in these tests, so even a 502 blames it
wrongly), no traceback in the body, under /api/ every error is JSON with a string ``detail``
and a string ``code``, and it comes within 2 seconds.

The URLs come from Django's resolver, so a new route is attacked without editing this file.
Path parameters are filled with an id that exists, 0, -1, 2^63 and 10^30. Most requests go
through Django's test client (fast); what it cannot send (raw bytes in headers and paths,
Kakao tokens that must cross a real HTTP connection) goes through the live server.
"""

import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote

import pytest
import requests
import responses
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from blog.models import Post
from tests.fuzz.conftest import Author, make_author, published_schema
from tests.tokens.jwt_support import access_claims, b64url, b64url_json, forge, our_kid
from tokens.models import RefreshTokenFamily

MAX_SECONDS = 2.0
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "Exception Value:", 'File "/', "django.core.exceptions.")
TEN_MEGABYTES = 10 * 1024 * 1024
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

# --- The URLs: every route of the resolver, with every kind of id ---------------------------

# An id that exists is only known once the test data is made: "existing" stands for it.
ID_VALUES = ("existing", "0", "-1", str(2**63), str(10**30))
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Target:
    """One URL to attack, with its path parameters still symbolic: ``posts/<pk=existing>/``."""

    route: str
    params: tuple[tuple[str, str], ...] = ()

    def url(self, site: "Site") -> str:
        """Return the path, with "existing" replaced by the id of an object of the right kind."""
        values = {
            name: site.existing(self.route, name) if value == "existing" else value for name, value in self.params
        }
        return "/" + CONVERTER.sub(lambda match: quote(values[match["name"]], safe="/"), self.route)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def __str__(self) -> str:
        return "/" + CONVERTER.sub(lambda match: f"<{match['name']}={dict(self.params)[match['name']]}>", self.route)


def routes(patterns=None, prefix: str = "") -> Iterator[str]:
    """Yield every route of the URLconf as text, regex routes written as routes: ``admin/<url>``."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + text)
        elif isinstance(pattern, URLPattern):
            text = REGEX_GROUP.sub(lambda match: f"<{match['name']}>", text).lstrip("^").rstrip("$")
            yield prefix + text


def targets(route: str, id_values: tuple[str, ...] = ID_VALUES) -> list[Target]:
    """Return ``route`` with existing ids, then with each parameter in turn set to each other id value."""
    names = [match["name"] for match in CONVERTER.finditer(route)]
    existing = {name: "existing" for name in names}
    variants = [existing] + [{**existing, name: value} for name in names for value in id_values if value != "existing"]
    return [Target(route, tuple(variant.items())) for variant in variants]


ROUTES = sorted(set(routes()))
EVERY_ID = [target for route in ROUTES for target in targets(route)]
EXISTING_IDS = [targets(route)[0] for route in ROUTES]

# --- The test data, made once for the module ------------------------------------------------


@dataclass
class Site:
    """The objects the ids point to, and the author's credentials."""

    author: Author
    ids: dict[str, str] = field(default_factory=dict)

    def existing(self, route: str, name: str) -> str:
        """Return the id of an existing object that parameter ``name`` of ``route`` points to."""
        if name == "path":
            return "accounts/kakao.py"
        if name == "app_label":
            return "blog"
        # post_id names its model; pk and object_id take the word before them: comments/<pk>, blog/post/<object_id>.
        if name in {"pk", "id", "object_id"}:
            before = route[: re.search(rf"<(?:\w+:)?{name}>", route).start()]
            word = before.rstrip("/").rsplit("/", 1)[-1]
        else:
            word = name.removesuffix("_id")
        return self.ids.get(word.removesuffix("s"), self.ids["post"])


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[Site]:
    """Make the author, their posts and comments once; each test's own writes are rolled back."""
    with django_db_blocker.unblock():
        author = make_author()
        ids = {
            "post": str(author.posts[0].pk),
            "comment": str(author.comments[0].pk),
            "user": str(author.user.pk),
            "refreshtokenfamily": str(RefreshTokenFamily.objects.filter(user=author.user).first().pk),
            "content_type": str(ContentType.objects.get_for_model(Post).pk),
        }
        yield Site(author=author, ids=ids)
        User.objects.filter(username__startswith="fuzz-").delete()


# --- Sending, and judging the answer ----------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    request: str
    status: int
    content_type: str
    body: bytes
    seconds: float
    server_exceptions: tuple[str, ...]


def as_wsgi_text(value: str) -> str:
    """Return ``value`` as a WSGI server hands a header to the app: its UTF-8 bytes, read as latin-1."""
    return value.encode().decode("latin-1")


@pytest.fixture
def kakao_answers_correctly() -> Iterator[None]:
    """Stand in for Kakao behind the test client: every token and code it is shown is unknown to it."""
    sandbox = re.compile(r"http://testserver/sandbox/kakao/.*")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in (responses.GET, responses.POST):
            mock.add(method, sandbox, status=401, json={"msg": "this access token does not exist", "code": -401})
        mock.add(
            responses.POST,
            re.compile(r"http://testserver/sandbox/kakao/oauth/token"),
            status=400,
            json={"error": "invalid_grant", "error_code": "KOE320"},
        )
        yield


@pytest.fixture
def send(site, db, kakao_answers_correctly, server_exceptions):
    """Return send(target, method, body=, content_type=, as_author=, **meta) -> Answer, via the test client."""

    def send_request(
        target: Target,
        method: str = "GET",
        *,
        body: bytes = b"",
        content_type: str | None = JSON,
        as_author: bool = True,
        client: Client | None = None,
        **meta: str,
    ) -> Answer:
        client = client or Client(raise_request_exception=False)
        path = target.url(site)
        environ = dict(meta)
        if as_author:
            environ.setdefault("HTTP_AUTHORIZATION", f"Bearer {site.author.access_token}")
            environ.setdefault("HTTP_COOKIE", f"{settings.JWT_ACCESS_COOKIE_NAME}={site.author.access_token}")
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        server_exceptions.clear()
        started = time.perf_counter()
        response = client.generic(method, path, data=body, content_type=content_type or "", **environ)
        seconds = time.perf_counter() - started
        return Answer(
            request=f"{method} {path}"
            + (f" ({len(body)} bytes of {content_type or 'no content type'})" if body else ""),
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=b"".join(response.streaming_content) if response.streaming else response.content,
            seconds=seconds,
            server_exceptions=tuple(server_exceptions),
        )

    return send_request


def assert_answered_safely(answer: Answer) -> None:
    """Fail unless the answer is safe: no 5xx, no traceback, JSON errors under /api/, within 2 s."""
    problems = []
    if answer.status >= 500:
        problems.append(f"status {answer.status}")
    text = answer.body.decode("utf-8", errors="replace")
    if any(marker in text for marker in TRACEBACK_MARKERS):
        problems.append("a traceback in the body")
    if answer.seconds > MAX_SECONDS:
        problems.append(f"took {answer.seconds:.1f} s")
    path = answer.request.split()[1]
    if path.startswith("/api/") and answer.status >= 400:
        problems.extend(api_error_problems(answer))
    if problems:
        server = "".join(f"\n  server: {summary}" for summary in answer.server_exceptions)
        # The message says it all; thousands of tracebacks of this helper would only slow the report.
        pytest.fail(
            f"{answer.request} -> {answer.status}: {', '.join(problems)}{server}\n  body: {text[:300]!r}", pytrace=False
        )


def api_error_problems(answer: Answer) -> list[str]:
    """Return what is wrong with an API error: it must be a JSON object with string detail and code."""
    if not answer.content_type.startswith(JSON):
        return [f"an API error as {answer.content_type or 'no content type'}, not JSON"]
    try:
        error = json.loads(answer.body)
    except ValueError:
        return ["an API error that is not valid JSON"]
    if not isinstance(error, dict):
        return ["an API error that is not a JSON object"]
    return [f"no string {key!r} in the API error" for key in ("detail", "code") if not isinstance(error.get(key), str)]


def test_every_route_is_attacked():
    # The admin's regex routes come out as routes too; a route with no URL here would go untested.
    assert "api/posts/<id:pk>/" in ROUTES
    assert "admin/<url>" in ROUTES
    assert {target.route for target in EVERY_ID} == set(ROUTES)


def test_existing_ids_point_at_objects_that_exist(send):
    # Otherwise every "existing" case would only ever test a 404.
    for route in ("api/posts/<id:post_id>/comments/<id:pk>/", "posts/<id:pk>/", "comments/<id:pk>/delete/"):
        assert send(targets(route)[0]).status == 200, route


# --- Any id, no payload -------------------------------------------------------------------------


@pytest.mark.parametrize("target", EVERY_ID, ids=str)
@pytest.mark.parametrize(
    ("method", "as_author"),
    [
        pytest.param("GET", False, id="anonymous GET"),
        pytest.param("GET", True, id="author GET"),
        pytest.param("POST", True, id="author POST"),
    ],
)
def test_url_with_any_id_answers_safely(send, target, method, as_author):
    assert_answered_safely(send(target, method, as_author=as_author))


# --- Bodies ----------------------------------------------------------------------------------------

API_SCHEMA = published_schema()


def request_fields(target: Target, method: str) -> dict[str, dict]:
    """Return the JSON fields the OpenAPI schema says ``method`` at ``target`` accepts, with their schemas."""
    path = "/" + CONVERTER.sub(lambda match: "{id}" if match["name"] == "pk" else f"{{{match['name']}}}", target.route)
    operation = API_SCHEMA["paths"].get(path, {}).get(method.lower(), {})
    media = operation.get("requestBody", {}).get("content", {}).get(JSON, {})
    reference = media.get("schema", {}).get("$ref", "")
    return API_SCHEMA["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {}).get("properties", {})


def body_methods(target: Target) -> list[str]:
    """POST everywhere; under /api/ also PUT and PATCH, where the schema documents them."""
    methods = ["POST"]
    if target.is_api:
        methods += [method for method in ("PUT", "PATCH") if request_fields(target, method)]
    return methods


WRITES = [(target, method) for target in EXISTING_IDS for method in body_methods(target)]
WRITE_IDS = [f"{method} {target}" for target, method in WRITES]
# Form fields of the pages' forms, and of the sandbox's endpoints (Kakao's, which speak forms).
FORM_FIELDS = (
    "title", "body", "next", "account", "action", "kakao_account", "language", "user_id",
    "grant_type", "client_id", "client_secret", "redirect_uri", "code", "code_verifier", "refresh_token",
    "target_id", "target_id_type", "username", "password",
)  # fmt: skip


def plausible_body(target: Target, method: str) -> dict[str, str]:
    """Return a body with a harmless value in every field the request may carry."""
    fields = request_fields(target, method) if target.is_api else dict.fromkeys(FORM_FIELDS)
    return {name: "퍼즈 값" for name in fields} or {"title": "퍼즈 값", "body": "퍼즈 값"}


def encoded(target: Target, body: dict) -> tuple[bytes, str]:
    """Return ``body`` as the kind of request the URL takes: JSON under /api/, a form elsewhere."""
    if target.is_api:
        return json.dumps(body).encode(), JSON
    return urlencode_utf8(body), FORM


def urlencode_utf8(body: dict) -> bytes:
    return "&".join(f"{quote(str(name))}={quote(str(value))}" for name, value in body.items()).encode()


def deeply_nested_json(target: Target, method: str) -> tuple[bytes, str]:
    return b"[" * 100_000, JSON


def json_nested_1000_levels_in_every_field(target: Target, method: str) -> tuple[bytes, str]:
    nested = "[" * 1000 + "]" * 1000
    return ("{" + ", ".join(f'"{name}": {nested}' for name in plausible_body(target, method)) + "}").encode(), JSON


def json_with_invalid_utf8(target: Target, method: str) -> tuple[bytes, str]:
    fields = b", ".join(f'"{name}": "'.encode() + b'\xff\xfe\xc3"' for name in plausible_body(target, method))
    return b"{" + fields + b"}", JSON


def form_with_invalid_utf8(target: Target, method: str) -> tuple[bytes, str]:
    return b"&".join(f"{name}=".encode() + b"%FF%FE\xff\xfe" for name in plausible_body(target, method)), FORM


def json_with_lone_surrogates(target: Target, method: str) -> tuple[bytes, str]:
    fields = ", ".join(f'"{name}": "a\\ud800b\\udfff"' for name in plausible_body(target, method))
    return ("{" + fields + "}").encode(), JSON


def json_with_duplicate_keys(target: Target, method: str) -> tuple[bytes, str]:
    pairs = ", ".join(f'"{name}": "first", "{name}": ["second"]' for name in plausible_body(target, method))
    return ("{" + pairs + "}").encode(), JSON


@cache
def ten_megabytes_of_korean(content_type: str) -> bytes:
    """Return 10 MB of "가" as a JSON string or a form value ("%EA%B0%80"), made once: quoting it is slow."""
    if content_type == JSON:
        return json.dumps("가" * (TEN_MEGABYTES // 3), ensure_ascii=False).encode()
    return quote("가" * (TEN_MEGABYTES // 9)).encode()


def ten_megabytes_in_the_first_field(target: Target, method: str) -> tuple[bytes, str]:
    first, *others = plausible_body(target, method)
    if target.is_api:
        rest = b"".join(f', "{name}": "x"'.encode() for name in others)
        return b'{"' + first.encode() + b'": ' + ten_megabytes_of_korean(JSON) + rest + b"}", JSON
    rest = b"".join(f"&{name}=x".encode() for name in others)
    return first.encode() + b"=" + ten_megabytes_of_korean(FORM) + rest, FORM


BODIES = {
    body.__name__: body
    for body in (
        deeply_nested_json,
        json_nested_1000_levels_in_every_field,
        json_with_invalid_utf8,
        form_with_invalid_utf8,
        json_with_lone_surrogates,
        json_with_duplicate_keys,
        ten_megabytes_in_the_first_field,
    )
}
# The right body, declared as something else (or as nothing).
WRONG_CONTENT_TYPES = {
    "form": FORM,
    "multipart": "multipart/form-data; boundary=fuzz",
    "text": "text/plain",
    "xml": "application/xml",
    "none": None,
}


@pytest.mark.parametrize("kind", BODIES)
@pytest.mark.parametrize(("target", "method"), WRITES, ids=WRITE_IDS)
def test_hostile_body_is_answered_safely(send, target, method, kind):
    body, content_type = BODIES[kind](target, method)

    assert_answered_safely(send(target, method, body=body, content_type=content_type))


@pytest.mark.parametrize("declared", WRONG_CONTENT_TYPES)
@pytest.mark.parametrize(("target", "method"), WRITES, ids=WRITE_IDS)
def test_body_under_a_wrong_content_type_is_answered_safely(send, target, method, declared):
    body, _right = encoded(target, plausible_body(target, method))

    assert_answered_safely(send(target, method, body=body, content_type=WRONG_CONTENT_TYPES[declared]))


API_FIELDS = [
    (target, method, name) for target, method in WRITES if target.is_api for name in plausible_body(target, method)
]
API_FIELD_IDS = [f"{method} {target} {name}" for target, method, name in API_FIELDS]
PAGE_WRITES = [(target, method) for target, method in WRITES if not target.is_api]
PAGE_WRITE_IDS = [f"{method} {target}" for target, method in PAGE_WRITES]
NOT_STRINGS = {"number": 12345, "huge_float": 1e308, "true": True, "null": None, "list": ["a"], "object": {"a": "b"}}


@pytest.mark.parametrize(("target", "method", "name"), API_FIELDS, ids=API_FIELD_IDS)
def test_nul_byte_in_a_json_field_is_answered_safely(send, target, method, name):
    body = json.dumps({**plausible_body(target, method), name: "a\x00b"}).encode()

    assert_answered_safely(send(target, method, body=body))


@pytest.mark.parametrize(("target", "method"), PAGE_WRITES, ids=PAGE_WRITE_IDS)
def test_nul_byte_in_every_form_field_is_answered_safely(send, target, method):
    body = urlencode_utf8(dict.fromkeys(FORM_FIELDS, "a\x00b"))

    assert_answered_safely(send(target, method, body=body, content_type=FORM))


@pytest.mark.parametrize("kind", NOT_STRINGS)
@pytest.mark.parametrize(("target", "method", "name"), API_FIELDS, ids=API_FIELD_IDS)
def test_json_value_that_is_not_a_string_is_answered_safely(send, target, method, name, kind):
    body = json.dumps({**plausible_body(target, method), name: NOT_STRINGS[kind]}).encode()

    assert_answered_safely(send(target, method, body=body))


# --- Query strings, headers, cookies -------------------------------------------------------------

# Query parameters the views and the sandbox read.
QUERY_PARAMS = (
    "page", "next", "state", "code", "error", "error_description", "redirect_uri", "client_id", "response_type",
    "code_challenge", "code_challenge_method", "scope", "prompt", "logout_redirect_uri", "user_id", "format",
    "access_token", "refresh_token",
)  # fmt: skip
HEADERS = (
    "Authorization", "Accept", "Accept-Language", "Origin", "Referer", "User-Agent", "X-Forwarded-For",
    "X-Forwarded-Proto", "X-CSRFToken", "If-None-Match", "If-Modified-Since", "Range",
)  # fmt: skip
COOKIES = (
    settings.SESSION_COOKIE_NAME,
    settings.CSRF_COOKIE_NAME,
    settings.LANGUAGE_COOKIE_NAME,
    settings.JWT_ACCESS_COOKIE_NAME,
    settings.JWT_REFRESH_COOKIE_NAME,
)
# WSGI hands the app headers and the query string as latin-1 text: "\xff" is the byte 0xFF.
# Each value is long enough to pass for a session key (8+ characters), so that it reaches the database.
HOSTILE_TEXT = {
    "nul": "fuzz\x00" + "k" * 32,
    "control_chars": "fuzz\x01\x1b\x7f" + "k" * 32,
    "non_ascii": as_wsgi_text("토큰") + "k" * 32,
    "invalid_utf8": "\xff\xfe\xc3" + "k" * 32,
}


def query_with(value: str) -> str:
    """Return a query string carrying ``value`` (percent-encoded) in every parameter the site reads."""
    encoded_value = quote(value.encode("latin-1"), safe="")
    return "&".join(f"{name}={encoded_value}" for name in QUERY_PARAMS)


def raw_query_with(value: str) -> str:
    """Return a query string carrying ``value`` unencoded in every parameter, as a careless client sends it."""
    return "&".join(f"{name}={value}" for name in QUERY_PARAMS)


def headers_with(value: str) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name in HEADERS}


def cookies_with(value: str) -> str:
    return "; ".join(f"{name}={value}" for name in COOKIES)


EVERY_METHOD = [("GET", target) for target in EXISTING_IDS] + [("POST", target) for target in EXISTING_IDS]
EVERY_METHOD_IDS = [f"{method} {target}" for method, target in EVERY_METHOD]


@pytest.mark.parametrize("kind", HOSTILE_TEXT)
@pytest.mark.parametrize(("method", "target"), EVERY_METHOD, ids=EVERY_METHOD_IDS)
def test_hostile_query_string_is_answered_safely(send, method, target, kind):
    encoded_answer = send(target, method, QUERY_STRING=query_with(HOSTILE_TEXT[kind]))
    raw_answer = send(target, method, QUERY_STRING=raw_query_with(HOSTILE_TEXT[kind]))

    assert_answered_safely(encoded_answer)
    assert_answered_safely(raw_answer)


@pytest.mark.parametrize("kind", HOSTILE_TEXT)
@pytest.mark.parametrize(("method", "target"), EVERY_METHOD, ids=EVERY_METHOD_IDS)
def test_hostile_header_values_are_answered_safely(send, method, target, kind):
    assert_answered_safely(send(target, method, **headers_with(HOSTILE_TEXT[kind])))


@pytest.mark.parametrize("kind", HOSTILE_TEXT)
@pytest.mark.parametrize("target", EXISTING_IDS, ids=str)
def test_hostile_host_header_is_answered_safely(send, target, kind):
    # Django checks Host before any view runs, whatever the method: GET is enough.
    assert_answered_safely(send(target, HTTP_HOST=f"test{HOSTILE_TEXT[kind]}server"))


@pytest.mark.parametrize("kind", HOSTILE_TEXT)
@pytest.mark.parametrize(("method", "target"), EVERY_METHOD, ids=EVERY_METHOD_IDS)
def test_hostile_cookies_are_answered_safely(send, method, target, kind):
    # CSRF checks on, so that the csrftoken cookie is read on POST.
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)

    answer = send(target, method, as_author=False, client=client, HTTP_COOKIE=cookies_with(HOSTILE_TEXT[kind]))

    assert_answered_safely(answer)


# --- Our JWTs with malformed headers ---------------------------------------------------------


def token_with_header(header: object, signature: bytes = b"not-a-signature") -> str:
    """Return a token whose header is ``header`` as JSON, with the claims of a valid access token."""
    return f"{b64url(json.dumps(header).encode())}.{b64url_json(access_claims())}.{b64url(signature)}"


def header_with(**fields: object) -> dict:
    return {"alg": "RS256", "typ": "at+jwt", "kid": our_kid(), **fields}


MALFORMED_JWTS = {
    **{
        f"{name}_as_{kind}": (lambda name=name, value=value: token_with_header(header_with(**{name: value})))
        for name in ("kid", "alg", "typ")
        for kind, value in {"list": ["RS256"], "object": {"a": "b"}, "number": 256, "null": None}.items()
    },
    "header_is_a_json_array": lambda: token_with_header([header_with()]),
    "header_is_a_json_string": lambda: token_with_header("RS256"),
    "header_not_base64": lambda: "!!!not*base64!!!." + access_token_parts()[1] + ".c2ln",
    "header_of_10000_chars": lambda: token_with_header(header_with(kid="k" * 7500)),
    "alg_none": lambda: token_with_header(header_with(alg="none"), signature=b""),
    "only_dots": lambda: "..",
    "non_ascii": lambda: "토큰.토큰.토큰",
}


def access_token_parts() -> list[str]:
    return forge(access_claims()).split(".")


def bearer_to(path: str, method: str = "GET"):
    def send_as_bearer(send, token: str) -> Answer:
        return send(Target(path), method, as_author=False, HTTP_AUTHORIZATION=as_wsgi_text(f"Bearer {token}"))

    return send_as_bearer


def cookie_to(path: str, name: str):
    def send_as_cookie(send, token: str) -> Answer:
        return send(Target(path), as_author=False, HTTP_COOKIE=as_wsgi_text(f"{name}={token}"))

    return send_as_cookie


def refresh_body_to(path: str):
    def send_in_body(send, token: str) -> Answer:
        return send(Target(path), "POST", as_author=False, body=json.dumps({"refresh": token}).encode())

    return send_in_body


# Every place a JWT of ours is read: the Bearer header, the two cookies, the refresh and logout bodies.
JWT_CARRIERS = {
    "bearer GET /api/me/": bearer_to("api/me/"),
    "bearer GET /api/posts/": bearer_to("api/posts/"),
    "bearer POST /api/posts/": bearer_to("api/posts/", "POST"),
    "access cookie GET /": cookie_to("", settings.JWT_ACCESS_COOKIE_NAME),
    "access cookie GET /api/me/": cookie_to("api/me/", settings.JWT_ACCESS_COOKIE_NAME),
    "refresh cookie GET /": cookie_to("", settings.JWT_REFRESH_COOKIE_NAME),
    "refresh body POST /api/auth/token/refresh/": refresh_body_to("api/auth/token/refresh/"),
    "refresh body POST /api/auth/logout/": refresh_body_to("api/auth/logout/"),
}


@pytest.mark.parametrize("malformed", MALFORMED_JWTS)
@pytest.mark.parametrize("carrier", JWT_CARRIERS)
def test_jwt_with_a_malformed_header_is_refused_safely(send, carrier, malformed):
    answer = JWT_CARRIERS[carrier](send, MALFORMED_JWTS[malformed]())

    assert_answered_safely(answer)
    if carrier.endswith("/api/me/"):
        assert answer.status == 401, answer


# --- Over a real connection: the live server ----------------------------------------------------------

# Tokens the HTTP client cannot put into Kakao's Authorization header as they are.
UNSENDABLE_KAKAO_TOKENS = {
    "korean": "토큰",
    "newline": "a\nb",
    "crlf_header_injection": "a\r\nX-Injected: 1",
    "nul": "a\x00b",
    "emoji": "🔑",
    "latin1_but_not_ascii": "café",
    "line_separator": "a\u2028b",
}


@pytest.mark.parametrize("token", UNSENDABLE_KAKAO_TOKENS)
def test_kakao_access_token_that_cannot_be_a_header_is_refused_with_4xx(live_server, server_exceptions, token):
    server_exceptions.clear()
    started = time.perf_counter()
    response = requests.post(
        f"{live_server.url}/api/auth/kakao/", json={"access_token": UNSENDABLE_KAKAO_TOKENS[token]}, timeout=10
    )
    answer = answer_of(response, time.perf_counter() - started, server_exceptions)

    assert_answered_safely(answer)
    # The client sent a token no one could accept: that is its fault (4xx), not Kakao's (502).
    assert 400 <= answer.status < 500, answer


def answer_of(response: requests.Response, seconds: float, server_exceptions: list[str]) -> Answer:
    return Answer(
        request=f"{response.request.method} {response.request.path_url} over HTTP",
        status=response.status_code,
        content_type=response.headers.get("Content-Type", ""),
        body=response.content,
        seconds=seconds,
        server_exceptions=tuple(server_exceptions),
    )


def raw_request(path: bytes, *headers: bytes) -> bytes:
    return b"\r\n".join([b"GET " + path + b" HTTP/1.1", b"Host: 127.0.0.1", *headers, b"Connection: close", b"", b""])


# Bytes a well-behaved client never sends, and Django's test client cannot: it takes text.
RAW_REQUESTS = {
    "invalid_utf8_in_api_path": raw_request(b"/api/posts/\xff\xfe/"),
    "invalid_utf8_in_page_path": raw_request(b"/posts/\xff/"),
    "percent_encoded_invalid_utf8_in_api_path": raw_request(b"/api/%FF%FE/"),
    "invalid_utf8_in_query": raw_request(b"/api/posts/?page=\xff&next=\xc3"),
    "invalid_utf8_in_bearer": raw_request(b"/api/me/", b"Authorization: Bearer \xff\xfe\xfd"),
    "invalid_utf8_in_cookies": raw_request(b"/", b"Cookie: access_token=\xff; refresh_token=\xfe; sessionid=\xc3"),
    "invalid_utf8_in_accept_language": raw_request(b"/", b"Accept-Language: \xff\xfe"),
    "utf8_in_header_values": raw_request(b"/api/posts/", "User-Agent: 토큰 Referer: 한글".encode()),
    "nul_in_header_value": raw_request(b"/api/me/", b"Authorization: Bearer a\x00b"),
}


def send_raw(live_server, request: bytes) -> tuple[int, bytes, float]:
    """Send ``request`` as bytes over a socket; return the status (0: no answer), the whole answer, seconds."""
    started = time.perf_counter()
    with socket.create_connection((live_server.thread.host, live_server.thread.port), timeout=5) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    status = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return (int(status[1]) if status else 0), answer, time.perf_counter() - started


@pytest.mark.parametrize("name", RAW_REQUESTS)
def test_raw_bytes_over_http_are_answered_safely(live_server, server_exceptions, name):
    server_exceptions.clear()
    status, raw_answer, seconds = send_raw(live_server, RAW_REQUESTS[name])
    head, _blank, body = raw_answer.partition(b"\r\n\r\n")
    content_type = re.search(rb"(?im)^content-type: *([^\r\n]*)", head)
    request_line = RAW_REQUESTS[name].split(b"\r\n")[0].decode("latin-1")

    assert status, f"{request_line!r}: no HTTP answer at all"
    assert_answered_safely(
        Answer(
            request=f"{request_line.split()[0]} {request_line.split()[1]} (raw)",
            status=status,
            content_type=content_type[1].decode("latin-1") if content_type else "",
            body=body,
            seconds=seconds,
            server_exceptions=tuple(server_exceptions),
        )
    )
