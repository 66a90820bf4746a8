"""Render a post's Markdown to HTML that is safe to put on the page."""

import functools
import html
from collections.abc import Callable

import markdown as markdown_lib
import nh3

# Everything Markdown produces for prose and code; nothing that runs script.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Rendering costs milliseconds per post on every page and API read, and a post's text
# rarely changes: each process remembers recent results keyed by the text itself, so an
# edit is simply a new key. Long texts are rendered every time, to bound the memory.
REMEMBERED_TEXTS = 512
REMEMBERED_MAX_CHARS = 20_000


def _remembered(render: Callable[[str], str]) -> Callable[[str], str]:
    cached = functools.lru_cache(maxsize=REMEMBERED_TEXTS)(render)

    @functools.wraps(render)
    def render_text(text: str) -> str:
        return cached(text) if len(text) <= REMEMBERED_MAX_CHARS else render(text)

    return render_text


@_remembered
def render_markdown(text: str) -> str:
    """Return sanitized HTML for Markdown ``text``: no script, no handlers, no javascript: URLs."""
    rendered = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


@_remembered
def plain_text(text: str) -> str:
    """Return the words of Markdown ``text`` without any markup, for excerpts."""
    stripped = nh3.clean(markdown_lib.markdown(text, extensions=["fenced_code"]), tags=set())
    return html.unescape(stripped).strip()
