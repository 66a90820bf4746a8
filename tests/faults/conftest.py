"""What the fault tests share: the fault table (report.py), the cluster they break, the blog in two shapes."""

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection

from tests.cluster.cluster import Cluster, ClusterUnavailable
from tests.faults import ports
from tests.faults.database import Database
from tests.faults.report import FaultRow, FaultTable
from tests.faults.traffic import Site

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


@pytest.fixture(scope="session")
def cluster():
    """nginx, two gunicorn instances, PostgreSQL, Redis and the sandbox, for the whole run of this folder.

    Rate limits high enough for the tests' logins, yet on; CLUSTER_TESTS=0 skips
    (.ci/run's PostgreSQL pass: the cluster brings its own database and ran in the first pass).
    """
    if os.environ.get("CLUSTER_TESTS") == "0":
        pytest.skip("CLUSTER_TESTS=0: the cluster's fault tests already ran in another pass")
    env = {
        "CLUSTER_REDIS": "1",
        "RATE_LIMIT_LOGIN": "1000/h",
        "RATE_LIMIT_API_AUTH": "1000/h",
        # A worker replaced after its 1,000th request breaks nginx's connections to it, and nginx
        # (max_fails=1) takes that instance out too: with the other one killed, all is 502 for a while.
        # A fault of its own, that would land at random inside these tests.
        "GUNICORN_MAX_REQUESTS": "0",
    }
    if ports.port(ports.NGINX):
        env["CLUSTER_PORT"] = str(ports.port(ports.NGINX))
    try:
        running = Cluster.start(**env)
    except ClusterUnavailable as error:
        pytest.skip(f"the cluster cannot run here: {error}")
    yield running
    running.stop()


@dataclass(frozen=True)
class Blog:
    """A running blog to break: where users reach it, its database, and how to name it in the table."""

    site: Site
    database: Database
    where: str


# The mark on "threads" makes pytest-django set up the test database for those tests (and commit for real).
@pytest.fixture(params=[pytest.param("threads", marks=pytest.mark.django_db(transaction=True)), "processes"])
def blog(request) -> Blog:
    """The blog as threads of this process (live server, the suite's database) and as the cluster's processes."""
    if request.param == "threads":
        live_server = request.getfixturevalue("live_server")
        where = f"threads: live server ({connection.vendor})"
        return Blog(Site.of_live_server(live_server.url), Database(connection.cursor), where)
    cluster = request.getfixturevalue("cluster")
    if not all(cluster.running(name) for name in cluster.instances):
        pytest.skip("an earlier test killed one of the cluster's instances")
    return Blog(Site.of_cluster(cluster), Database.postgres(cluster.database_url), "processes: cluster (PostgreSQL)")
