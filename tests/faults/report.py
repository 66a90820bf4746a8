"""The fault table: what each fault did to users, written to test-artifacts/faults.md.

Every fault test records its row before it asserts, so the table shows what happened on
failing code too; the test's outcome fills the last column. Rows are kept by fault and
setting in test-artifacts/faults.json, so both passes of .ci/run (SQLite, then PostgreSQL)
add up to one table. Paste the Markdown file into a report as it is.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MARKDOWN = ARTIFACTS / "faults.md"
STORE = ARTIFACTS / "faults.json"
HEADER = (
    "| Fault | Where | Requests sent | Failed requests by status | What users saw | Recovery | Data checked | Verdict |\n"
    "|---|---|---|---|---|---|---|---|\n"
)


@dataclass
class FaultRow:
    """One fault, as users lived it: what was sent, what failed, what they saw, what the data looked like."""

    fault: str  # starts with its number in the brief ("1 · PostgreSQL stopped..."), which orders the table
    where: str
    requests: int
    failed: dict[str, int] = field(default_factory=dict)  # "500": 12, or an exception's name: 3
    users_saw: str = ""
    recovery: str = "n/a"
    data_checked: str = ""
    verdict: str = "did not finish"

    @property
    def key(self) -> str:
        return f"{self.fault} @ {self.where}"

    def markdown(self) -> str:
        failed = ", ".join(f"{status} x{count}" for status, count in sorted(self.failed.items())) or "none"
        cells = (self.fault, self.where, str(self.requests), failed, self.users_saw, self.recovery, self.data_checked)
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in (*cells, self.verdict)) + " |\n"


class FaultTable:
    """Rows recorded by this run, merged with those of earlier runs, written out at the end."""

    def __init__(self, markdown: Path = MARKDOWN, store: Path = STORE) -> None:
        self.markdown, self.store = markdown, store
        self.rows: dict[str, FaultRow] = {}
        if store.exists():
            self.rows = {key: FaultRow(**row) for key, row in json.loads(store.read_text()).items()}
        self._by_test: dict[str, list[str]] = {}

    def record(self, test_id: str, row: FaultRow) -> None:
        self.rows[row.key] = row
        self._by_test.setdefault(test_id, []).append(row.key)

    def set_verdict(self, test_id: str, *, passed: bool) -> None:
        for key in self._by_test.pop(test_id, []):
            self.rows[key].verdict = "as expected" if passed else "**FAILS**"

    def write(self) -> None:
        self.markdown.parent.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self.rows.values(), key=lambda row: (row.fault, row.where))
        self.store.write_text(json.dumps({row.key: asdict(row) for row in ordered}, ensure_ascii=False, indent=1))
        self.markdown.write_text(HEADER + "".join(row.markdown() for row in ordered))
