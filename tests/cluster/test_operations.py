"""Operating the cluster under load: workers replaced, every instance restarted, no request failed.

scripts/cluster.sh starts a cluster of its own for this module (about 15 s), whose gunicorn
workers are replaced every MAX_REQUESTS requests (production: about 1,000), so that they
recycle several times within a few seconds of load. The load: GET /api/me/ and a comment
POSTed, both with a bearer token, over CONNECTIONS connections at once. Each test counts the
comments written, so a POST lost or run twice would show.

docs/production.md tells why it once failed (a storm of 502s) and how the deploy works.
CLUSTER_TESTS=0 skips it, like tests/cluster/test_cluster.py.
"""

import os
import threading

import pytest
import requests

from tests.cluster import load
from tests.cluster.cluster import Cluster, ClusterUnavailable, _alive, api_login, instance_of
from tests.ports import wait_until

pytestmark = pytest.mark.skipif(
    os.environ.get("CLUSTER_TESTS") == "0", reason="CLUSTER_TESTS=0: the cluster tests already ran in another pass"
)

MAX_REQUESTS = 40
CONNECTIONS = 32
RECYCLING_REQUESTS = 1200  # about 15 workers replaced per instance


@pytest.fixture(scope="module")
def cluster():
    try:
        running = Cluster.start(
            GUNICORN_MAX_REQUESTS=str(MAX_REQUESTS),
            GUNICORN_MAX_REQUESTS_JITTER="0",  # both instances' workers recycle at about the same moment
            GUNICORN_ACCESS_LOG="",
            WEB_CONCURRENCY="1",
            GUNICORN_THREADS="4",
        )
    except ClusterUnavailable as error:
        pytest.skip(f"the cluster cannot run here: {error}")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def writer(cluster) -> tuple[dict[str, str], int]:
    """A logged-in user's bearer header, and a post of theirs to comment on."""
    auth = {"Authorization": f"Bearer {api_login(cluster)['access']}"}
    post = requests.post(
        f"{cluster.site_url}/api/posts/", json={"title": "Load", "body": "Comments below."}, headers=auth, timeout=10
    )
    post.raise_for_status()
    return auth, post.json()["id"]


def calls(cluster: Cluster, writer: tuple[dict[str, str], int]) -> dict[str, load.Call]:
    auth, post_id = writer
    return {
        "GET /api/me/": lambda session: session.get(f"{cluster.site_url}/api/me/", headers=auth, timeout=30),
        "POST comment": lambda session: session.post(
            f"{cluster.site_url}/api/posts/{post_id}/comments/", json={"body": "좋은 글!"}, headers=auth, timeout=30
        ),
    }


def comments_on(cluster: Cluster, writer: tuple[dict[str, str], int]) -> int:
    _auth, post_id = writer
    return requests.get(f"{cluster.site_url}/api/posts/{post_id}/comments/", timeout=10).json()["count"]


def test_workers_replaced_under_load_leave_every_request_answered(cluster, writer):
    booted = {name: cluster.booted_workers(name) for name in cluster.instances}
    comments = comments_on(cluster, writer)

    outcomes = load.run(calls(cluster, writer), connections=CONNECTIONS, total=RECYCLING_REQUESTS)

    replaced = {name: len(cluster.booted_workers(name)) - len(booted[name]) for name in cluster.instances}
    assert outcomes.failed() == {}
    assert outcomes.total == RECYCLING_REQUESTS
    assert min(replaced.values()) >= 3, replaced  # each instance replaced its worker several times meanwhile
    assert comments_on(cluster, writer) - comments == outcomes.count("POST comment", 201)


def test_rolling_restart_under_load_fails_no_request(cluster, writer):
    masters = {name: cluster.pid(name) for name in cluster.instances}
    comments = comments_on(cluster, writer)
    outcomes = load.Outcomes()
    restarted = threading.Event()
    errors = []

    def restart_once_the_load_runs() -> None:
        try:
            wait_until(lambda: outcomes.total >= 100, what="the load to get going", seconds=60)
            cluster.restart_rolling()
        except Exception as error:  # raised again below, in the test's thread
            errors.append(error)
        finally:
            restarted.set()

    deploy = threading.Thread(target=restart_once_the_load_runs)
    deploy.start()
    # A connection per request: nginx's reload closes idle keep-alive connections of its clients,
    # and a browser sends its request again on a new one; this client need not.
    load.run(
        calls(cluster, writer),
        connections=CONNECTIONS,
        total=100_000,
        seconds=180,
        until=restarted.is_set,
        keep_alive=False,
        outcomes=outcomes,
    )
    deploy.join()
    if errors:
        raise errors[0]
    after = [requests.get(f"{cluster.site_url}/api/me/", headers=writer[0], timeout=10) for _ in range(4)]

    assert outcomes.failed() == {}
    assert {name: _alive(pid) for name, pid in masters.items()} == dict.fromkeys(masters, False)
    assert all(cluster.pid(name) != pid and cluster.running(name) for name, pid in masters.items())
    assert {instance_of(answer) for answer in after} == set(cluster.instances)  # every instance is back in nginx
    assert comments_on(cluster, writer) - comments == outcomes.count("POST comment", 201)
