"""config/api.py: bounded JSON bodies and one error shape (``detail`` + ``code``) for the whole API."""

import json

import pytest
from django.test import Client, override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts import api as accounts_api
from accounts.models import User
from tokens import families

BODY_ENDPOINTS = ["/api/auth/kakao/", "/api/auth/token/refresh/", "/api/auth/logout/"]


@pytest.fixture
def api(settings):
    settings.RATE_LIMITS = {}
    return APIClient()


def post_raw(api: APIClient, path: str, body: bytes | str, content_type: str = "application/json"):
    return api.generic("POST", path, body, content_type=content_type)


@pytest.mark.django_db
@pytest.mark.parametrize("path", BODY_ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("[" * 100_000, "json_too_deep"),
        ('{"refresh": ' + "[" * 1_000 + "]" * 1_000 + "}", "json_too_deep"),
        ('{"access_token": ' + "[" * 20 + "]" * 20 + "}", "json_too_deep"),
        ('{"refresh": "a", "refresh": "b"}', "parse_error"),
        ('{"refresh": NaN}', "parse_error"),
        ('{"refresh": "\\u0000"}', "invalid"),
        ('{"refresh": "\\ud800"}', "invalid"),
        (b'{"refresh": "\xff\xfe"}', "parse_error"),
    ],
    ids=[
        "100k_brackets",
        "1000_levels_in_a_field",
        "20_levels",
        "duplicate_key",
        "nan",
        "nul",
        "lone_surrogate",
        "invalid_utf8",
    ],
)
def test_hostile_json_body_gets_400_with_a_code_and_writes_nothing(api, path, body, code):
    response = post_raw(api, path, body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert isinstance(response.json()["detail"], str)
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_body_over_the_upload_limit_gets_413(api, path, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = post_raw(api, path, json.dumps({"refresh": "x" * 2000}))

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.django_db
def test_validation_error_keeps_field_messages_beside_detail_and_code(api):
    response = api.post("/api/auth/token/refresh/", {"refresh": 5}, format="json")

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["detail"] == body["refresh"][0]


@pytest.mark.django_db
def test_expired_or_invalid_tokens_say_so_in_code(api):
    response = api.get("/api/me/", HTTP_AUTHORIZATION="Bearer not.a.jwt")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
@override_settings(RATE_LIMITS={})
@hypothesis_settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_to_the_refresh_endpoint_get_a_4xx_with_a_code(body):
    response = post_raw(APIClient(), "/api/auth/token/refresh/", body)

    assert 400 <= response.status_code < 500
    assert isinstance(response.json().get("code"), str), (body, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(
    "path",
    ["/api/nope/", "/api/posts/-1/", "/api/posts/abc/comments/", "/api/", "/api/posts/99999999999999999999999/"],
)
def test_unmatched_api_urls_get_json_404_with_a_code_in_debug_mode_too(client, settings, path, debug):
    settings.DEBUG = debug
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_unmatched_page_urls_still_get_the_sites_404_page(client):
    response = client.get("/nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_unexpected_error_under_api_is_json_500_without_a_traceback(client, monkeypatch):
    monkeypatch.setattr(accounts_api.selectors, "api_account", lambda **kwargs: 1 / 0)
    client.raise_request_exception = False
    user = User.objects.create_user(username="u")
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {families.issue_tokens(user).access}")

    assert response.status_code == 500
    assert response.json() == {"detail": response.json()["detail"], "code": "server_error"}
    assert "Traceback" not in response.content.decode()


def api_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def schema_operations() -> dict:
    paths = api_schema()["paths"]
    return {(method.upper(), path): op for path, ops in paths.items() for method, op in ops.items()}


def test_the_schema_documents_every_error_status_with_the_error_body():
    operations = schema_operations()

    for (method, path), operation in operations.items():
        responses = operation["responses"]
        assert {"401", "503"} <= responses.keys(), (method, path)
        if method != "GET":
            assert "403" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        for status_code, response in responses.items():
            if status_code >= "400":
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_schema_describes_the_kakao_login_body_as_one_of_three_shapes():
    schema = api_schema()
    body = schema["paths"]["/api/auth/kakao/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    shapes = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["oneOf"]

    assert len(shapes) == 3  # an access token, a code with its verifier, an ID token


@pytest.mark.django_db
def test_a_refused_field_named_code_is_kept_under_errors_and_code_stays_the_error_code(api):
    body = {"code": "코드", "redirect_uri": "https://spa.example/cb", "code_verifier": "v" * 43}

    response = api.post("/api/auth/kakao/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["code"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/schema/"])
@pytest.mark.parametrize("method", ["options", "post", "delete"])
def test_the_docs_and_schema_answer_other_methods_with_json_405(client, path, method):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "hex", "utf-8; charset=rot13"])
@pytest.mark.parametrize("path", ["/api/auth/token/refresh/", "/api/auth/kakao/", "/api/posts/"])
def test_json_body_in_a_charset_that_is_no_text_encoding_gets_415(client, path, charset):
    # generic(): post() would encode the body in that charset itself, on the client side.
    response = client.generic("POST", path, b'{"refresh": "x"}', content_type=f"application/json; charset={charset}")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_charset"


def test_form_post_in_a_charset_that_is_no_text_encoding_gets_the_400_page(client):
    response = client.generic(
        "POST", "/i18n/setlang/", b"language=en", content_type="application/x-www-form-urlencoded; charset=rot13"
    )

    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path", ["/api/auth/token/refresh", "/api/posts", "/api/me"])
def test_api_post_without_the_trailing_slash_is_a_json_404_not_a_redirect(client, settings, path, debug):
    settings.DEBUG = debug
    response = client.post(path, {"refresh": "x"}, content_type="application/json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_cookie_post_to_an_unknown_api_address_is_a_404_not_a_csrf_403(settings, author, debug):
    settings.DEBUG = debug
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(author)
    response = browser.post("/api/nope/", {"x": 1}, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_json_in_another_text_encoding_is_a_parse_error_even_when_its_charset_says_so(client):
    response = client.generic(
        "POST",
        "/api/auth/token/refresh/",
        '{"refresh": "é"}'.encode("latin-1"),
        content_type="application/json; charset=latin-1",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("version", ["a\r\nX-Injected: 1", '"; filename=evil.html', "\x00"])
def test_a_version_in_the_schema_query_never_reaches_a_header(client, version):
    response = client.get("/api/schema/", {"version": version})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="Kakao Login Blog API.yaml"'
    assert "X-Injected" not in response


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"path": "/api/posts/?" + "&".join(f"f{n}=1" for n in range(1_100))}, 400),
        ({"path": "/api/posts/", "HTTP_HOST": "evil.example"}, 400),
        ({"path": "/api/auth/token/refresh/", "method": "post", "data": b"{" + b" " * 3_000_000 + b"}"}, 413),
    ],
    ids=["too-many-fields", "unknown-host", "body-too-large"],
)
def test_a_request_django_calls_suspicious_gets_a_json_error_under_api_in_every_mode(
    settings, debug, request_kwargs, status
):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    kwargs = dict(request_kwargs)
    method = kwargs.pop("method", "get")
    path = kwargs.pop("path")
    if method == "post":
        response = client.post(path, kwargs.pop("data"), content_type="application/json", **kwargs)
    else:
        response = client.get(path, **kwargs)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"]
