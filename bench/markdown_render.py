"""Does rendering Markdown stay fast on text made to be slow? Target: <= 1 s at the length cap, growth <= 5x.

    .venv/bin/python bench/markdown_render.py [--runs 5]

Renders text with blog.markdown.render (markdown-it-py, then nh3: what a post's save does)
at 1/16, 1/4 and all of the body length cap (MAX_BODY_CHARS): a normal post, and families
of text built to make Markdown parsers backtrack (runs of brackets, emphasis, backticks,
nesting, HTML). Prints the median CPU time of this process over the runs (other jobs on a
shared machine do not count), and how much longer it takes when the text is 4 times
longer: 4 means linear, 16 quadratic. Exits 1 when a target is missed.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import machine
from blog.markdown import MAX_BODY_CHARS, render

TARGET_SECONDS = 1.0
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
}
SIZES = (MAX_BODY_CHARS // 16, MAX_BODY_CHARS // 4, MAX_BODY_CHARS)


def cpu_seconds(texts: list[str], runs: int) -> list[float]:
    """Return the median CPU seconds to render each of ``texts``, the texts taking turns in every run."""
    times: list[list[float]] = [[] for _ in texts]
    for _ in range(runs):
        # In turn, so that a busy moment of the machine slows every size alike.
        for text, spent in zip(texts, times, strict=True):
            began = time.process_time()
            render(text)
            spent.append(time.process_time() - began)
    return [statistics.median(spent) for spent in times]


def growth(smaller: float, larger: float, steps: int = 1) -> str:
    return "-" if larger < NOISE_SECONDS else f"{(larger / smaller) ** (1 / steps):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="renders per text; the median is shown")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(f"body length cap (MAX_BODY_CHARS): {MAX_BODY_CHARS:,} characters; median CPU ms of {args.runs} runs\n")
    sizes = " ".join(f"{f'{size:,} ch':>10}" for size in SIZES)
    print(f"{'family':<16} {sizes}  {'growth 1-4':>10} {'4-16':>5} {'mean':>5}  verdict")
    render(NORMAL_POST)  # import and warm up the parser once
    missed = []
    for name, build in FAMILIES.items():
        small, medium, large = cpu_seconds([build(size) for size in SIZES], args.runs)
        # Judged on the mean growth per 4x over the whole range: one step alone is two noisy figures.
        mean_growth = (large / small) ** 0.5
        ok = large <= TARGET_SECONDS and (large < NOISE_SECONDS or mean_growth <= TARGET_GROWTH)
        if not ok:
            missed.append(name)
        times = " ".join(f"{seconds * 1000:>10.1f}" for seconds in (small, medium, large))
        steps = f"{growth(small, medium):>10} {growth(medium, large):>5} {growth(small, large, steps=2):>5}"
        print(f"{name:<16} {times}  {steps}  {'met' if ok else 'MISSED'}")
    print(
        f"\ntargets: <= {TARGET_SECONDS:g} s at {MAX_BODY_CHARS:,} characters; mean growth per 4x longer text <= {TARGET_GROWTH:g}"
        f" (4: linear, 16: quadratic; not judged under {NOISE_SECONDS * 1000:g} ms: '-')"
    )
    if missed:
        raise SystemExit(f"MISSED for: {', '.join(missed)}")
    print("all met")


if __name__ == "__main__":
    main()
