"""Is every language the blog highlights fast on code made to be slow? Target: < 0.5 s per block at its size cap.

    .venv/bin/python bench/highlight_lexers.py [--timeout 20] [--languages python,c]

For each language in blog.markdown.HIGHLIGHTED_LANGUAGES, highlights blocks of exactly its
size cap built to make regular expressions backtrack: a run of one character, a run with one
stray character at the end, an opened string or comment followed by backslashes, spaces or
newlines, nested brackets. Each language runs in its own process with a timeout, because a
regular expression cannot be interrupted from inside. Prints the worst CPU time per language
and the text that caused it; exits 1 when a target is missed. Pass --languages to try others
(chapel and diff time out: that is why they are not highlighted).
"""

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from blog.markdown import HIGHLIGHTED_LANGUAGES

TARGET_SECONDS = 0.5
CHARACTERS = list(" \n\t\"'`\\/*#<>{}()[]$@%-=.,;:a0!?&|~^+_")
OPENERS = ['"', "'", "`", "/*", "<!--", "#", "//", 'r"', '"""', "$(", "${", "<<"]
FILLERS = ["\\", " ", "\\\\ ", "a", "\n"]
PAIRS = [("(", ")"), ("[", "]"), ("{", "}"), ("<", ">"), ('"', '"')]

WORKER = """
import sys, time
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
sys.path.insert(0, {root!r})
from bench.highlight_lexers import slow_texts
name, size = sys.argv[1], int(sys.argv[2])
formatter, worst = HtmlFormatter(nowrap=True), (0.0, "")
for label, code in slow_texts(size):
    lexer = get_lexer_by_name(name, stripnl=False, ensurenl=False)
    began = time.process_time()
    highlight(code, lexer, formatter)
    worst = max(worst, (time.process_time() - began, label))
print(f"{{worst[0]:.3f}} {{worst[1]}}")
"""


def slow_texts(size: int):
    """Yield (label, text of ``size`` characters) built to make a lexer's regular expressions backtrack."""
    for character in CHARACTERS:
        yield f"{character!r} x {size}", character * size
        yield f"{character!r} x {size - 1} + x", character * (size - 1) + "x"
    for opener in OPENERS:
        for filler in FILLERS:
            for count in (40, size // 4, (size - len(opener) - 1) // len(filler)):
                text = (opener + filler * count + "x")[:size]
                yield f"{opener!r} + {filler!r} x {count}", text
    for left, right in PAIRS:
        yield f"{left}^n{right}^n", left * (size // 2) + right * (size // 2)
        yield f"({left}x{right})^n", (left + "x" + right) * (size // 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--languages", help="comma-separated, each at 8000 characters; default: the blog's list")
    args = parser.parse_args()
    languages = dict.fromkeys(args.languages.split(","), 8000) if args.languages else HIGHLIGHTED_LANGUAGES
    root = str(Path(__file__).resolve().parent.parent)
    missed = 0
    print(f"{'language':<12} {'size cap':>8} {'worst s':>8}  worst text")
    for name, size in languages.items():
        try:
            result = subprocess.run(
                [sys.executable, "-c", WORKER.format(root=root), name, str(size)],
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=True,
            )
            seconds, _space, label = result.stdout.strip().partition(" ")
        except subprocess.TimeoutExpired:
            seconds, label = "inf", f"still running after {args.timeout:.0f} s"
        verdict = "met" if float(seconds) < TARGET_SECONDS else "MISSED"
        missed += verdict == "MISSED"
        print(f"{name:<12} {size:>8} {seconds:>8}  {label}  {verdict}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
