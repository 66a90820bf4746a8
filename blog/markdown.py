"""Render a post's Markdown, once when it is written, to HTML that is safe to put on the page.

markdown-it-py follows CommonMark and takes time in proportion to the text, even for text
made to be slow (``bench/markdown_render.py``); nh3 then keeps only the tags and attributes below.
Code blocks are highlighted here, on the server, by Pygments: the page needs no script and
no inline style, so the Content-Security-Policy stays strict.
"""

import re
import time
from contextvars import ContextVar
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# Every family of adversarial text renders this much in well under a second (docs/performance.md).
MAX_BODY_CHARS = 30_000
EXCERPT_CHARS = 160
# Pygments' lexers are regular expressions, and many are slow on text made to be slow: a long
# run of one character takes quadratic time, and some lexers (chapel, cddl, diff, scala...)
# exponential time on a few dozen characters. Only these are used, each up to the block size
# at which bench/highlight_lexers.py measures its worst text under half a second; a bigger block,
# or any other language, is shown plain.
HIGHLIGHTED_LANGUAGES = {
    **dict.fromkeys(
        ("python", "javascript", "jsx", "typescript", "tsx", "json", "go", "rust", "kotlin", "swift", "lua"),
        8_000,
    ),
    **dict.fromkeys(("php", "sql", "nginx", "html", "xml", "yaml", "ruby", "csharp", "text"), 8_000),
    **dict.fromkeys(("java", "c", "cpp", "bash", "console", "docker", "toml", "ini", "css", "markdown"), 2_000),
}
HIGHLIGHT_MAX_CHARS = max(HIGHLIGHTED_LANGUAGES.values())
# Highlighting time one post may spend; the blocks after it are shown plain.
HIGHLIGHT_BUDGET_SECONDS = 0.3
_highlight_deadline: ContextVar[float] = ContextVar("highlight_deadline", default=float("inf"))
LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,30}")
# Token classes get a prefix so they cannot collide with the site's own (static/css/code.css).
FORMATTER = HtmlFormatter(nowrap=True, classprefix="tok-", style="github-dark")
CODE_CSS_HEADER = "/* Pygments' github-dark colours for highlighted code: blog.markdown.code_css() writes this file. */\n"

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
# markdown-it writes a table column's alignment as an inline style, which the CSP would
# ignore: it becomes one of these classes instead (static/css/site.css).
ALIGNMENTS = {"text-align:left": "align-left", "text-align:center": "align-center", "text-align:right": "align-right"}
ALLOWED_ATTRIBUTE_VALUES = {"th": {"class": set(ALIGNMENTS.values())}, "td": {"class": set(ALIGNMENTS.values())}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Half of a UTF-16 pair, alone: no UTF-8 encoder takes it (nh3 and the database would raise).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")



def highlight_code(code: str, language: str, _attributes: str) -> str:
    """Return ``code`` as Pygments' token spans, or "" for markdown-it to escape it plainly."""
    if not LANGUAGE.fullmatch(language or "") or time.monotonic() > _highlight_deadline.get():
        return ""
    try:
        lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return ""
    if len(code) > HIGHLIGHTED_LANGUAGES.get(lexer.aliases[0], 0):
        return ""
    return highlight(code, lexer, FORMATTER)


def code_css() -> str:
    """Return the stylesheet for the token classes ``highlight_code`` writes (static/css/code.css)."""
    return CODE_CSS_HEADER + "\n".join(FORMATTER.get_token_style_defs(".prose pre code")) + "\n"


# "html": False writes raw HTML out as text (<b> shows as "<b>"); nh3 is the second line.
_markdown = MarkdownIt("commonmark", {"html": False, "highlight": highlight_code}).enable(["table", "strikethrough"])


def _alignment_classes(state) -> None:
    for token in state.tokens:
        if token.type in {"th_open", "td_open"} and token.attrs.get("style") in ALIGNMENTS:
            token.attrs = {"class": ALIGNMENTS[token.attrs["style"]]}


_markdown.core.ruler.push("alignment_classes", _alignment_classes)


@dataclass(frozen=True)
class Rendered:
    html: str
    excerpt: str


def render(text: str) -> Rendered:
    """Return sanitized HTML for Markdown ``text`` and a plain-text excerpt of its first words."""
    tokens = _markdown.parse(LONE_SURROGATE.sub("\ufffd", text))
    budget = _highlight_deadline.set(time.monotonic() + HIGHLIGHT_BUDGET_SECONDS)
    try:
        unsafe_html = _markdown.renderer.render(tokens, _markdown.options, {})
    finally:
        _highlight_deadline.reset(budget)
    html = nh3.clean(
        unsafe_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Rendered(html=html, excerpt=_shortened(" ".join(_words(tokens))))


def _words(tokens: list[Token]) -> list[str]:
    """Return the words a reader sees in the prose, without markup and without code blocks."""
    words: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words.extend("".join(_inline_text(child) for child in token.children or ()).split())
    return words


def _shortened(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _inline_text(token: Token) -> str:
    if token.type in {"text", "code_inline"}:
        return token.content
    return " " if token.type in {"softbreak", "hardbreak"} else ""
