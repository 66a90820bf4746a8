"""Render a post's Markdown to HTML that is safe to put on the page."""

import html

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


def render_markdown(text: str) -> str:
    """Return sanitized HTML for Markdown ``text``: no script, no handlers, no javascript: URLs."""
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def plain_text(text: str) -> str:
    """Return the words of Markdown ``text`` without any markup, for excerpts."""
    stripped = nh3.clean(markdown_lib.markdown(text, extensions=["fenced_code"]), tags=set())
    return html.unescape(stripped).strip()
