"""Does rendering Markdown stay fast and small on text made to be slow or big? Target: <= 1 s and <= 1 MB at the cap.

    .venv/bin/python bench/markdown_render.py [--runs 5]

Renders text with blog.markdown.render (markdown-it-py, then nh3: what a post's save does)
at 1/16, 1/4 and all of the body length cap (MAX_BODY_CHARS): a normal post, families of
text built to make Markdown parsers backtrack (runs of brackets, emphasis, backticks,
nesting, HTML), and families built to make much of little (tables whose rows markdown-it
fills in, a link defined once and used thousands of times, dense highlighted code). Prints
the median CPU time of this process over the runs (other jobs on a shared machine do not
count), how much longer it takes when the text is 4 times longer (4 means linear, 16
quadratic), and what the text at the cap gives: the bytes of its HTML, or the bound that
refused it (blog.markdown.RenderRefused; the time is then that of the refusal). Exits 1 when
a target is missed.
"""

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import machine
from blog.markdown import MAX_BODY_CHARS, RenderRefused, render

TARGET_SECONDS = 1.0
TARGET_HTML_BYTES = 1_000_000
TARGET_GROWTH = 5.0
# Below this, a time is mostly the clock's and the interpreter's noise: its growth is not judged.
NOISE_SECONDS = 0.005

NORMAL_POST = """## 오늘 배운 것

Kakao Login uses the **authorization code** flow with PKCE, see [RFC 7636](https://www.rfc-editor.org/rfc/rfc7636).

1. Send the browser to Kakao with `state` and a `code_challenge`.
2. Kakao sends it back with a `code`.
   - nested: *check* the `state`

```python
tokens = kakao.exchange_code(authorization_code=code, code_verifier=verifier)
```

| Token | Lives |
|---|--:|
| access | 5 min |

> A JWT cannot be recalled: keep access tokens ~~long~~ short-lived.

"""


def repeated(unit: str) -> Callable[[int], str]:
    return lambda length: (unit * (length // len(unit) + 1))[:length]


def nested_list(length: int) -> str:
    lines, depth = [], 0
    while sum(map(len, lines)) < length:
        lines.append("  " * depth + "- item\n")
        depth += 1
    return "".join(lines)[:length]


def table(columns: int, rows: str) -> str:
    """Return a table with ``columns`` columns whose body is ``rows``."""
    return "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + rows


# The report of issue 19: 20 of these fit in the cap, each row filled in to 200 cells.
WIDE_TABLE = table(200, "|\n" * 330) + "\n"
# 100 header cells and 99 rows of 100: as many cells as a post may have (MAX_TABLE_CELLS).
TABLE_AT_THE_CELL_BUDGET = table(100, "|\n" * 99) + "\n"


def reference_links(unit: str) -> Callable[[int], str]:
    """Return a builder of one link definition with a URL half the text long, used as ``unit`` in the other half."""

    def build(length: int) -> str:
        definition = f"[a]: https://example.com/{'a' * (length // 2)}\n\n"
        return definition + repeated(unit)(length - len(definition))

    return build


def after(prefix: str, unit: str) -> Callable[[int], str]:
    """Return a builder of ``prefix``, then ``unit`` repeated: several costs in one post."""
    return lambda length: prefix + repeated(unit)(max(0, length - len(prefix)))


def slow_typescript(length: int) -> str:
    """Return a TypeScript block of ``length`` characters that takes its lexer quadratic time."""
    return "```typescript\n" + "?" * (length - 1) + "x\n```\n"


# The slowest code highlighting allows (bench/highlight_lexers.py): a block that ends near the
# highlighting budget, then one as long as the language's cap.
SLOW_CODE = slow_typescript(6_500) + slow_typescript(7_999)


FAMILIES: dict[str, Callable[[int], str]] = {
    "normal post": repeated(NORMAL_POST),
    "[": repeated("["),
    "[a](": repeated("[a]("),
    "![": repeated("!["),
    "![[": repeated("![["),
    "*": repeated("*"),
    "**a** ": repeated("**a** "),
    "*a": repeated("*a"),
    "_a": repeated("_a"),
    "~~a": repeated("~~a"),
    ">": repeated(">"),
    "> - ": repeated("> - "),
    "`": repeated("`"),
    "``` ": repeated("``` "),
    "nested list": nested_list,
    '<a href="': repeated('<a href="'),
    "<!--": repeated("<!--"),
    "<![CDATA[": repeated("<![CDATA["),
    "&#": repeated("&#"),
    "\\": repeated("\\"),
    "| table row |": repeated("| a | b |\n|---|---|\n| 1 | 2 |\n"),
    "wide tables": repeated(WIDE_TABLE),
    "many tables": repeated(table(3, "|\n") + "\n"),
    "empty cells": lambda length: table(10, repeated("|" * 11 + "\n")(length)),
    "cells, then ![": after(TABLE_AT_THE_CELL_BUDGET, "!["),
    "cells, code, ![": after(TABLE_AT_THE_CELL_BUDGET + SLOW_CODE, "!["),
    "> nested quotes": repeated("> " * 19 + "a\n"),
    "- nested lists": repeated("".join("  " * depth + "- a\n" for depth in range(19))),
    "# headings": repeated("# a\n"),
    "[](x) links": repeated("[](x)"),
    "[a] ref. links": reference_links("[a]"),
    "![a] ref. images": reference_links("![a]"),
    "**[a]** ref.": reference_links("**[a]**"),
    "```python fences": repeated("```python\nx = 1\n```\n"),
    "dense code": repeated("```python\n" + "<," * 3_995 + "\n```\n"),
    '"&<> escapes': repeated('"&<>'),
}
SIZES = (MAX_BODY_CHARS // 16, MAX_BODY_CHARS // 4, MAX_BODY_CHARS)


def cpu_seconds(texts: list[str], runs: int) -> list[float]:
    """Return the median CPU seconds to render (or refuse) each of ``texts``, the texts taking turns in every run."""
    times: list[list[float]] = [[] for _ in texts]
    for _ in range(runs):
        # In turn, so that a busy moment of the machine slows every size alike.
        for text, spent in zip(texts, times, strict=True):
            gc.collect()  # so that the garbage of one render is not collected on the next one's time
            began = time.process_time()
            outcome(text)
            spent.append(time.process_time() - began)
    return [statistics.median(spent) for spent in times]


def outcome(text: str) -> int | str:
    """Return the bytes of the HTML of ``text``, or the code of the bound that refused it."""
    try:
        return len(render(text).html.encode())
    except RenderRefused as refused:
        return refused.code


def growth(smaller: float, larger: float, steps: int = 1) -> str:
    return "-" if larger < NOISE_SECONDS else f"{(larger / smaller) ** (1 / steps):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="renders per text; the median is shown")
    args = parser.parse_args()
    # A refusal's message is translated: the translation machinery needs the settings and the apps.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()

    print(f"machine: {machine()}")
    print(f"body length cap (MAX_BODY_CHARS): {MAX_BODY_CHARS:,} characters; median CPU ms of {args.runs} runs\n")
    sizes = " ".join(f"{f'{size:,} ch':>10}" for size in SIZES)
    print(f"{'family':<18} {sizes}  {'growth 1-4':>10} {'4-16':>5} {'mean':>5}  {'HTML at cap':>20}  verdict")
    render(NORMAL_POST)  # import and warm up the parser once
    missed = []
    for name, build in FAMILIES.items():
        texts = [build(size)[:size] for size in SIZES]
        small, medium, large = cpu_seconds(texts, args.runs)
        at_cap = outcome(texts[-1])
        # Judged on the mean growth per 4x over the whole range: one step alone is two noisy figures.
        mean_growth = (large / small) ** 0.5
        fast = large <= TARGET_SECONDS and (large < NOISE_SECONDS or mean_growth <= TARGET_GROWTH)
        ok = fast and (isinstance(at_cap, str) or at_cap <= TARGET_HTML_BYTES)
        if not ok:
            missed.append(name)
        times = " ".join(f"{seconds * 1000:>10.1f}" for seconds in (small, medium, large))
        steps = f"{growth(small, medium):>10} {growth(medium, large):>5} {growth(small, large, steps=2):>5}"
        size = f"{at_cap:,} B" if isinstance(at_cap, int) else f"refused: {at_cap}"
        print(f"{name:<18} {times}  {steps}  {size:>20}  {'met' if ok else 'MISSED'}")
    print(
        f"\ntargets: <= {TARGET_SECONDS:g} s and <= {TARGET_HTML_BYTES:,} bytes of HTML (or refused) at {MAX_BODY_CHARS:,}"
        f" characters; mean growth per 4x longer text <= {TARGET_GROWTH:g}"
        f" (4: linear, 16: quadratic; not judged under {NOISE_SECONDS * 1000:g} ms: '-')"
    )
    if missed:
        raise SystemExit(f"MISSED for: {', '.join(missed)}")
    print("all met")


if __name__ == "__main__":
    main()
