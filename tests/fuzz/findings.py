"""Keep every distinct failure of a test, with one way to reproduce it, instead of stopping at the first.

Hypothesis (and so Schemathesis' pytest integration) stops an operation at its first failing
example. With today's code nearly every operation fails at once on an undocumented status
code, which would hide the 500s behind it. So the fuzz tests record failures and run to the
end, as Schemathesis' CLI does with ``--continue-on-failure``; the test then fails with them all.
"""

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

PROJECT = Path(__file__).resolve().parents[2]


@dataclass
class Finding:
    reason: str
    reproduction: str
    server_traceback: str
    count: int = 1


class Findings:
    """The distinct failures of one test, keyed by operation and reason, each with its first example."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], Finding] = {}

    def add(self, label: str, reason: str, reproduction: str, server_traceback: str = "") -> None:
        """Record one failing request to ``label``; only the first of each reason keeps its reproduction."""
        found = self._found.get((label, reason))
        if found is None:
            self._found[(label, reason)] = Finding(reason, reproduction, server_traceback)
        else:
            found.count += 1
            found.server_traceback = found.server_traceback or server_traceback

    def __bool__(self) -> bool:
        return bool(self._found)

    def report(self) -> str:
        """Return every distinct failure, one block each, ready to paste into an issue."""
        blocks = [f"{len(self._found)} distinct failure(s):"]
        for (label, _reason), found in sorted(self._found.items()):
            block = f"\n--- {label}: {found.reason} (x{found.count})"
            if found.server_traceback:
                block += f"\n    server: {found.server_traceback}"
            blocks.append(f"{block}\n{found.reproduction.strip()}")
        return "\n".join(blocks)


def summarize_exception(exc_info: tuple[type[BaseException], BaseException, TracebackType] | None = None) -> str:
    """Return "Type: message (raised at file:line; last project frame file:line)" for a server exception."""
    exc_type, exc, tb = exc_info or sys.exc_info()
    frames = traceback.extract_tb(tb)
    project_frames = [frame for frame in frames if _is_project_file(frame.filename)]
    message = str(exc).replace("\n", " ")[:200]
    where = f"raised at {_place(frames[-1])}" if frames else "no frames"
    if project_frames and project_frames[-1] is not frames[-1]:
        where += f"; last project frame {_place(project_frames[-1])}"
    return f"{exc_type.__name__}: {message} ({where})"


def _is_project_file(filename: str) -> bool:
    return filename.startswith(str(PROJECT)) and "site-packages" not in filename and "/tests/" not in filename


def _place(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    shown = path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else Path(*path.parts[-3:])
    return f"{shown}:{frame.lineno} in {frame.name}"
