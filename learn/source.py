"""Which of the project's files the teaching pages may show, and where a function starts in them."""

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings

# Only the project's own code and docs, by name: no dotfiles, no var/ (dev keys), no
# migrations, no path with "..". Everything listed here is meant to be read by learners.
SHOWN_FILES = re.compile(
    r"(?:accounts|tokens|ratelimit|apikeys|verifier|blog|config|kakao_sandbox|learn)/[a-z_][a-z0-9_]*\.py"
    r"|static/learn/[a-z_]+\.(?:js|css)"
    r"|docs/[a-z_-]+(?:\.ko)?\.md|README(?:\.ko)?\.md"
    r"|scripts/[a-z_-]+\.sh"
)


def is_shown(path: str) -> bool:
    return SHOWN_FILES.fullmatch(path) is not None


def read_lines(path: str) -> list[str] | None:
    """Return the lines of an allowed project file, or None if it is not allowed or not there."""
    if not is_shown(path):
        return None
    file = Path(settings.BASE_DIR) / path
    try:
        return file.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
        return None


@lru_cache(maxsize=128)
def definition_line(path: str, name: str) -> int | None:
    """Return the line number where ``def name`` or ``class name`` starts in ``path``, if any."""
    lines = read_lines(path) or []
    name = re.escape(name)
    pattern = re.compile(rf"\s*(?:(?:async\s+)?(?:def|class|function)\s+{name}\b|{name}\s*=)")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number
    return None
