"""Render a post's Markdown, once when it is written, to HTML that is safe to put on the page.

markdown-it-py follows CommonMark and takes time in proportion to the text, even for text
made to be slow (``bench/markdown_render.py``); nh3 then keeps only the tags and attributes below.
"""

import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Every family of adversarial text renders this much in well under a second (docs/performance.md).
MAX_BODY_CHARS = 30_000
EXCERPT_CHARS = 160

# Everything Markdown produces for prose and code; nothing that runs script.
ALLOWED_TAGS = {
    *("a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img"),
    *("li", "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"),
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "span": {"class"},
}
# A table column's alignment is the only style markdown-it writes, and the only one kept.
ALIGNMENTS = {"text-align:left", "text-align:center", "text-align:right"}
ALLOWED_ATTRIBUTE_VALUES = {"th": {"style": ALIGNMENTS}, "td": {"style": ALIGNMENTS}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Half of a UTF-16 pair, alone: no UTF-8 encoder takes it (nh3 and the database would raise).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# "html": False writes raw HTML out as text (<b> shows as "<b>"); nh3 is the second line.
_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@dataclass(frozen=True)
class Rendered:
    html: str
    excerpt: str


def render(text: str) -> Rendered:
    """Return sanitized HTML for Markdown ``text`` and a plain-text excerpt of its first words."""
    tokens = _markdown.parse(LONE_SURROGATE.sub("\ufffd", text))
    html = nh3.clean(
        _markdown.renderer.render(tokens, _markdown.options, {}),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Rendered(html=html, excerpt=_shortened(" ".join(_words(tokens))))


def _words(tokens: list[Token]) -> list[str]:
    """Return the words a reader sees, without markup: text, inline code and code blocks."""
    words: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words.extend("".join(_inline_text(child) for child in token.children or ()).split())
        elif token.type in {"fence", "code_block"}:
            words.extend(token.content.split())
    return words


def _shortened(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _inline_text(token: Token) -> str:
    if token.type in {"text", "code_inline"}:
        return token.content
    return " " if token.type in {"softbreak", "hardbreak"} else ""
