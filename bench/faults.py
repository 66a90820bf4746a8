"""What does each fault do to users? Run tests/faults and print the fault table.

    .venv/bin/python bench/faults.py [--postgres]

Runs the fault tests as `make test` does (the in-process ones on SQLite, the cluster's
once), with --postgres a second time on a throwaway PostgreSQL (CLUSTER_TESTS=0, as
.ci/run does), then prints test-artifacts/faults.md: one row per fault and setting, whether
the tests pass or not. FAULTS_PORT_BASE=18500 pins the ports the tests listen on.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import ROOT, machine, throwaway_postgres
from tests.faults.report import MARKDOWN, STORE


def run_fault_tests(**env: str) -> None:
    """Run tests/faults; failing tests are the point of the table, so their exit status is only shown."""
    command = [str(ROOT / ".venv" / "bin" / "pytest"), "-q", "-p", "no:randomly", "tests/faults"]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, check=False, timeout=900)
    print(f"pytest exited with {result.returncode}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run the in-process tests on PostgreSQL")
    args = parser.parse_args()

    print(f"machine: {machine()}", flush=True)
    # A fresh table: rows of an earlier run would pass for this one's.
    for stale in (MARKDOWN, STORE):
        stale.unlink(missing_ok=True)
    run_fault_tests()
    if args.postgres:
        with throwaway_postgres() as database_url:
            run_fault_tests(CLUSTER_TESTS="0", DATABASE_URL=database_url)
    print(MARKDOWN.read_text())


if __name__ == "__main__":
    main()
