"""Count what the fuzz tests send and what fails, per operation, for the closing note."""

from collections import Counter, defaultdict
from pathlib import Path

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "fuzz-summary.txt"

_statuses: defaultdict[str, Counter] = defaultdict(Counter)
_failures: defaultdict[str, Counter] = defaultdict(Counter)
_notes: list[str] = []


def record_response(label: str, status: int) -> None:
    """Count one request to ``label`` ("GET /api/posts/") that was answered with ``status``."""
    _statuses[label][status] += 1


def record_failure(label: str, reason: str) -> None:
    """Count one failed request to ``label``, by the promise it broke."""
    _failures[label][reason] += 1


def note(line: str) -> None:
    """Add a line to the summary (the seed, the settings of the run)."""
    _notes.append(line)


def render() -> str:
    """Return the summary as a plain-text table; empty when nothing was sent."""
    if not _statuses:
        return ""
    width = max(len(label) for label in _statuses)
    lines = [*_notes, f"{'operation':<{width}}  requests  statuses"]
    for label in sorted(_statuses):
        statuses = " ".join(f"{status}x{count}" for status, count in sorted(_statuses[label].items()))
        lines.append(f"{label:<{width}}  {sum(_statuses[label].values()):>8}  {statuses}")
    lines.append(f"{'total':<{width}}  {sum(sum(c.values()) for c in _statuses.values()):>8}")
    if _failures:
        lines.append("failing requests, by operation and broken promise:")
        for label in sorted(_failures):
            for reason, count in _failures[label].most_common():
                lines.append(f"  {label}: {reason} x{count}")
    return "\n".join(lines)


def write() -> Path:
    """Write the summary to test-artifacts/fuzz-summary.txt and return the path."""
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(render() + "\n", encoding="utf-8")
    return ARTIFACT
