import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.learn.pages import other_host_asset_urls, parse

pytestmark = pytest.mark.django_db

URL = "/jwt/"
SCRIPT = Path(settings.BASE_DIR) / "static" / "learn" / "jwt.js"


def get(client, language: str = "ko"):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def test_jwt_explainer_url_is_named():
    assert reverse("learn:jwt_explainer") == URL


@pytest.mark.parametrize("language", ["ko", "en"])
def test_jwt_explainer_heading_is_in_the_visitors_language(client, language):
    page = parse(get(client, language))
    assert page.find("html").attrs["lang"] == language
    with translation.override(language):
        expected = translation.gettext("JWT explainer")
    assert page.headings()[0] == (1, expected)


def test_jwt_explainer_in_english_names_the_three_parts(client):
    headings = [text for level, text in parse(get(client, "en")).headings() if level == 2]
    assert headings == ["The token", "Header", "Payload", "Signature"]


def test_script_runs_by_the_nonce_of_this_response_only(client):
    response = get(client)
    scripts = parse(response).find_all("script")
    assert [script.attrs["src"] for script in scripts] == ["/static/learn/jwt.js"]
    policy = response.headers["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert f"'nonce-{scripts[0].attrs['nonce']}'" in script_src.split()
    assert "'unsafe-inline'" not in script_src
    assert scripts[0].attrs["nonce"] != parse(get(client)).find("script").attrs["nonce"]


def test_token_field_has_no_name_and_the_form_posts_nowhere(client):
    page = parse(get(client))
    form = page.find("form", id="jwt-form")
    assert form.attrs.get("method", "get").lower() == "get"
    assert "action" not in form.attrs
    textarea = page.find("textarea", id="jwt-input")
    assert "name" not in textarea.attrs
    fields_in_form = [e for e in page.elements if "jwt-form" in e.inside and "name" in e.attrs]
    assert fields_in_form == []


def test_without_javascript_the_page_says_it_needs_javascript(client):
    page = parse(get(client, "en"))
    assert "needs JavaScript" in page.find("noscript").text
    assert "hidden" in page.find("form", id="jwt-form").attrs


def test_every_message_the_script_shows_comes_translated_from_the_page(client):
    script = SCRIPT.read_text()
    keys = set(re.findall(r'message\(\s*"(\w+)"', script)) | set(re.findall(r'\["(unit\w+)"', script))
    assert {"msgParts", "msgAlg", "msgNoKid", "msgJwksMissing", "msgValid", "unitSecond"} <= keys
    root = parse(get(client, "en")).find("article", id="jwt-explainer")
    for key in keys:
        attribute = "data-" + re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), key)
        assert root.attrs.get(attribute), f"{attribute} is missing: jwt.js would show the raw key {key}"


def test_messages_for_tokens_that_cannot_be_verified_say_so(client):
    root = parse(get(client, "en")).find("article", id="jwt-explainer")
    assert root.attrs["data-msg-alg"].startswith("Cannot verify:")
    assert root.attrs["data-msg-no-kid"].startswith("Cannot verify:")
    assert "404" in root.attrs["data-msg-jwks-missing"]


def test_explainer_fetches_this_sites_jwks_which_publishes_our_key_by_kid(client):
    from tokens import keys

    root = parse(get(client)).find("article", id="jwt-explainer")
    assert root.attrs["data-jwks-url"] == "/.well-known/jwks.json"
    jwks = client.get(root.attrs["data-jwks-url"]).json()
    assert keys.signing_key().kid in [key["kid"] for key in jwks["keys"]]


def test_jwt_explainer_loads_nothing_from_another_host_and_has_no_inline_style(client):
    page = parse(get(client))
    assert other_host_asset_urls(page) == []
    assert page.find_all("style") == []
    assert [e.tag for e in page.elements if "style" in e.attrs] == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/jwt/", "/how-it-works/"])
def test_korean_pages_call_the_explainer_a_decoder_never_a_decryptor(client, path):
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "JWT 디코더" in page
    assert "해독" not in page  # "decryption": the misconception the explainer corrects
