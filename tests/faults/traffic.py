"""Users, as threads: they send requests, log in with Kakao, and every answer they get is recorded.

Only HTTP: this works against the cluster through nginx as well as against the test's own
live server. Each request is a Sample; the summaries below turn samples into the fault
table's cells.
"""

import base64
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import requests

from tests.cluster.cluster import Cluster, KakaoCode, consent, exchange_kakao_code, kakao_code

T = TypeVar("T")
LOGGED_IN_MARK = 'action="/accounts/logout/"'  # the logout form in the header of every page
SANDBOX_CLIENT_ID = "sandbox-rest-api-key"  # the key the sandbox mounted in the blog expects (DEBUG=1)


@dataclass(frozen=True)
class Site:
    """A blog to send users to, and the Kakao sandbox it trusts."""

    url: str
    sandbox_url: str
    client_id: str
    redirect_uri: str

    @classmethod
    def of_cluster(cls, cluster: Cluster) -> "Site":
        return cls(cluster.site_url, cluster.sandbox_url, cluster.client_id, cluster.redirect_uri)

    @classmethod
    def of_live_server(cls, url: str) -> "Site":
        """The test's live server in development mode: the sandbox is mounted in the blog itself."""
        return cls(url, f"{url}/sandbox/kakao", SANDBOX_CLIENT_ID, f"{url}/accounts/kakao/callback/")

    def kakao_code(self, account: str) -> KakaoCode:
        return kakao_code(
            sandbox_url=self.sandbox_url, client_id=self.client_id, redirect_uri=self.redirect_uri, account=account
        )


@dataclass(frozen=True)
class Sample:
    """One request and its answer, or the error that took its place."""

    kind: str  # "GET /api/me/": method and path pattern
    started: float  # time.monotonic()
    ended: float
    status: int | None  # None: no HTTP answer at all
    error: str = ""
    content_type: str = ""
    retry_after: str | None = None
    instance: str = ""
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status is not None else self.error

    @property
    def shape(self) -> str:
        """Return what the body was, as a user or an app would tell: JSON, an HTML page, or nothing."""
        if self.status is None:
            return "no answer"
        if self.content_type.startswith("application/json"):
            return "JSON"
        return "HTML" if self.content_type.startswith("text/html") else self.content_type or "empty"


class Recorder:
    """Send requests and keep a Sample of each; safe to share between threads."""

    def __init__(self) -> None:
        self._samples: list[Sample] = []
        self._lock = threading.Lock()

    def send(self, kind: str, call: Callable[[], requests.Response]) -> requests.Response | None:
        """Run ``call`` (one request with a timeout); record its answer; None when there was none."""
        started = time.monotonic()
        try:
            response = call()
        except requests.RequestException as error:
            self.add(Sample(kind, started, time.monotonic(), None, error=type(error).__name__))
            return None
        sample = Sample(
            kind,
            started,
            time.monotonic(),
            response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            retry_after=response.headers.get("Retry-After"),
            instance=response.headers.get("X-Instance", ""),
            text=response.text[:4000],
        )
        self.add(sample)
        return response

    def add(self, sample: Sample) -> None:
        with self._lock:
            self._samples.append(sample)

    @property
    def samples(self) -> list[Sample]:
        with self._lock:
            return list(self._samples)


class Load:
    """A few users, each a thread repeating its step until stopped: bounded in time and in rounds."""

    def __init__(self, recorder: Recorder, steps: Iterable[Callable[[], None]], *, pause: float, rounds: int) -> None:
        self.recorder, self.pause, self.rounds = recorder, pause, rounds
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._repeat, args=(step,), daemon=True) for step in steps]

    def _repeat(self, step: Callable[[], None]) -> None:
        for _round in range(self.rounds):
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                step()
            except Exception as error:  # a user whose step broke shows up in the table, and keeps going
                self.recorder.add(Sample("step", started, time.monotonic(), None, error=f"{type(error).__name__}"))
            self._stop.wait(self.pause)

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def at_once(calls: list[Callable[[], T]], *, timeout: float = 30) -> list[T]:
    """Run ``calls`` in threads released together by a barrier; return their results in order."""
    barrier = threading.Barrier(len(calls), timeout=timeout)

    def released(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        return [future.result(timeout=timeout) for future in futures]


@dataclass
class BrowserLogin:
    """A browser that went through the Kakao login: its cookies, and the callback's answer."""

    session: requests.Session
    callback: requests.Response | None

    @property
    def refresh_token(self) -> str | None:
        return self.session.cookies.get("refresh_token")

    @property
    def succeeded(self) -> bool:
        return self.callback is not None and self.callback.status_code == 302 and self.refresh_token is not None


def start_browser_login(site: Site, recorder: Recorder, account: str) -> tuple[requests.Session, str | None]:
    """Press "Log in with Kakao" and consent at the sandbox; return the browser and its callback URL (None if refused)."""
    session = requests.Session()
    start = recorder.send(
        "GET /accounts/kakao/login/",
        lambda: session.get(
            f"{site.url}/accounts/kakao/login/", params={"next": "/"}, allow_redirects=False, timeout=10
        ),
    )
    if start is None or start.status_code != 302:
        return session, None
    return session, consent(session, start.headers["Location"], account=account)


def finish_browser_login(site: Site, recorder: Recorder, session: requests.Session, callback_url: str) -> BrowserLogin:
    callback = recorder.send(
        "GET /accounts/kakao/callback/", lambda: session.get(callback_url, allow_redirects=False, timeout=20)
    )
    return BrowserLogin(session, callback)


def browser_login(site: Site, recorder: Recorder, account: str) -> BrowserLogin:
    """Log in as a browser does, the sandbox's consent included (its requests are not recorded)."""
    session, callback_url = start_browser_login(site, recorder, account)
    if callback_url is None:
        return BrowserLogin(session, None)
    return finish_browser_login(site, recorder, session, callback_url)


def api_login(site: Site, recorder: Recorder, account: str) -> requests.Response | None:
    """Log in as an SPA does: a code from the sandbox (not recorded), traded at /api/auth/kakao/."""
    code = site.kakao_code(account)
    return recorder.send("POST /api/auth/kakao/", lambda: exchange_kakao_code(site.url, code))


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def family_of(refresh_token: str) -> str:
    """Return the refresh-token family a token belongs to (its "fam" claim; the signature is not checked)."""
    payload = refresh_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["fam"]


def logged_in(page: requests.Response | None) -> bool:
    return page is not None and page.status_code == 200 and LOGGED_IN_MARK in page.text


def failed_by_status(samples: Iterable[Sample]) -> dict[str, int]:
    return dict(Counter(sample.outcome for sample in samples if not sample.ok))


def failures_seen(samples: Iterable[Sample]) -> str:
    """Describe the failed answers as their users met them: "GET /api/me/ 500 HTML x12; GET / 503 HTML x4"."""
    seen = Counter((sample.kind, sample.outcome, sample.shape) for sample in samples if not sample.ok)
    return "; ".join(f"{kind} {outcome} {shape} x{count}" for (kind, outcome, shape), count in sorted(seen.items()))
