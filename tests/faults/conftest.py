"""The fault table (report.py), filled by the tests of this folder and written when the run ends."""

from collections.abc import Callable

import pytest

from tests.faults.report import FaultRow, FaultTable

TABLE_KEY = pytest.StashKey[FaultTable]()


@pytest.fixture(scope="session")
def _fault_table(request) -> FaultTable:
    table = FaultTable()
    request.config.stash[TABLE_KEY] = table
    yield table
    table.write()


@pytest.fixture
def fault_table(_fault_table, request) -> Callable[[FaultRow], None]:
    """Return record(row): put this test's measurements into the fault table."""
    return lambda row: _fault_table.record(request.node.nodeid, row)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    table = item.config.stash.get(TABLE_KEY, None)
    if table is not None and report.when == "call":
        table.set_verdict(item.nodeid, passed=report.passed)
    return report
