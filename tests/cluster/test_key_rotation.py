"""Changing the signing key on the running cluster, in docs/jwt.md's three stages, logs nobody out.

Users keep browsing, calling the API and /members/ (the verifier), refreshing and logging in
while each instance in turn is taken out of their rotation and reloaded (USR2, as
docs/production.md says) with:

1. publish: the new public key in JWT_NEXT_PUBLIC_KEYS_FILE, still signing with the old key;
   then wait until the verifier lists it too;
2. switch: the new private key in JWT_PRIVATE_KEY_FILE, the old public key in
   JWT_PREVIOUS_PUBLIC_KEYS_FILE; then wait until every user's tokens are of the new key
   (in production: JWT_REFRESH_TOKEN_LIFETIME + JWT_LEEWAY after the switch);
3. retire: the old public key removed.

Lifetimes are short here (access 10 s, refresh 30 s) so that stage 3 comes within a minute.
Switching one instance first, without stage 1, made the other refuse the new tokens and
delete both cookies: 4 of 4 browsers and 16 of 16 /members/ calls failed (issue 20).
"""

import base64
import itertools
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from config.devfiles import generate_private_key_pem
from tests.cluster.cluster import Cluster, ClusterUnavailable, exchange_kakao_code, login_until_callback
from tests.faults.traffic import (
    BrowserLogin,
    Load,
    Recorder,
    Site,
    bearer,
    failures_seen,
    finish_browser_login,
    logged_in,
    start_browser_login,
)
from tests.ports import wait_until

pytestmark = pytest.mark.skipif(
    os.environ.get("CLUSTER_TESTS") == "0", reason="CLUSTER_TESTS=0: the cluster test already ran in another pass"
)

ACCESS_LIFETIME, REFRESH_LIFETIME, LEEWAY = 10, 30, 5
BROWSER_ACCOUNTS = ["full", "nickname-only", "no-email"]
API_ACCOUNTS = ["unverified-email", "big-id"]


@pytest.fixture(scope="module")
def cluster():
    try:
        running = Cluster.start(
            JWT_ACCESS_TOKEN_LIFETIME=str(ACCESS_LIFETIME),
            JWT_REFRESH_TOKEN_LIFETIME=str(REFRESH_LIFETIME),
            JWT_LEEWAY=str(LEEWAY),
            VERIFIER_JWKS_LIFESPAN="3",
            AUTHORIZER_RESULT_TTL_SECONDS="0",  # every /members/ call asks the verifier
            RATE_LIMIT_LOGIN="off",
            RATE_LIMIT_API_AUTH="off",
        )
    except ClusterUnavailable as error:
        pytest.skip(f"the cluster cannot run here: {error}")
    yield running
    running.stop()


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def expires_within(token: str, seconds: float) -> bool:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"] - time.time() < seconds


def public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def published_kids(url: str) -> list[str]:
    return [key["kid"] for key in requests.get(f"{url}/.well-known/jwks.json", timeout=10).json()["keys"]]


class Users:
    """Browsers and apps that stay logged in, and newcomers logging in; every answer recorded.

    They reach the instances in turn, as nginx would, skipping the one being reloaded (out of
    rotation, as a rolling restart takes it): a gthread worker that stops resets the requests
    on its idle keep-alive connections, which is no matter of keys. /members/ goes through nginx.
    """

    def __init__(self, cluster: Cluster) -> None:
        self.cluster, self.site, self.recorder = cluster, Site.of_cluster(cluster), Recorder()
        self.in_rotation = sorted(cluster.instances)
        self._turn = itertools.count()
        self.logouts: list[str] = []
        self.browsers = {account: self.browser_login(account) for account in BROWSER_ACCOUNTS}
        self.apps = {account: self.api_login(account) for account in API_ACCOUNTS}
        self.newcomers = 0

    def url(self) -> str:
        names = self.in_rotation  # replaced whole, never changed in place
        return self.cluster.instances[names[next(self._turn) % len(names)]]

    @contextmanager
    def out_of_rotation(self, name: str) -> Iterator[None]:
        self.in_rotation = [other for other in sorted(self.cluster.instances) if other != name]
        try:
            yield
        finally:
            self.in_rotation = sorted(self.cluster.instances)

    def steps(self) -> list[Callable[[], None]]:
        return [
            *(lambda account=account: self.browse(account) for account in BROWSER_ACCOUNTS),
            *(lambda account=account: self.call_api(account) for account in API_ACCOUNTS),
            self.log_in_anew,
        ]

    def browser_login(self, account: str) -> BrowserLogin:
        site = replace(self.site, url=self.url())
        session, callback_url = start_browser_login(site, self.recorder, account)
        if callback_url is None:
            return BrowserLogin(session, None)
        # The sandbox sends the browser back to nginx's address: the instance in turn answers instead.
        return finish_browser_login(site, self.recorder, session, callback_url.replace(self.site.url, self.url()))

    def api_login(self, account: str) -> dict:
        code = self.site.kakao_code(account)
        answer = self.recorder.send("POST /api/auth/kakao/", lambda: exchange_kakao_code(self.url(), code))
        assert answer is not None and answer.status_code == 200
        return answer.json()

    def browse(self, account: str) -> None:
        session = self.browsers[account].session
        page = self.recorder.send("GET /", lambda: session.get(f"{self.url()}/", timeout=10))
        if page is not None and (not logged_in(page) or "refresh_token" not in session.cookies):
            self.logouts.append(f"browser {account}")
            self.browsers[account] = self.browser_login(account)

    def call_api(self, account: str) -> None:
        tokens = self.apps[account]
        if expires_within(tokens["access"], 3):
            refreshed = self.recorder.send(
                "POST /api/auth/token/refresh/",
                lambda: requests.post(
                    f"{self.url()}/api/auth/token/refresh/", json={"refresh": tokens["refresh"]}, timeout=10
                ),
            )
            if refreshed is None or refreshed.status_code != 200:
                self.logouts.append(f"app {account}")
                self.apps[account] = self.api_login(account)
                return
            tokens.update(refreshed.json())
        headers = bearer(tokens["access"])
        self.recorder.send(
            "GET /api/auth/whoami/", lambda: requests.get(f"{self.url()}/api/auth/whoami/", headers=headers, timeout=10)
        )
        self.recorder.send(
            "GET /members/", lambda: requests.get(f"{self.site.url}/members/page", headers=headers, timeout=10)
        )

    def log_in_anew(self) -> None:
        login = self.browser_login("invalid-email")
        self.recorder.send("GET / after login", lambda: login.session.get(f"{self.url()}/", timeout=10))
        self.newcomers += 1

    def refresh_tokens(self) -> list[str]:
        return [login.refresh_token or "" for login in self.browsers.values()] + [
            t["refresh"] for t in self.apps.values()
        ]


def reload_each(cluster: Cluster, users: Users) -> None:
    for name in sorted(cluster.instances):
        with users.out_of_rotation(name):
            cluster.reload_instance(name)


def test_staged_key_change_under_traffic_fails_no_request_and_logs_nobody_out(cluster):
    directory = Path(cluster.directory)
    private_file, next_file, previous_file = (
        directory / name for name in ("jwt-private-key.pem", "jwt-next-public-keys.pem", "jwt-previous-public-keys.pem")
    )
    old_private, new_private = private_file.read_text(), generate_private_key_pem().decode()
    old_kid = published_kids(cluster.site_url)[0]
    users = Users(cluster)

    with Load(users.recorder, users.steps(), pause=0.3, rounds=2000):
        # 1. Publish. SIGHUP only replaces the workers of a preloaded app: it reads no file again.
        next_file.write_text(public_pem(new_private))
        with users.out_of_rotation("app1"):
            workers = cluster.worker_pids("app1")
            os.kill(cluster.pid("app1"), signal.SIGHUP)
            wait_until(
                lambda: cluster.worker_pids("app1") and not set(workers) & set(cluster.worker_pids("app1")),
                what="app1's workers replaced",
                seconds=60,
            )
            assert published_kids(cluster.instances["app1"]) == [old_kid]
        reload_each(cluster, users)
        new_kid = next(kid for kid in published_kids(cluster.site_url) if kid != old_kid)
        assert {name: published_kids(url) for name, url in cluster.instances.items()} == {
            "app1": [old_kid, new_kid],
            "app2": [old_kid, new_kid],
        }
        verifier_health = f"{cluster.verifier_url}/healthz"
        wait_until(
            lambda: requests.get(verifier_health, timeout=5).json()["keys"] == 2, what="the verifier", seconds=30
        )

        # 2. Switch, then wait until every user holds tokens of the new key.
        private_file.write_text(new_private)
        previous_file.write_text(public_pem(old_private))
        next_file.write_text("")
        reload_each(cluster, users)
        wait_until(
            lambda: all(kid_of(token) == new_kid for token in users.refresh_tokens()),
            what="every user's refresh token signed with the new key",
            seconds=REFRESH_LIFETIME + LEEWAY + 30,
        )

        # 3. Retire the old key; users go on for a few more rounds.
        previous_file.write_text("")
        reload_each(cluster, users)
        assert {name: published_kids(url) for name, url in cluster.instances.items()} == {
            "app1": [new_kid],
            "app2": [new_kid],
        }
        requests_before = len(users.recorder.samples)
        wait_until(lambda: len(users.recorder.samples) > requests_before + 30, what="more traffic", seconds=60)

    samples = users.recorder.samples
    failed = [sample for sample in samples if not sample.ok]
    pages = [sample for sample in samples if sample.kind.startswith("GET /")]
    figures = f"{len(samples)} requests, {users.newcomers} new logins, {len(pages)} page and API reads"
    upstream_errors = [
        line for line in (directory / "nginx" / "error.log").read_text().splitlines() if "upstream" in line
    ]
    assert (failures_seen(failed), users.logouts) == ("", []), f"{figures}; nginx: {upstream_errors[-6:]}"


def test_key_switched_on_one_instance_first_leaves_browsers_logged_in_on_the_other(cluster):
    # The order docs/jwt.md warns against: app1 signs with a key app2 was never given.
    directory = Path(cluster.directory)
    (directory / "jwt-private-key.pem").write_text(generate_private_key_pem().decode())
    cluster.reload_instance("app1")
    browsers = []
    for account in BROWSER_ACCOUNTS:
        browser = requests.Session()
        _start, callback_url = login_until_callback(browser, cluster.site_url, account=account)
        callback = browser.get(
            callback_url.replace(cluster.site_url, cluster.instances["app1"]), allow_redirects=False, timeout=20
        )
        assert callback.status_code == 302
        browsers.append(browser)

    on_app2 = [browser.get(f"{cluster.instances['app2']}/", timeout=10) for browser in browsers]
    cookies_kept = ["refresh_token" in browser.cookies and "access_token" in browser.cookies for browser in browsers]
    back_on_app1 = [browser.get(f"{cluster.instances['app1']}/", timeout=10) for browser in browsers]
    cluster.reload_instance("app2")  # the key change finished: both sign with the new key

    assert [logged_in(page) for page in on_app2] == [False] * len(browsers)  # app2 cannot tell who they are...
    assert cookies_kept == [True] * len(browsers)  # ...but does not log them out
    assert [logged_in(page) for page in back_on_app1] == [True] * len(browsers)
