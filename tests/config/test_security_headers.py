"""Headers a browser gets with every page: CSP with a per-response nonce, no framing, no sniffing."""

import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path, reverse

pytestmark = pytest.mark.django_db

NONCE_ATTRIBUTE = re.compile(r'\bnonce="([^"]*)"')


def nonce_page(request: HttpRequest) -> HttpResponse:
    """A page with an inline script, as the site's templates write one."""
    template = engines["django"].from_string('<script nonce="{{ CSP_NONCE }}">document.title = "ok";</script>')
    return HttpResponse(template.render({}, request))


# Used by the tests marked @pytest.mark.urls(__name__).
urlpatterns = [path("nonce/", nonce_page)]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def header_nonces(response) -> set[str]:
    return {
        value.removeprefix("'nonce-").removesuffix("'")
        for value in directives(response)["script-src"]
        if value.startswith("'nonce-")
    }


@pytest.fixture
def pages(post) -> list[str]:
    # The JWT explainer is a real page with a script of its own.
    return ["/", post.get_absolute_url(), "/posts/999/", reverse("learn:jwt_explainer")]


def test_pages_forbid_framing_sniffing_and_cross_origin_referrers(client, pages):
    for url in pages:
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert directives(response)["frame-ancestors"] == ["'none'"]


def test_pages_allow_scripts_only_from_this_site_or_with_the_nonce(client, pages):
    for url in pages:
        response = client.get(url)
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert all(value == "'self'" or value.startswith("'nonce-") for value in policy["script-src"])


def test_nonce_attributes_in_pages_match_the_header(client, pages):
    scripted_pages = 0
    for url in pages:
        response = client.get(url)
        used = set(NONCE_ATTRIBUTE.findall(response.content.decode()))
        assert used <= header_nonces(response)
        assert "<script>" not in response.content.decode()
        scripted_pages += bool(used)
    assert scripted_pages >= 1


@pytest.mark.urls(__name__)
def test_inline_script_nonce_is_in_the_header_and_fresh_per_response(client):
    first, second = client.get("/nonce/"), client.get("/nonce/")
    first_nonce = NONCE_ATTRIBUTE.search(first.content.decode()).group(1)
    second_nonce = NONCE_ATTRIBUTE.search(second.content.decode()).group(1)
    assert len(first_nonce) >= 16
    assert header_nonces(first) == {first_nonce}
    assert header_nonces(second) == {second_nonce}
    assert first_nonce != second_nonce
