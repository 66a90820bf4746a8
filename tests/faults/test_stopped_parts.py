"""Faults 1 to 3: a part of the cluster stops while users are in the middle of something.

PostgreSQL stops for ten seconds under load; Redis stops during Kakao logins; an instance
is killed while a login callback is on it. Each test records what users saw in the fault
table, then checks that nothing was half-written: every post the API acknowledged exists,
every user has their Kakao identity, and every refresh-token family belongs to a login
whose tokens reached the user (one whose login failed is an orphan).

The cluster runs once for the folder (conftest.py); CLUSTER_TESTS=0 skips. The last test
kills an instance, so it stays last, and this module runs after test_races.py.
"""

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from urllib.parse import urlsplit

import pytest
import requests

from tests.faults import sockets
from tests.faults.database import Database
from tests.faults.report import FaultRow
from tests.faults.traffic import (
    Load,
    Recorder,
    Sample,
    Site,
    api_login,
    bearer,
    browser_login,
    failed_by_status,
    failures_seen,
    family_of,
    finish_browser_login,
    logged_in,
    start_browser_login,
)

WARM_UP_SECONDS = 2
OUTAGE_SECONDS = 10
WATCH_AFTER_SECONDS = 5
RECOVERY_LIMIT_SECONDS = 5  # "200 again within a few seconds"
IN_FLIGHT_SECONDS = 0.5  # the sandbox's token-hang account holds the code exchange for 8 s
MAX_ROUNDS = 2000  # per simulated user: a bound should the stop never come


class Bookkeeping:
    """What the data looked like before a fault, and the refresh tokens users got since."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.families_before = set(database.families())
        self.users_without_identity_before = database.users_without_identity()
        self.delivered: set[str] = set()

    def delivered_to_user(self, refresh_token: str | None) -> None:
        if refresh_token:
            self.delivered.add(family_of(refresh_token))

    def orphaned_families(self) -> set[str]:
        """Return the families created since, whose refresh token never reached anyone."""
        return set(self.database.families()) - self.families_before - self.delivered

    def users_without_identity(self) -> set[str]:
        return self.database.users_without_identity() - self.users_without_identity_before

    def summary(self) -> str:
        return (
            f"{len(self.orphaned_families())} orphaned families of {len(self.delivered)} logins; "
            f"{len(self.users_without_identity())} users without identity"
        )


@pytest.fixture
def site(cluster) -> Site:
    if not all(cluster.running(name) for name in cluster.instances):
        pytest.skip("an earlier test killed one of the cluster's instances")
    return Site.of_cluster(cluster)


@pytest.fixture
def database(cluster) -> Database:
    return Database.postgres(cluster.database_url)


def expected_503(sample: Sample) -> bool:
    """A 503 as users should get it: Retry-After, and JSON under /api/, the site's page elsewhere."""
    return (
        sample.status == 503
        and bool(sample.retry_after)
        and sample.shape == ("JSON" if "/api/" in sample.kind else "HTML")
    )


def test_postgresql_stopped_for_ten_seconds_under_load_answers_503_then_200_and_loses_no_acknowledged_write(
    cluster, site, database, fault_table
):
    writer = api_login(site, Recorder(), "full").json()
    auth = bearer(writer["access"])
    post = requests.post(f"{site.url}/api/posts/", json={"title": "읽을 글", "body": "본문"}, headers=auth, timeout=10)
    post_id = post.json()["id"]
    books = Bookkeeping(database)
    recorder = Recorder()
    acknowledged, numbers = [], itertools.count()

    def read(reader: requests.Session) -> None:
        for kind, path, headers in (
            ("GET /", "/", {}),
            ("GET /posts/<id>/", f"/posts/{post_id}/", {}),
            ("GET /api/posts/", "/api/posts/", {}),
            ("GET /api/me/", "/api/me/", auth),
        ):
            recorder.send(kind, partial(reader.get, f"{site.url}{path}", headers=headers, timeout=10))

    def write() -> None:
        draft = {"title": f"장애 중에 쓴 글 {next(numbers)}", "body": "PostgreSQL이 멈춘 동안"}
        answer = recorder.send(
            "POST /api/posts/", partial(requests.post, f"{site.url}/api/posts/", json=draft, headers=auth, timeout=10)
        )
        if answer is not None and answer.status_code == 201:
            acknowledged.append(answer.json()["id"])

    def log_in() -> None:
        books.delivered_to_user(browser_login(site, recorder, "full").refresh_token)
        answer = api_login(site, recorder, "full")
        books.delivered_to_user(answer.json()["refresh"] if answer is not None and answer.status_code == 200 else None)

    readers = [partial(read, requests.Session()) for _ in range(3)]  # a browser each: Sessions are not for sharing
    with Load(recorder, [*readers, write, log_in], pause=0.05, rounds=MAX_ROUNDS):
        time.sleep(WARM_UP_SECONDS)
        stopped_at = time.monotonic()
        cluster.stop_postgres()
        try:
            time.sleep(OUTAGE_SECONDS)
        finally:
            cluster.start_postgres()
        restarted_at = time.monotonic()
        time.sleep(WATCH_AFTER_SECONDS)

    samples = recorder.samples
    during = [sample for sample in samples if stopped_at <= sample.started < restarted_at]
    after = [sample for sample in samples if sample.started >= restarted_at]
    wrong = [sample for sample in samples if not sample.ok and not expected_503(sample)]
    recovery = max((sample.ended - restarted_at for sample in after if not sample.ok), default=0.0)
    first_success = min((sample.ended - restarted_at for sample in after if sample.ok), default=float("inf"))
    missing = database.missing_posts(acknowledged)
    fault_table(
        FaultRow(
            fault=f"1 · PostgreSQL stopped for {OUTAGE_SECONDS} s under load, then restarted",
            where="cluster: nginx, 2 gunicorn, PostgreSQL, Redis",
            requests=len(samples),
            failed=failed_by_status(samples),
            users_saw=f"while down ({len(during)} requests): {failures_seen(during) or 'no failure'}; "
            f"after the restart: {failures_seen(after) or 'no failure'}",
            recovery=f"last failure {recovery:.1f} s after the restart, first success after {first_success:.2f} s",
            data_checked=f"{len(acknowledged)} posts acknowledged (201), {len(missing)} missing; {books.summary()}",
        )
    )

    assert failed_by_status(wrong) == {}, (
        "users got something else than a 503 with Retry-After: "
        f"{[(sample.kind, sample.status, sample.shape) for sample in wrong]}"
    )
    assert recovery <= RECOVERY_LIMIT_SECONDS
    assert {sample.kind for sample in after if sample.ok} == {sample.kind for sample in samples}
    assert missing == set()
    assert books.users_without_identity() == set()
    assert books.orphaned_families() == set()


def test_redis_stopped_browser_logins_still_succeed_with_rate_limits_open_and_no_orphaned_family(
    cluster, site, database, fault_table
):
    books = Bookkeeping(database)
    recorder = Recorder()

    cluster.stop_redis()
    try:
        logins = [
            browser_login(site, recorder, account) for account in ("nickname-only", "no-email", "unverified-email")
        ]
        pages = [
            recorder.send("GET / (logged in?)", partial(login.session.get, f"{site.url}/", timeout=10))
            for login in logins
        ]
        app = api_login(site, recorder, "no-email")
    finally:
        cluster.start_redis()
    after_restart = browser_login(site, Recorder(), "nickname-only")

    for login in [*logins, after_restart]:
        books.delivered_to_user(login.refresh_token)
    books.delivered_to_user(app.json()["refresh"] if app is not None and app.status_code == 200 else None)
    samples = recorder.samples
    callbacks = [login.callback.status_code if login.callback is not None else None for login in logins]
    fault_table(
        FaultRow(
            fault="2 · Redis stopped during Kakao logins",
            where="cluster: nginx, 2 gunicorn, PostgreSQL, Redis",
            requests=len(samples),
            failed=failed_by_status(samples),
            users_saw=f"browser callbacks {callbacks}, {sum(map(logged_in, pages))} of 3 logged in; "
            f"API login {app.status_code if app is not None else 'no answer'}; {failures_seen(samples) or 'no failure'}",
            recovery=f"a login once Redis was back: {'logged in' if after_restart.succeeded else 'failed'}",
            data_checked=books.summary(),
        )
    )

    assert [login.succeeded for login in logins] == [True, True, True]
    assert [logged_in(page) for page in pages] == [True, True, True]
    assert app is not None and app.status_code == 200
    assert 429 not in {sample.status for sample in samples}  # the limits failed open
    assert after_restart.succeeded
    assert books.orphaned_families() == set()
    assert books.users_without_identity() == set()


def callbacks_logged(cluster, name: str) -> int:
    """Return how many callbacks an instance's access log lists (gunicorn logs a request once it is answered)."""
    return (cluster.directory / f"{name}.log").read_text().count('"GET /accounts/kakao/callback/ ')


def test_instance_killed_mid_callback_is_not_replayed_on_the_other_and_other_readers_are_unaffected(
    cluster, site, database, fault_table
):
    books = Bookkeeping(database)
    session, callback_url = start_browser_login(site, Recorder(), "token-hang")
    sandbox_port = urlsplit(cluster.sandbox_url).port
    known = sockets.connections_to(sandbox_port)
    processes = {name: [cluster.pid(name), *cluster.worker_pids(name)] for name in cluster.instances}
    logged_before = {name: callbacks_logged(cluster, name) for name in cluster.instances}
    readers, browser = Recorder(), Recorder()

    def read(reader: requests.Session) -> None:
        for path in ("/", "/api/posts/"):
            readers.send(f"GET {path}", partial(reader.get, f"{site.url}{path}", timeout=10))

    steps = [partial(read, requests.Session()) for _ in range(2)]
    with Load(readers, steps, pause=0.05, rounds=MAX_ROUNDS), ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(finish_browser_login, site, browser, session, callback_url)
        victim = sockets.wait_for_new_connection(sandbox_port, processes, known=known, timeout=10)
        time.sleep(IN_FLIGHT_SECONDS)
        killing_at = time.monotonic()
        cluster.kill_instance(victim)
        killed_at = time.monotonic()
        login = pending.result(timeout=30)
        time.sleep(1)  # the readers go on, now on the survivor alone

    (survivor,) = set(cluster.instances) - {victim}
    # A reply already streaming from the killed instance is lost whatever nginx does: only readers
    # whose request was not in flight at the kill count as "other readers".
    in_flight = [sample for sample in readers.samples if sample.started < killed_at and sample.ended > killing_at]
    others = [sample for sample in readers.samples if sample not in in_flight]
    replays = callbacks_logged(cluster, survivor) - logged_before[survivor]
    served = [
        readers.send("GET / (after the kill)", partial(requests.get, f"{site.url}/", timeout=10)) for _ in range(6)
    ]
    retry = browser_login(site, Recorder(), "full")
    books.delivered_to_user(login.refresh_token)
    books.delivered_to_user(retry.refresh_token)
    callback = login.callback
    seen = f"{callback.status_code} {browser.samples[0].shape}" if callback is not None else "no answer"
    seen += ", KOE320 (Kakao's code used twice)" if callback is not None and "KOE320" in callback.text else ""
    fault_table(
        FaultRow(
            fault="3 · an instance SIGKILLed while a login callback is on it",
            where="cluster: nginx, 2 gunicorn, PostgreSQL, Redis",
            requests=len(browser.samples) + len(readers.samples),
            failed=failed_by_status([*browser.samples, *readers.samples]),
            users_saw=f"the browser on {victim}: {seen}; callback replayed on {survivor}: {replays}x; "
            f"other readers: {sum(sample.ok for sample in others)} of {len(others)} ok; "
            f"in flight at the kill: {sum(sample.ok for sample in in_flight)} of {len(in_flight)} ok",
            recovery=f"{survivor} served {sum(page is not None and page.status_code == 200 for page in served)} of 6 "
            f"pages after the kill; a new login: {'logged in' if retry.succeeded else 'failed'}",
            data_checked=books.summary(),
        )
    )

    assert callback is not None and callback.status_code in {502, 503, 504}
    assert "KOE320" not in callback.text
    assert replays == 0, f"nginx sent the callback to {survivor} too"
    assert failed_by_status(others) == {}
    assert {page.headers.get("X-Instance") for page in served if page is not None} == {survivor}
    assert retry.succeeded
    assert books.orphaned_families() == set()
    assert books.users_without_identity() == set()
