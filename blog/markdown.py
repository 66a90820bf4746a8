"""Render a post's Markdown, once when it is written, to HTML that is safe to put on the page.

markdown-it-py follows CommonMark and takes time in proportion to the text, even for text
made to be slow (``bench/markdown_render.py``); nh3 then keeps only the tags and attributes below.
Two things grow faster than the text, and each has a budget that stops the work as soon as it
is spent: the table cells markdown-it fills in, and the HTML written (a link defined once may be
used thousands of times). Over either, the text is refused (``RenderRefused``).
Code blocks are highlighted here, on the server, by Pygments: the page needs no script and
no inline style, so the Content-Security-Policy stays strict.
"""

import re
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

import nh3
from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# Every family of adversarial text renders this much in well under a second (docs/performance.md).
MAX_BODY_CHARS = 30_000
# markdown-it fills in the cells a table row leaves out, up to 65,536 per table but in any number
# of tables: 30,000 characters made 1.3 million cells (27 s of CPU, 13 MB of HTML). A cell costs
# about 20 microseconds from parse to sanitized HTML.
MAX_TABLE_CELLS = 10_000
# What one post's HTML may weigh, in UTF-8 bytes: a reader downloads it whole on every visit.
MAX_HTML_BYTES = 1_000_000
EXCERPT_CHARS = 160
# A post stored before the bounds above and over one of them shows this much of its text, as written.
STORED_SOURCE_CHARS = 2_000
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
# What bench/highlight_lexers.py keeps a block's worst time under at its language's cap. A lexer's
# time grows at least in proportion to the code, so a block a tenth of the cap takes at most a tenth.
HIGHLIGHT_WORST_SECONDS = 0.5
# Time one post's rendering may have spent when its last block is highlighted, counted from the
# start: a block is highlighted only if its worst time still fits, so no slow block overruns it.
HIGHLIGHT_BUDGET_SECONDS = 0.6
_highlight_deadline: ContextVar[float] = ContextVar("highlight_deadline", default=float("inf"))
LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,30}")
# Token classes get a prefix so they cannot collide with the site's own (static/css/code.css).
FORMATTER = HtmlFormatter(nowrap=True, classprefix="tok-", style="github-dark")
CODE_CSS_HEADER = (
    "/* Pygments' github-dark colours for highlighted code: blog.markdown.code_css() writes this file. */\n"
)

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
    if not LANGUAGE.fullmatch(language or ""):
        return ""
    try:
        lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return ""
    cap = HIGHLIGHTED_LANGUAGES.get(lexer.aliases[0], 0)
    if not cap or len(code) > cap:
        return ""
    if time.monotonic() + HIGHLIGHT_WORST_SECONDS * len(code) / cap > _highlight_deadline.get():
        return ""
    return highlight(code, lexer, FORMATTER)


def code_css() -> str:
    """Return the stylesheet for the token classes ``highlight_code`` writes (static/css/code.css)."""
    return CODE_CSS_HEADER + "\n".join(FORMATTER.get_token_style_defs(".prose pre code")) + "\n"


class RenderRefused(Exception):
    """Raised for a text within the length cap whose rendering would pass a bound; ``message`` names the bound."""

    code: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyTableCells(RenderRefused):
    code = "too_many_table_cells"

    def __init__(self) -> None:
        super().__init__(
            _(
                "A post's tables may have at most %(limit)s cells in all; a row shorter than its header "
                "is filled up to the header's width."
            )
            % {"limit": f"{MAX_TABLE_CELLS:,}"}
        )


class HtmlTooLarge(RenderRefused):
    code = "html_too_large"

    def __init__(self) -> None:
        super().__init__(
            _(
                "A post may be at most %(limit)s bytes once rendered as HTML, and this one would be more: "
                "use fewer repeated links, images, table rows or highlighted code."
            )
            % {"limit": f"{MAX_HTML_BYTES:,}"}
        )


class _CellCountingTokens(list):
    """The list the block parser appends its tokens to, counting table cells: the parse stops at the budget."""

    cells = 0

    def append(self, token: Token) -> None:
        if token.type in {"th_open", "td_open"}:
            self.cells += 1
            if self.cells > MAX_TABLE_CELLS:
                raise TooManyTableCells()
        super().append(token)


class _BoundedRenderer(RendererHTML):
    """markdown-it's HTML renderer, stopped as soon as its output passes MAX_HTML_BYTES: it has no bound."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        out: list[str] = []
        for index, token in enumerate(tokens):
            if token.type == "inline":
                out.append(self.render(token.children or [], options, env))
                continue
            html = self.rules.get(token.type, self.renderToken)(tokens, index, options, env)
            # Characters are cheaper to count than bytes and never more: render() weighs the bytes once, at the end.
            env["html_chars"] = env.get("html_chars", 0) + len(html)
            if env["html_chars"] > MAX_HTML_BYTES:
                raise HtmlTooLarge()
            out.append(html)
        return "".join(out)

    # An inline token's children are never inline tokens themselves: the same loop renders them.
    renderInline = render


# "html": False writes raw HTML out as text (<b> shows as "<b>"); nh3 is the second line.
_markdown = MarkdownIt(
    "commonmark", {"html": False, "highlight": highlight_code}, renderer_cls=_BoundedRenderer
).enable(["table", "strikethrough"])


def _count_table_cells(state) -> None:
    state.tokens = _CellCountingTokens()


def _alignment_classes(state) -> None:
    for token in state.tokens:
        if token.type in {"th_open", "td_open"} and token.attrs.get("style") in ALIGNMENTS:
            token.attrs = {"class": ALIGNMENTS[token.attrs["style"]]}


_markdown.core.ruler.before("block", "count_table_cells", _count_table_cells)
_markdown.core.ruler.push("alignment_classes", _alignment_classes)


@dataclass(frozen=True)
class Rendered:
    html: str
    excerpt: str


def render(text: str) -> Rendered:
    """Return sanitized HTML for Markdown ``text`` and a plain-text excerpt of its first words.

    Raise ``RenderRefused`` as soon as its tables pass MAX_TABLE_CELLS or its HTML MAX_HTML_BYTES.
    """
    budget = _highlight_deadline.set(time.monotonic() + HIGHLIGHT_BUDGET_SECONDS)
    try:
        tokens = _markdown.parse(LONE_SURROGATE.sub("\ufffd", text))
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
    # nh3 gives every link a rel attribute, and characters may take up to four bytes each.
    if len(html.encode()) > MAX_HTML_BYTES:
        raise HtmlTooLarge()
    return Rendered(html=html, excerpt=_shortened(" ".join(_words(tokens))))


# Stored HTML cannot follow each reader's language: the notice is written in every language of the site.
STORED_NOTICE = gettext_lazy(
    "This post is over the size limits posts have now, so it is shown as written, not formatted: "
    "its first %(chars)s characters."
)


def render_stored(text: str) -> Rendered:
    """Return ``render(text)`` or, when a bound refuses the text, a notice and the text's start as written.

    For posts stored before the bounds: their pages must still show something, and something small.
    """
    try:
        return render(text)
    except RenderRefused:
        start = LONE_SURROGATE.sub("\ufffd", text[:STORED_SOURCE_CHARS])
        notices = "".join(
            f"<p><strong>{escape(_stored_notice(language))}</strong></p>\n" for language, _name in settings.LANGUAGES
        )
        return Rendered(
            html=f"{notices}<pre><code>{escape(start)}</code></pre>\n", excerpt=_shortened(" ".join(start.split()))
        )


def _stored_notice(language: str) -> str:
    with translation.override(language):
        return STORED_NOTICE % {"chars": f"{STORED_SOURCE_CHARS:,}"}


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
