"""Markdown is rendered once, when a post is written, to HTML in which nothing runs; reads never parse it."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from rest_framework.test import APIClient

from blog import markdown, services
from blog.markdown import (
    EXCERPT_CHARS,
    HIGHLIGHT_MAX_CHARS,
    HIGHLIGHTED_LANGUAGES,
    MAX_BODY_CHARS,
    MAX_HTML_BYTES,
    MAX_TABLE_CELLS,
    STORED_SOURCE_CHARS,
    HtmlTooLarge,
    RenderRefused,
    TooManyTableCells,
    code_css,
    render,
    render_stored,
)
from blog.models import Comment
from tests.blog.bodies import ONE_LINK_USED_THOUSANDS_OF_TIMES, TWENTY_WIDE_TABLES

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    "<a href=' javascript:alert(1)'>click</a>",
    "[x](jav&#x09;ascript:alert(1))",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<details open ontoggle=alert(1)>x</details>",
    "<p style=\"background:url('javascript:alert(1)')\">x</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


class PageScan(HTMLParser):
    """Collect what a browser would run: script elements, handler attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self.script_urls: list[tuple[str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "script":
            self.scripts.append(dict(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            cleaned = "".join((value or "").split()).lower()
            if name in {"href", "src", "action", "formaction", "style", "srcdoc"} and "javascript:" in cleaned:
                self.script_urls.append((tag, name))


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def assert_nothing_runs(html: str) -> None:
    found = scan(html)
    # The layout may carry its own scripts, but only with the CSP nonce; none from user text.
    assert all("nonce" in attrs for attrs in found.scripts), found.scripts
    assert "alert(1)</script>" not in html
    assert found.handlers == []
    assert found.script_urls == []
    assert not found.tags & {"iframe", "svg", "math", "object", "embed", "style"}


# The renderer


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_render_markdown_neutralizes_script_payload(payload):
    assert_nothing_runs(render(payload).html)


def test_render_keeps_fenced_code_block_with_language():
    html = render('```python\nprint("<b>hi</b>")\n```').html
    assert '<pre><code class="language-python">' in html
    assert '<span class="tok-s2">"&lt;b&gt;hi&lt;/b&gt;"</span>' in html  # highlighted, still escaped


def test_render_keeps_prose_markup_tables_strikethrough_and_safe_links():
    html = render(
        "# Title\n\n**bold** *em* `code` ~~gone~~\n\n- one\n- two\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n"
        "[site](https://example.com) ![pic](https://example.com/p.png)"
    ).html
    for fragment in (
        "<h1>Title</h1>",
        "<strong>bold</strong>",
        "<em>em</em>",
        "<code>code</code>",
        "<s>gone</s>",
        "<li>one</li>",
        "<table>",
        "<td>1</td>",
        '<td class="align-right">2</td>',
    ):
        assert fragment in html
    assert 'src="https://example.com/p.png"' in html and 'alt="pic"' in html
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_render_shows_raw_html_as_text():
    assert render("<b>hi</b>").html == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


def test_render_keeps_no_style_but_a_table_columns_alignment():
    assert "style" not in render("| a |\n|---|\n| 1 |").html
    assert '<td class="align-center">1</td>' in render("| a |\n|:-:|\n| 1 |").html


def test_excerpt_drops_markup_and_keeps_words():
    excerpt = render("# Head\n\n**bold**ed [link](https://x.example) `code`\nnext line\n\n```\nprint(1)\n```").excerpt
    assert excerpt == "Head bolded link code next line"  # code blocks are not prose


def test_excerpt_keeps_raw_html_as_words_for_the_page_to_escape():
    assert render("hi <script>alert(1)</script>").excerpt == "hi <script>alert(1)</script>"


def test_excerpt_of_a_long_text_is_shortened_with_an_ellipsis():
    excerpt = render("word " * 200).excerpt
    assert len(excerpt) == EXCERPT_CHARS
    assert excerpt.endswith("word…")


# Any text at all

# Pieces of Markdown and HTML that together make links, images, handlers and script.
FRAGMENTS = [
    "[", "]", "(", ")", "![", "<", ">", "/", '"', "'", "=", "`", "```", "*", "_", "~~", "|", "-", "#", ">",
    "\n", "\n\n", "    ", "\\", "&", "&#", ";", ":", "javascript:", "JaVaScRiPt", "data:", "vbscript:",
    "script", "<script>", "</script>", "onerror", "onload", "img", "src", "href", "svg", "iframe", "style",
    "alert(1)", "%0a", "&#x09;", "\t", "\x00", "\u202e", "\ud800", "é", "한",
]  # fmt: skip
MARKDOWNISH = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text() | MARKDOWNISH)
def test_any_text_renders_to_html_in_which_nothing_runs(text):
    rendered = render(text)
    found = scan(rendered.html)
    assert found.scripts == []
    assert found.handlers == []
    assert found.script_urls == []
    assert not found.tags & {"iframe", "svg", "math", "object", "embed", "style", "script"}
    assert len(rendered.excerpt) <= EXCERPT_CHARS


# What a text within the length cap may grow into: table cells and HTML have budgets


@contextmanager
def tokens_made() -> Iterator[list[str]]:
    """Collect the type of every token markdown-it makes inside: the parser's work, counted rather than timed."""
    made: list[str] = []
    post_init = Token.__post_init__

    def counted(token: Token) -> None:
        made.append(token.type)
        post_init(token)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Token, "__post_init__", counted)
        yield made


def table(columns: int, rows: int) -> str:
    """Return a table with a ``columns``-wide header over ``rows`` rows of "|" for markdown-it to fill in."""
    return "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + "|\n" * rows + "\n"


def test_the_reported_twenty_wide_tables_are_refused_naming_the_cell_budget():
    assert len(TWENTY_WIDE_TABLES) <= MAX_BODY_CHARS

    with pytest.raises(TooManyTableCells) as refused:
        render(TWENTY_WIDE_TABLES)

    assert refused.value.code == "too_many_table_cells"
    assert f"{MAX_TABLE_CELLS:,}" in refused.value.message


def test_the_cell_budget_stops_the_parse_at_the_budget_not_after_it():
    with tokens_made() as made, pytest.raises(TooManyTableCells):
        render(TWENTY_WIDE_TABLES)

    # 1.3 million cells (3.9 million tokens) before; now the cell one over the budget is the last one made.
    assert made.count("td_open") + made.count("th_open") == MAX_TABLE_CELLS + 1
    assert len(made) < 4 * MAX_TABLE_CELLS


def test_tables_with_as_many_cells_as_the_budget_render_and_one_cell_more_is_refused():
    # 100 header cells and 99 rows of 100.
    html = render(table(100, 99)).html
    assert len(re.findall("<t[dh][ >]", html)) == MAX_TABLE_CELLS

    with pytest.raises(TooManyTableCells):
        render(table(100, 99) + "| a |\n|---|\n")


def test_a_link_defined_once_and_used_thousands_of_times_is_refused_naming_the_html_budget():
    with pytest.raises(HtmlTooLarge) as refused:
        render(ONE_LINK_USED_THOUSANDS_OF_TIMES)

    assert refused.value.code == "html_too_large"
    assert f"{MAX_HTML_BYTES:,}" in refused.value.message


def test_the_html_budget_stops_the_rendering_once_spent_before_anything_is_sanitized(monkeypatch):
    written: list[str] = []
    render_token = RendererHTML.renderToken

    def counted(self, *args) -> str:
        written.append(render_token(self, *args))
        return written[-1]

    monkeypatch.setattr(RendererHTML, "renderToken", counted)
    monkeypatch.setattr(markdown.nh3, "clean", lambda *args, **kwargs: pytest.fail("the refused HTML was sanitized"))

    with pytest.raises(HtmlTooLarge):
        render(ONE_LINK_USED_THOUSANDS_OF_TIMES)

    # 35 MB before: now what the link tags add up to stops within one link of the budget.
    assert sum(map(len, written)) <= MAX_HTML_BYTES + len(max(written, key=len))


def test_html_that_sanitizing_makes_longer_than_the_budget_is_refused(monkeypatch):
    monkeypatch.setattr(markdown, "MAX_HTML_BYTES", 1_000)
    links = "[](x)" * 40  # 640 characters from markdown-it, 2,040 once nh3 adds rel="nofollow noopener noreferrer"

    with pytest.raises(HtmlTooLarge):
        render(links)


def test_the_html_budget_counts_utf8_bytes_not_characters(monkeypatch):
    monkeypatch.setattr(markdown, "MAX_HTML_BYTES", 1_000)

    assert render("한" * 300).html == f"<p>{'한' * 300}</p>\n"  # 908 bytes
    with pytest.raises(HtmlTooLarge):
        render("한" * 400)  # 400 characters, 1,208 bytes


# Adversarial pieces whose repetitions grow: tables filled in, links to long definitions, nesting,
# emphasis, fences (highlighted or not), entities and raw HTML.
LINK_DEFINITIONS = ["", f"[a]: https://example.com/{'a' * 5_000}\n\n", '[b]: /b "' + "t" * 2_000 + '"\n\n']
GROWING_UNITS = [
    "|" + "a|" * 200 + "\n|" + "-|" * 200 + "\n",
    "|a|b|c|\n|-|-|-|\n",
    "|\n",
    "| x | y |\n",
    "\n\n",
    "[a]",
    "![a]",
    "[b]",
    "![b]",
    "[x](https://example.com/y) ",
    "![",
    "> ",
    "- ",
    "  - ",
    "**a** ",
    "*a",
    "_a",
    "~~a",
    "```python\nx = [1, '<a>']\n```\n",
    "```typescript\n" + "?" * 200 + "x\n```\n",
    "```\n",
    "`a`",
    '"&<>',
    "&#x1F600;",
    "<b>",
    '<a href="',
    "<!--",
    "한",
    "# ",
]
GROWING_TEXT = st.builds(
    lambda definition, pieces: (definition + "".join(unit * times for unit, times in pieces))[:MAX_BODY_CHARS],
    st.sampled_from(LINK_DEFINITIONS),
    st.lists(st.tuples(st.sampled_from(GROWING_UNITS), st.integers(1, 2_000)), max_size=12),
)


@settings(max_examples=40, deadline=None)
@given(GROWING_TEXT)
@example(TWENTY_WIDE_TABLES)
@example(ONE_LINK_USED_THOUSANDS_OF_TIMES)
def test_any_text_within_the_length_cap_is_refused_naming_its_bound_or_renders_within_both_budgets(text):
    with tokens_made() as made:
        try:
            rendered = render(text)
        except RenderRefused as refused:
            limit = {"too_many_table_cells": MAX_TABLE_CELLS, "html_too_large": MAX_HTML_BYTES}[refused.code]
            assert f"{limit:,}" in refused.message
        else:
            assert len(rendered.html.encode()) <= MAX_HTML_BYTES
            assert len(re.findall("<t[dh][ >]", rendered.html)) <= MAX_TABLE_CELLS

    # Tokens are the parser's work: at most three per table cell within the budget, two per other character.
    assert made.count("td_open") + made.count("th_open") <= MAX_TABLE_CELLS + 1
    assert len(made) <= 3 * (MAX_TABLE_CELLS + 1) + 2 * len(text) + 10


# Posts stored before the budgets


def test_a_stored_post_over_a_budget_shows_a_notice_in_both_languages_and_its_start_as_written():
    stored = render_stored("<script>alert(1)</script>\n\n" + TWENTY_WIDE_TABLES)

    assert "이 글은 지금의 글 크기 제한을 넘어서" in stored.html
    assert "This post is over the size limits posts have now" in stored.html
    assert "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n\n|a|a|" in stored.html
    assert_nothing_runs(stored.html)
    assert "<table>" not in stored.html
    assert len(stored.html.encode()) < 6 * STORED_SOURCE_CHARS + 1_000  # escaping at most sextuples a character
    assert stored.excerpt.startswith("<script>alert(1)</script> |a|a|") and len(stored.excerpt) <= EXCERPT_CHARS


def test_a_stored_post_within_the_budgets_is_rendered_as_any_other():
    assert render_stored("**굵게**") == render("**굵게**")


# The rendered pages


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_post_detail_neutralizes_script_in_post_body(client, author, payload):
    post = services.post_create(author=author, title="xss", body=f"before\n\n{payload}\n\nafter")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<p>before</p>" in page
    assert_nothing_runs(page)


@pytest.mark.django_db
def test_post_detail_shows_code_block_from_body(client, author):
    post = services.post_create(author=author, title="code", body="```js\nconsole.log('<hi>');\n```")
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<pre><code class="language-js">' in page
    assert "<span class=\"tok-s1\">'&lt;hi&gt;'</span>" in page


def test_code_block_in_an_unknown_or_odd_language_is_shown_plain():
    for fence in ("```nosuchlanguage", "```py<script>", "```" + "p" * 40):
        html = render(f"{fence}\nx < y\n```").html
        assert "x &lt; y" in html and "tok-" not in html


def test_code_block_too_long_to_highlight_is_shown_plain():
    html = render("```python\n" + "x = 1\n" * (HIGHLIGHT_MAX_CHARS // 6 + 1) + "```").html
    assert "x = 1" in html and "tok-" not in html


@pytest.mark.parametrize("language", ["chapel", "cddl", "diff", "scala", "splus"])
def test_code_in_a_language_whose_lexer_can_take_exponential_time_is_shown_plain(language):
    # chapel: 44 characters held a gunicorn worker until it was killed (bench/highlight_lexers.py).
    html = render(f'```{language}\n"' + "\\" * 42 + "x\n```").html
    assert "tok-" not in html and "\\" * 42 in html


def test_code_block_over_its_languages_own_cap_is_shown_plain():
    assert HIGHLIGHTED_LANGUAGES["c"] < HIGHLIGHT_MAX_CHARS
    small, large = "int x;\n" * 10, "int x;\n" * (HIGHLIGHTED_LANGUAGES["c"] // 7 + 1)
    assert "tok-" in render(f"```c\n{small}```").html
    assert "tok-" not in render(f"```c\n{large}```").html


def test_aliases_reach_the_language_they_name():
    assert "tok-" in render("```js\nlet x = 1;\n```").html
    assert "tok-" in render("```sh\necho hi\n```").html


def test_blocks_after_the_posts_highlighting_budget_is_spent_are_shown_plain(monkeypatch):
    monkeypatch.setattr(markdown, "HIGHLIGHT_BUDGET_SECONDS", 0)
    html = render("```python\nx = 1\n```").html
    assert "x = 1" in html and "tok-" not in html
    monkeypatch.undo()
    assert "tok-" in render("```python\nx = 1\n```").html  # the budget is per render, not per process


def test_a_block_whose_worst_time_would_not_fit_in_the_budget_left_is_shown_plain(monkeypatch):
    # A budget no test machine can spend, and a worst time of 100 s for each tenth of a language's cap.
    monkeypatch.setattr(markdown, "HIGHLIGHT_BUDGET_SECONDS", 100)
    monkeypatch.setattr(markdown, "HIGHLIGHT_WORST_SECONDS", 1_000)
    a_fifth_of_the_cap = "x = 1\n" * (HIGHLIGHTED_LANGUAGES["python"] // 6 // 5)

    first, second = render(f"```python\n{a_fifth_of_the_cap}```\n\n```python\ny = 2\n```").html.split("</pre>")[:2]

    assert "x = 1" in first and "tok-" not in first  # worst 200 s: it would overrun the budget
    assert '<span class="tok-n">y</span>' in second  # worst under a second: it fits


def test_highlighting_needs_no_inline_style_and_the_stylesheet_is_current():
    html = render("```python\n# 주석\ndef f(): return 1\n```").html
    assert "style=" not in html and '<span class="tok-c1">' in html
    assert (Path(django_settings.BASE_DIR) / "static" / "css" / "code.css").read_text() == code_css()


@settings(max_examples=150)
@given(
    language=st.sampled_from(["python", "js", "html", "bash", "sql", "json", "rust", "c", "perl", "regex"]),
    code=st.text(alphabet=st.sampled_from(list("<>&\"'`/\\*()[]{}$#;:=+-_ \naxy0세션")), max_size=400),
)
def test_highlighted_code_of_any_text_is_escaped(language, code):
    # How fast: bench/highlight_lexers.py and bench/markdown_render.py measure it, not a timed test.
    html = render(f"```{language}\n{code.replace('```', '')}\n```").html
    assert "<script" not in html and "<img" not in html and "style=" not in html


def test_excerpt_leaves_out_code_blocks_but_keeps_inline_code():
    assert render("Run `make test` now.\n\n```\nrm -rf /\n```").excerpt == "Run make test now."


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_post_detail_neutralizes_script_in_comment(client, post, make_user, payload):
    Comment.objects.create(post=post, author=make_user("mallory"), body=payload)
    page = client.get(post.get_absolute_url()).content.decode()
    assert_nothing_runs(page)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_home_excerpt_neutralizes_script_in_post_body(client, author, payload):
    services.post_create(author=author, title="xss", body=payload)
    assert_nothing_runs(client.get("/").content.decode())


@pytest.mark.django_db
def test_title_and_nickname_with_html_are_shown_as_text(client, make_user):
    mallory = make_user("mallory", nickname="<img src=x onerror=alert(1)>")
    post = services.post_create(author=mallory, title="<script>alert(1)</script>", body="b")
    for url in ("/", post.get_absolute_url()):
        page = client.get(url).content.decode()
        assert_nothing_runs(page)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_edit_and_delete_pages_show_title_and_comment_as_text(client, author):
    post = services.post_create(author=author, title="<script>alert(1)</script>", body="b")
    comment = Comment.objects.create(post=post, author=author, body="<img src=x onerror=alert(1)>")
    client.force_login(author)
    for url in (
        reverse("blog:post_update", args=[post.pk]),
        reverse("blog:post_delete", args=[post.pk]),
        reverse("blog:comment_delete", args=[comment.pk]),
    ):
        assert_nothing_runs(client.get(url).content.decode())


# Reads never parse Markdown


@pytest.mark.django_db
def test_pages_and_api_show_stored_html_without_parsing_markdown(client, author, make_user):
    post = services.post_create(author=author, title="t", body="**굵게** and `code`")
    Comment.objects.create(post=post, author=make_user("reader"), body="댓글")
    api = APIClient()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MarkdownIt, "parse", lambda *args, **kwargs: pytest.fail("Markdown parsed on a read"))

        home = client.get("/").content.decode()
        detail = client.get(post.get_absolute_url()).content.decode()
        listed = api.get("/api/posts/").json()["results"][0]
        one = api.get(f"/api/posts/{post.pk}/").json()

    assert "굵게 and code" in home
    assert "<strong>굵게</strong>" in detail
    assert listed["excerpt"] == one["excerpt"] == "굵게 and code"
    assert one["body_html"] == "<p><strong>굵게</strong> and <code>code</code></p>\n"


def test_render_replaces_a_lone_surrogate_instead_of_failing():
    assert render("a\ud800b").html == "<p>a\ufffdb</p>\n"
