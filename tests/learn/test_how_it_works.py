import itertools
import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.learn.pages import other_host_asset_urls, parse

pytestmark = pytest.mark.django_db

URL = "/how-it-works/"
# Linked from the page and written in parallel by others: checked once they exist.
WRITTEN_BY_OTHERS = {"/how-it-works/code/docs/production.md"}
SECTIONS = [
    "flow",
    "state-pkce",
    "own-jwt",
    "jwt-anatomy",
    "claims",
    "simplejwt",
    "access-refresh",
    "storage",
    "load-balancer",
    "verifier",
    "authorizer-cache",
    "compare",
    "sigv4",
    "oidc",
]
TITLES = {
    "ko": ("카카오 로그인과 JWT는 이렇게 동작합니다", "state와 PKCE가 막는 공격"),
    "en": ("How Kakao Login and our JWTs work", "What state and PKCE defend against"),
}


def get(client, language: str = "ko", url: str = URL):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def test_how_it_works_url_is_named():
    assert reverse("learn:how_it_works") == URL


def test_how_it_works_is_korean_for_a_visitor_who_states_no_language(client):
    page = parse(client.get(URL))
    assert page.find("html").attrs["lang"] == "ko"
    assert page.headings()[0] == (1, TITLES["ko"][0])
    assert (2, TITLES["ko"][1]) in page.headings()


def test_how_it_works_is_english_for_accept_language_en(client):
    page = parse(get(client, "en"))
    assert page.find("html").attrs["lang"] == "en"
    assert page.headings()[0] == (1, TITLES["en"][0])
    assert (2, TITLES["en"][1]) in page.headings()


def test_how_it_works_follows_the_footer_language_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": URL}, HTTP_ACCEPT_LANGUAGE="ko", follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert parse(response).headings()[0] == (1, TITLES["en"][0])


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_section_has_an_anchor_listed_in_the_table_of_contents(client, language):
    page = parse(get(client, language))
    assert [section.attrs["id"] for section in page.find_all("section")] == SECTIONS
    toc = [a.attrs["href"] for a in page.find_all("a") if "toc" in a.inside]
    assert toc == [f"#{anchor}" for anchor in SECTIONS]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_headings_start_at_one_h1_and_never_skip_a_level(client, language):
    levels = [level for level, _text in parse(get(client, language)).headings()]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_sequence_diagram_is_an_inline_svg_with_a_title_and_description(client, language):
    page = parse(get(client, language))
    svg = page.find("svg")
    assert svg.attrs["role"] == "img"
    title_id, desc_id = svg.attrs["aria-labelledby"].split()
    title = page.find("title", id=title_id)
    assert "PKCE" in title.text
    description = page.find("desc", id=desc_id).text
    assert "POST /oauth/token" in description and "GET /v2/user/me" in description
    numbers = [e.text for e in page.find_all("text") if e.attrs.get("class") == "flow-number"]
    assert numbers == [str(n) for n in range(1, 15)]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_section_links_to_the_code_that_does_it(client, language):
    page = parse(get(client, language))
    code_links = [a for a in page.find_all("a") if a.attrs.get("class") == "code-link"]
    for anchor in SECTIONS:
        assert any(anchor in link.inside for link in code_links), f"section #{anchor} links to no code"


def test_code_links_show_the_file_path_and_open_that_file(client):
    page = parse(get(client, "en"))
    links = [a for a in page.find_all("a") if a.attrs.get("class") == "code-link"]
    assert len(links) > 20
    for link in links:
        path = link.attrs["href"].split("#")[0].removeprefix("/how-it-works/code/")
        assert link.text.startswith(path)
    for path in sorted({link.attrs["href"].split("#")[0] for link in links}):
        if path in WRITTEN_BY_OTHERS and not (settings.BASE_DIR / path.removeprefix("/how-it-works/code/")).exists():
            continue
        response = client.get(path)
        assert response.status_code == 200, path


def test_code_link_to_a_function_jumps_to_the_line_that_defines_it(client):
    page = parse(get(client, "en"))
    href = next(a.attrs["href"] for a in page.find_all("a") if a.text == "accounts/views.py · kakao_callback")
    path, line = re.fullmatch(r"(/how-it-works/code/accounts/views\.py)#L(\d+)", href).groups()
    source = parse(client.get(path))
    assert source.find("li", id=f"L{line}").text.startswith("def kakao_callback(")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_how_it_works_loads_nothing_from_another_host(client, language):
    page = parse(get(client, language))
    assert other_host_asset_urls(page) == []
    stylesheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert "/static/learn/learn.css" in stylesheets


@pytest.mark.parametrize("language", ["ko", "en"])
def test_how_it_works_has_no_inline_style_or_script(client, language):
    page = parse(get(client, language))
    assert page.find_all("style") == []
    assert [e.tag for e in page.elements if "style" in e.attrs] == []
    assert all(script.attrs.get("src") for script in page.find_all("script"))


def test_site_navigation_links_to_both_teaching_pages(client):
    page = parse(get(client, "en", "/"))
    nav_links = {a.attrs["href"]: " ".join(a.text.split()) for a in page.find_all("a")}
    assert nav_links["/how-it-works/"] == "How it works"
    assert nav_links["/jwt/"] == "JWT explainer"


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_code_link_naming_a_function_finds_where_it_is_defined(client, language):
    page = parse(get(client, language))
    named = [a for a in page.find_all("a") if a.attrs.get("class") == "code-link" and " · " in a.text]
    assert named
    missing = [a.text for a in named if "#L" not in a.attrs["href"]]
    assert missing == [], "these functions were renamed or moved; update the teaching page"
