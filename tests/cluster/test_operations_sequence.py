"""A deploy day on one cluster under load: every operation of issue 20 in turn, nobody notices.

While browsers read pages, apps write comments with a bearer token, newcomers log in and a
script writes comments with SigV4-signed requests (and tries each signature a second time),
the cluster, started for this module with Redis and workers replaced every MAX_REQUESTS
requests, goes through:

1. recycling: workers replaced under the load alone (and on throughout);
2. a rolling restart (scripts/cluster.sh restart-rolling);
3. an expand migration applied while the instances serve (tests/deploy/harness/expand.py),
   then a rolling restart onto the new schema;
4. the three-stage signing-key change of docs/jwt.md, each instance reloaded (USR2) out of
   nginx's rotation: publish the next key, switch, retire the old one;
5. each instance restarted with its clock off (libfaketime): app1 5 s fast, app2 5 s slow.

No request may fail (a 503 neither: nothing is down), no browser or app be logged out, no
signature be accepted twice. The table of the stages is printed (pytest -s to see it).
CLUSTER_TESTS=0 skips it, like the other cluster tests.
"""

import base64
import email.utils
import glob
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from config.devfiles import generate_private_key_pem
from tests.apikeys.signing import botocore_headers
from tests.cluster.cluster import ROOT, Cluster, ClusterUnavailable, consent, exchange_kakao_code
from tests.cluster.test_key_rotation import kid_of, public_pem, published_kids
from tests.faults.traffic import Load, Recorder, Sample, Site, bearer, failures_seen, logged_in
from tests.ports import wait_until

pytestmark = pytest.mark.skipif(
    os.environ.get("CLUSTER_TESTS") == "0", reason="CLUSTER_TESTS=0: the cluster tests already ran in another pass"
)

MAX_REQUESTS = 20
ACCESS_LIFETIME = 10  # browsers and apps renew their tokens every 10 s: the key change's stage 2 is short
BROWSER_ACCOUNTS = ["full", "nickname-only", "no-email"]
API_ACCOUNTS = ["unverified-email", "big-id"]
NEWCOMER_ACCOUNT = "invalid-email"
CLOCKS = {"app1": 5, "app2": -5}  # seconds
LEEWAY = 30  # the default; with JWT_LEEWAY=0, stage 5 answered 16 requests 401 and logged 3 browsers out
LIBFAKETIME = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))), None)


@pytest.fixture(scope="module")
def cluster():
    if LIBFAKETIME is None:
        pytest.skip("libfaketime is not installed (scripts/ensure-packages.sh installs faketime)")
    try:
        running = Cluster.start(
            CLUSTER_REDIS="1",
            GUNICORN_MAX_REQUESTS=str(MAX_REQUESTS),
            GUNICORN_ACCESS_LOG="",
            JWT_ACCESS_TOKEN_LIFETIME=str(ACCESS_LIFETIME),
            JWT_LEEWAY=str(LEEWAY),
            RATE_LIMIT_LOGIN="off",
            RATE_LIMIT_API_AUTH="off",
        )
    except ClusterUnavailable as error:
        pytest.skip(f"the cluster cannot run here: {error}")
    yield running
    running.stop()


def expires_within(token: str, seconds: float) -> bool:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"] - time.time() < seconds


def manage(cluster: Cluster, *arguments: str) -> str:
    """Run manage.py with the instances' environment, as an operator who sourced DIR/app.env; return its output."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, **cluster.environment()},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


class Users:
    """Browsers, apps, newcomers and a signing script, all through nginx; every answer recorded."""

    def __init__(self, cluster: Cluster) -> None:
        self.site, self.recorder = Site.of_cluster(cluster), Recorder()
        self.logouts: list[tuple[float, str]] = []
        self.replays: list[tuple[float, int, str]] = []  # when, status, error code
        self.last_logged_in_page: dict[str, float] = {}
        self.browsers = {account: self.browser_login(account) for account in BROWSER_ACCOUNTS}
        self.apps = {account: self.api_login(account) for account in API_ACCOUNTS}
        writer = self.apps[API_ACCOUNTS[0]]
        post = requests.post(
            f"{self.site.url}/api/posts/",
            json={"title": "Deploy day", "body": "..."},
            headers=bearer(writer["access"]),
            timeout=10,
        )
        post.raise_for_status()
        self.comments_url = f"{self.site.url}/api/posts/{post.json()['id']}/comments/"
        key = manage(cluster, "create_api_key", "--user", f"kakao_{writer['user']['kakao_id']}", "--scopes",
                     "comments:write").split()  # fmt: skip
        self.key_id, self.secret = key

    def steps(self) -> list[Callable[[], None]]:
        return [
            *(lambda account=account: self.browse(account) for account in BROWSER_ACCOUNTS),
            *(lambda account=account: self.write(account) for account in API_ACCOUNTS),
            self.log_in_anew,
            self.sign,
        ]

    def browser_login(self, account: str) -> requests.Session:
        session = requests.Session()
        # A browser sends a request again when nginx's reload closes its idle connection; this one cannot.
        session.headers["Connection"] = "close"
        start = self.recorder.send(
            "GET /accounts/kakao/login/",
            lambda: session.get(f"{self.site.url}/accounts/kakao/login/", allow_redirects=False, timeout=10),
        )
        if start is None or start.status_code != 302:
            raise AssertionError(f"the login of {account} did not start")
        with requests.Session() as at_kakao:  # the sandbox stands in for Kakao: it is not under test
            callback_url = consent(at_kakao, start.headers["Location"], account=account)
        callback = self.recorder.send(
            "GET /accounts/kakao/callback/", lambda: session.get(callback_url, allow_redirects=False, timeout=20)
        )
        if callback is None or callback.status_code != 302:
            raise AssertionError(f"the login of {account} failed")
        return session

    def api_login(self, account: str) -> dict:
        code = self.site.kakao_code(account)
        answer = self.recorder.send("POST /api/auth/kakao/", lambda: exchange_kakao_code(self.site.url, code))
        if answer is None or answer.status_code != 200:
            raise AssertionError(f"the API login of {account} failed")
        return answer.json()

    def browse(self, account: str) -> None:
        session = self.browsers[account]
        page = self.recorder.send("GET /", lambda: session.get(f"{self.site.url}/", timeout=10))
        if page is None or page.status_code >= 500:
            return  # a failure, counted as such
        if logged_in(page) and "refresh_token" in session.cookies:
            self.last_logged_in_page[account] = time.monotonic()
        else:
            self.logouts.append((time.monotonic(), f"browser {account}"))
            self.browsers[account] = self.browser_login(account)

    def write(self, account: str) -> None:
        tokens = self.apps[account]
        if expires_within(tokens["access"], 3):
            refreshed = self.recorder.send(
                "POST /api/auth/token/refresh/",
                lambda: requests.post(
                    f"{self.site.url}/api/auth/token/refresh/", json={"refresh": tokens["refresh"]}, timeout=10
                ),
            )
            if refreshed is None or refreshed.status_code >= 500:
                return
            if refreshed.status_code != 200:
                self.logouts.append((time.monotonic(), f"app {account}"))
                self.apps[account] = self.api_login(account)
                return
            tokens.update(refreshed.json())
        headers = bearer(tokens["access"])
        self.recorder.send(
            "POST comment (bearer)",
            lambda: requests.post(self.comments_url, json={"body": "좋은 글!"}, headers=headers, timeout=30),
        )
        self.recorder.send(
            "GET /api/me/", lambda: requests.get(f"{self.site.url}/api/me/", headers=headers, timeout=10)
        )

    def log_in_anew(self) -> None:
        session = self.browser_login(NEWCOMER_ACCOUNT)
        page = self.recorder.send("GET / after login", lambda: session.get(f"{self.site.url}/", timeout=10))
        if page is not None and page.status_code < 500 and not logged_in(page):
            self.logouts.append((time.monotonic(), "newcomer"))

    def sign(self) -> None:
        # A new body each time: two requests signed in the same second would otherwise be one signature.
        body = json.dumps({"body": f"Signed {uuid.uuid4()}."}).encode()
        headers = botocore_headers(
            "POST", self.comments_url, key_id=self.key_id, secret=self.secret, body=body,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip

        def send() -> requests.Response:
            return requests.post(self.comments_url, data=body, headers=headers, timeout=30)

        first = self.recorder.send("POST comment (SigV4)", send)
        if first is None:
            return
        started = time.monotonic()
        try:
            replay = send()  # the same signature again, most likely to the other instance
        except requests.RequestException as error:
            self.recorder.add(Sample("SigV4 replay", started, time.monotonic(), None, error=type(error).__name__))
            return
        json_answer = replay.headers.get("Content-Type", "").startswith("application/json")
        code = replay.json().get("code", "") if json_answer else ""
        self.replays.append((started, replay.status_code, code))

    def refresh_tokens(self) -> list[str]:
        browsers = [session.cookies.get("refresh_token", "") for session in self.browsers.values()]
        return browsers + [tokens["refresh"] for tokens in self.apps.values()]


@dataclass(frozen=True)
class Stage:
    name: str
    started: float
    ended: float

    def holds(self, when: float) -> bool:
        return self.started <= when < self.ended


def reload_each(cluster: Cluster) -> None:
    """Reload every instance in turn (USR2: key files read anew), each out of nginx's rotation meanwhile."""
    for name in sorted(cluster.instances):
        with cluster.out_of_rotation(name):
            cluster.reload_instance(name)


def change_signing_key(cluster: Cluster, users: Users) -> None:
    """Publish the next key, switch to it once every instance knows it, retire the old one (docs/jwt.md)."""
    directory = Path(cluster.directory)
    private_file, next_file, previous_file = (
        directory / name for name in ("jwt-private-key.pem", "jwt-next-public-keys.pem", "jwt-previous-public-keys.pem")
    )
    old_private, new_private = private_file.read_text(), generate_private_key_pem().decode()
    old_kid = published_kids(cluster.site_url)[0]

    next_file.write_text(public_pem(new_private))
    reload_each(cluster)
    new_kid = next(kid for kid in published_kids(cluster.site_url) if kid != old_kid)
    assert {published_kids(url) == [old_kid, new_kid] for url in cluster.instances.values()} == {True}

    private_file.write_text(new_private)
    previous_file.write_text(public_pem(old_private))
    next_file.write_text("")
    reload_each(cluster)
    wait_until(
        lambda: all(kid_of(token) == new_kid for token in users.refresh_tokens() if token),
        what="every user's refresh token signed with the new key",
        seconds=ACCESS_LIFETIME + 30,
    )

    previous_file.write_text("")
    reload_each(cluster)
    assert {published_kids(url) == [new_kid] for url in cluster.instances.values()} == {True}


def clock_offset(url: str) -> float:
    """Return how far an instance's clock is from ours, by the Date header it sends (whole seconds)."""
    answer = requests.get(f"{url}/healthz", timeout=10)
    return email.utils.parsedate_to_datetime(answer.headers["Date"]).timestamp() - time.time()


def ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def restart_with_clocks_off(cluster: Cluster, users: Users) -> None:
    """Restart each instance, out of nginx's rotation, under libfaketime; wait until users renewed tokens there."""
    before = users.refresh_tokens()
    for name, seconds in CLOCKS.items():
        with cluster.out_of_rotation(name):
            spec = cluster.stop_process(name)
            skewed = replace(spec, env={**spec.env, "LD_PRELOAD": LIBFAKETIME, "FAKETIME": f"{seconds:+d}s"})
            cluster.start_process(name, skewed, port=urlsplit(cluster.instances[name]).port)
            wait_until(partial(ready, cluster.instances[name]), what=f"{name}'s /healthz", seconds=60)
        assert abs(clock_offset(cluster.instances[name]) - seconds) < 2, name
    wait_until(
        lambda: all(old != new for old, new in zip(before, users.refresh_tokens(), strict=True)),
        what="every user's tokens renewed by the instances with their clocks off",
        seconds=ACCESS_LIFETIME + 30,
    )


def expand_schema(cluster: Cluster) -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "tests/deploy/harness/expand.py"],
        cwd=ROOT,
        env={**os.environ, **cluster.environment(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"edited_at" timestamp with time zone NULL' in result.stdout, result.stdout


def table(stages: list[Stage], users: Users) -> str:
    samples = users.recorder.samples
    rows = [f"{'stage':<44} {'requests':>8} {'failures':>8} {'logouts':>7} {'seconds':>7}"]
    for stage in stages:
        inside = [sample for sample in samples if stage.holds(sample.started)]
        replays = sum(1 for when, *_ in users.replays if stage.holds(when))
        logouts = sum(1 for when, _ in users.logouts if stage.holds(when))
        rows.append(
            f"{stage.name:<44} {len(inside) + replays:>8} {sum(not s.ok for s in inside):>8} {logouts:>7} "
            f"{stage.ended - stage.started:>7.1f}"
        )
    return "\n".join(rows)


def test_a_deploy_day_of_operations_under_load_fails_no_request_and_logs_nobody_out(cluster):
    started = time.monotonic()
    users = Users(cluster)
    comments_before = requests.get(users.comments_url, timeout=10).json()["count"]
    booted = {name: len(cluster.booted_workers(name)) for name in cluster.instances}
    stages: list[Stage] = []

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        began = time.monotonic()
        yield
        done = time.monotonic()
        # A page after the stage: every browser still shows it is logged in.
        wait_until(
            lambda: all(users.last_logged_in_page.get(account, 0) > done for account in BROWSER_ACCOUNTS),
            what=f"a logged-in page for every browser after {name}",
            seconds=30,
        )
        stages.append(Stage(name, began, time.monotonic()))

    with Load(users.recorder, users.steps(), pause=0.2, rounds=100_000):
        with stage("1. workers recycled (load alone)"):
            wait_until(
                lambda: all(len(cluster.booted_workers(name)) >= booted[name] + 2 for name in cluster.instances),
                what="each instance replacing its worker twice",
                seconds=60,
            )
        with stage("2. rolling restart"):
            cluster.restart_rolling()
        with stage("3. expand migration, rolling restart"):
            expand_schema(cluster)
            cluster.restart_rolling()
        with stage("4. key change: publish, switch, retire"):
            change_signing_key(cluster, users)
        with stage(f"5. app1 +5 s, app2 -5 s (leeway {LEEWAY} s)"):
            restart_with_clocks_off(cluster, users)

    samples = users.recorder.samples
    figures = table(stages, users)
    replayed = [(status, code) for _when, status, code in users.replays]
    written = sum(1 for s in samples if s.kind.startswith("POST comment") and s.status == 201)
    comments = requests.get(users.comments_url, timeout=10).json()["count"] - comments_before
    booted_since = {name: len(cluster.booted_workers(name)) - booted[name] for name in cluster.instances}
    print(f"\n{figures}\n{len(samples)} requests, {len(replayed)} replays refused, workers booted {booted_since}, "
          f"{time.monotonic() - started:.0f} s in all")  # fmt: skip

    assert (failures_seen(samples), [who for _when, who in users.logouts]) == ("", []), figures
    assert replayed and set(replayed) == {(403, "signature_replayed")}, figures
    assert comments == written, figures  # no comment lost or written twice
