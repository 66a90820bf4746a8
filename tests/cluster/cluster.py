"""Drive scripts/cluster.sh from Python, and log in through it as a browser would.

Shared by tests/cluster/test_cluster.py, tests/faults/ and the bench/ scripts. Only HTTP
and processes: nothing here imports the blog's code. Besides starting and stopping the
whole cluster, it can break one part of it and mend it again: stop and start PostgreSQL or
Redis, stop or kill one instance.
"""

import base64
import hashlib
import os
import re
import secrets
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

from tests.ports import free_port, wait_until_listening

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster.sh"
PACKAGE_MISSING = 3  # cluster.sh's exit status when nginx (or Redis) cannot be installed


class ClusterUnavailable(RuntimeError):
    """A Debian package the cluster needs is not installed here and could not be installed."""


@dataclass
class Cluster:
    """A running cluster: its folder, nginx's URL, the sandbox's and each instance's."""

    directory: Path
    site_url: str = ""
    sandbox_url: str = ""
    database_url: str = ""
    client_id: str = ""
    redirect_uri: str = ""
    instances: dict[str, str] = field(default_factory=dict)
    verifier_url: str = ""  # python -m verifier, nginx's authorizer for /members/
    members_url: str = ""  # python -m verifier.members_demo, reached directly only for its /_seen count
    authorizer_ttl: int = 0

    @classmethod
    def start(cls, **env: str) -> "Cluster":
        """Start a cluster under a new folder in /tmp (others' processes must reach it)."""
        directory = Path(tempfile.mkdtemp(prefix="kakao-blog-cluster-"))
        cluster = cls(directory)
        result = subprocess.run(
            [str(SCRIPT), "start", str(directory)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if result.returncode == PACKAGE_MISSING:
            raise ClusterUnavailable(result.stderr.strip())
        if result.returncode != 0:
            raise RuntimeError(f"cluster.sh start failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        values = dict(line.split("=", 1) for line in (directory / "cluster.env").read_text().splitlines())
        cluster.site_url = values["SITE_URL"]
        cluster.sandbox_url = values["SANDBOX_URL"]
        cluster.database_url = values["DATABASE_URL"]
        cluster.client_id = values["KAKAO_CLIENT_ID"]
        cluster.redirect_uri = values["KAKAO_REDIRECT_URI"]
        cluster.instances = {k.removeprefix("INSTANCE_"): v for k, v in values.items() if k.startswith("INSTANCE_")}
        cluster.verifier_url = values["VERIFIER_URL"]
        cluster.members_url = values["MEMBERS_URL"]
        cluster.authorizer_ttl = int(values["AUTHORIZER_RESULT_TTL_SECONDS"])
        return cluster

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", str(self.directory)], timeout=120, check=False)
        subprocess.run(["rm", "-rf", str(self.directory)], check=False)

    def stop_instance(self, name: str) -> None:
        """Stop one gunicorn instance (quick shutdown) and wait until it is gone."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGINT)
        _wait_until_gone([pid], what=name)

    def kill_instance(self, name: str) -> None:
        """SIGKILL one gunicorn instance, master and workers at once, as a crash or the OOM killer would."""
        pid = self.pid(name)
        processes = [pid, *self.worker_pids(name)]
        # cluster.sh starts each instance in a session of its own: its process group is the instance.
        os.killpg(pid, signal.SIGKILL)
        _wait_until_gone(processes, what=name)

    def start_extra_instance(self, name: str, *, wrapper: Sequence[str] = (), **env: str) -> "ExtraInstance":
        """Start one more gunicorn on the cluster's database, outside nginx, with some settings changed.

        ``wrapper`` runs it under another program: ``("faketime", "-f", "+5s")`` sets its clock 5 s ahead.
        """
        port = free_port()
        log = open(self.directory / f"{name}.log", "w")  # noqa: SIM115 - the process writes to it until stopped
        process = subprocess.Popen(
            [*wrapper, str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "config/gunicorn.py",
             "--bind", f"127.0.0.1:{port}", "config.wsgi"],
            cwd=ROOT,
            env={**os.environ, **self.environment(), "INSTANCE_NAME": name, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        wait_until_listening(port, what=name, process=process, seconds=60)
        return ExtraInstance(f"http://127.0.0.1:{port}", process)

    def restart_rolling(self) -> None:
        """Restart every instance in turn, as docs/production.md deploys (scripts/cluster.sh restart-rolling)."""
        result = subprocess.run(
            [str(SCRIPT), "restart-rolling", str(self.directory)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"cluster.sh restart-rolling failed ({result.returncode}):\n{result.stderr}")

    @contextmanager
    def out_of_rotation(self, name: str) -> Iterator[None]:
        """Keep one instance out of nginx's rotation meanwhile (scripts/cluster.sh drain), then put it back."""
        self._drain(name)
        try:
            yield
        finally:
            self._drain()

    def _drain(self, *name: str) -> None:
        result = subprocess.run(
            [str(SCRIPT), "drain", str(self.directory), *name], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"cluster.sh drain failed ({result.returncode}):\n{result.stderr}")

    def booted_workers(self, name: str) -> list[int]:
        """Return the pid of every worker the instance has started, in order, from gunicorn's log."""
        return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.log(name))]

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text()

    def reload_instance(self, name: str, *, seconds: float = 90) -> None:
        """Reload one instance as docs/production.md says: USR2, then TERM the old master once the new one serves.

        USR2 makes gunicorn start a new master (settings, key files and code read anew) beside the old
        one, on the same listening socket; TERM lets the old workers finish their requests. No
        connection is refused meanwhile. DIR/NAME.pid names the new master afterwards.
        """
        old = self.pid(name)
        deadline = time.monotonic() + seconds
        new = None
        while new is None:
            # A master that took over from another one ignores USR2 until it sees that one gone (about 1 s).
            os.kill(old, signal.SIGUSR2)
            attempt_ends = min(deadline, time.monotonic() + 5)
            while new is None and time.monotonic() < attempt_ends:
                new = _reexec_child(old)
                time.sleep(0.05)
            if time.monotonic() >= deadline and new is None:
                raise RuntimeError(f"{name} started no new master after USR2")
        while not _children(new):  # its workers (the app is loaded in the master before they fork)
            if time.monotonic() > deadline or not _alive(new):
                raise RuntimeError(f"{name}'s new master started no worker")
            time.sleep(0.05)
        os.kill(old, signal.SIGTERM)
        _wait_until_gone([old], what=f"{name}'s old master", seconds=max(1.0, deadline - time.monotonic()))
        (self.directory / f"{name}.pid").write_text(f"{new}\n")

    def stop_process(self, name: str) -> "ProcessSpec":
        """Stop the process of DIR/NAME.pid (an instance, the verifier) gracefully; return how to start it again."""
        pid = self.pid(name)
        spec = ProcessSpec.of(pid)
        processes = [pid, *_children(pid)]
        os.kill(pid, signal.SIGTERM)
        _wait_until_gone(processes, what=name, seconds=40)
        return spec

    def start_process(self, name: str, spec: "ProcessSpec", *, port: int) -> None:
        """Start a stopped process again as it ran (a session of its own, its log appended); return once it listens."""
        with open(self.directory / f"{name}.log", "a") as log:
            process = subprocess.Popen(
                spec.argv, cwd=spec.cwd, env=spec.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        (self.directory / f"{name}.pid").write_text(f"{process.pid}\n")
        wait_until_listening(port, what=name, process=process, seconds=60)

    def stop_verifier(self) -> None:
        """Stop the token verifier nginx asks about /members/, and wait until it is gone."""
        pid = int((self.directory / "verifier.pid").read_text())
        os.kill(pid, signal.SIGTERM)  # started in the background by cluster.sh, it ignores SIGINT
        _wait_until_gone([pid], what="verifier")

    def pid(self, name: str) -> int:
        return int((self.directory / f"{name}.pid").read_text())

    def running(self, name: str) -> bool:
        return _alive(self.pid(name))

    def worker_pids(self, name: str) -> list[int]:
        """Return the pids of an instance's gunicorn workers (the master's children)."""
        return _children(self.pid(name))

    def environment(self) -> dict[str, str]:
        """Return the instances' environment that cluster.sh wrote to DIR/app.env."""
        env = {}
        for line in (self.directory / "app.env").read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0] if value else ""
        return env

    def stop_postgres(self) -> None:
        """Stop the cluster's PostgreSQL at once (fast shutdown: open connections are cut)."""
        data = self.directory / "pg" / "data"
        _as_postgres([str(_pg_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])

    def start_postgres(self) -> None:
        """Start the stopped PostgreSQL again, as it ran before; return once it accepts connections."""
        data = self.directory / "pg" / "data"
        # PostgreSQL writes the command line it was started with to postmaster.opts: reuse its options.
        arguments = shlex.split((data / "postmaster.opts").read_text())[1:]  # without the program
        data_option = arguments.index("-D")  # pg_ctl passes -D itself
        options = arguments[:data_option] + arguments[data_option + 2 :]
        _as_postgres(
            [
                str(_pg_bin() / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.directory / "pg" / "server.log"),
                "-w",
                "-o",
                shlex.join(options),
                "start",
            ]
        )

    def stop_redis(self) -> None:
        """Stop the cluster's Redis (CLUSTER_REDIS=1) and wait until it is gone."""
        pid = int((self.directory / "redis.pid").read_text())
        os.kill(pid, signal.SIGTERM)
        _wait_until_gone([pid], what="redis")

    def start_redis(self) -> None:
        """Start Redis again on its port and folder, as cluster.sh did (its append-only file kept what it held)."""
        port = urlsplit(self.environment()["REDIS_URL"]).port
        # Redis puts itself in the background and writes the pid file that cluster.sh stop reads.
        options = (
            f"--bind 127.0.0.1 --port {port} --save '' --dir {self.directory} --appendonly yes --appendfsync always "
            "--maxmemory-policy noeviction --daemonize yes"
        )
        subprocess.run(
            [
                "/usr/bin/redis-server",
                *shlex.split(options),
                *("--pidfile", str(self.directory / "redis.pid"), "--logfile", str(self.directory / "redis.log")),
            ],
            check=True,
            timeout=30,
        )
        wait_until_listening(port, what="redis", seconds=15)


@dataclass(frozen=True)
class ProcessSpec:
    """A running process's command line, environment and folder, read from /proc."""

    argv: list[str]
    env: dict[str, str]
    cwd: str

    # What gunicorn hands a master it re-executes (USR2): a fresh start must open its own socket.
    INHERITED = ("GUNICORN_FD", "GUNICORN_PID", "LISTEN_FDS", "LISTEN_PID")

    @classmethod
    def of(cls, pid: int) -> "ProcessSpec":
        proc = Path(f"/proc/{pid}")
        argv = [part.decode() for part in (proc / "cmdline").read_bytes().split(b"\0") if part]
        pairs = [part.decode().partition("=") for part in (proc / "environ").read_bytes().split(b"\0") if part]
        env = {name: value for name, _, value in pairs if name not in cls.INHERITED}
        return cls(argv, env, os.readlink(proc / "cwd"))


@dataclass
class ExtraInstance:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)


def _pg_bin() -> Path:
    """Return the newest installed PostgreSQL's bin folder, as scripts/pg-throwaway.sh picks it."""
    return max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))


def _as_postgres(command: list[str]) -> None:
    # PostgreSQL refuses to run as root; scripts/pg-throwaway.sh made its files the postgres user's.
    prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _reexec_child(master: int) -> int | None:
    """Return the new master gunicorn started on USR2: the child it told its own pid in GUNICORN_PID."""
    for child in _children(master):
        try:
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if f"GUNICORN_PID={master}".encode() in environ:
            return child
    return None


def _wait_until_gone(pids: list[int], *, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    if any(_alive(pid) for pid in pids):
        raise RuntimeError(f"{what} did not stop")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


class _ConsentForm(HTMLParser):
    """Collect the consent form's action, hidden fields and the test accounts offered."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.accounts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio" and a.get("name") == "account":
            self.accounts.append(a["value"])


@dataclass
class BrowserLogin:
    """What a browser saw logging in: who answered the start and the callback, and where it landed."""

    start_instance: str
    callback_instance: str
    callback_status: int
    landed_on: str


def consent(session: requests.Session, authorize_url: str, *, account: str | None = None) -> str:
    """Agree on the sandbox's consent page; return where the sandbox sends the browser back."""
    page = session.get(authorize_url, timeout=10)
    page.raise_for_status()
    form = _ConsentForm()
    form.feed(page.text)
    if not form.accounts or "csrfmiddlewaretoken" not in form.fields:
        raise AssertionError("the sandbox's consent page has no account choice or CSRF token")
    data = {**form.fields, "account": account or form.accounts[0], "action": "agree"}
    answer = session.post(urljoin(authorize_url, form.action), data=data, allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        raise AssertionError(f"the sandbox answered {answer.status_code} to consent")
    return answer.headers["Location"]


def browser_login(
    session: requests.Session, site_url: str, *, next_path: str = "/", account: str | None = None
) -> BrowserLogin:
    """Log in with Kakao through nginx, following every redirect by hand."""
    start, callback_url = login_until_callback(session, site_url, next_path=next_path, account=account)
    callback = session.get(callback_url, allow_redirects=False, timeout=20)
    return BrowserLogin(
        start_instance=start.headers.get("X-Instance", ""),
        callback_instance=callback.headers.get("X-Instance", ""),
        callback_status=callback.status_code,
        landed_on=callback.headers.get("Location", ""),
    )


def login_until_callback(
    session: requests.Session, site_url: str, *, next_path: str = "/", account: str | None = None
) -> tuple[requests.Response, str]:
    """Start a login and consent at the sandbox; return the start's response and the callback URL."""
    start = session.get(
        f"{site_url}/accounts/kakao/login/", params={"next": next_path}, allow_redirects=False, timeout=10
    )
    if start.status_code != 302:
        raise AssertionError(f"starting the login answered {start.status_code}")
    callback_url = consent(session, start.headers["Location"], account=account)
    if not callback_url.startswith(f"{site_url}/accounts/kakao/callback/") or "code" not in parse_qs(
        urlsplit(callback_url).query
    ):
        raise AssertionError("the sandbox did not send the browser back to our callback with a code")
    return start, callback_url


@dataclass(frozen=True)
class KakaoCode:
    """An authorization code from the sandbox, with the PKCE verifier and redirect URI it was issued for."""

    code: str
    code_verifier: str
    redirect_uri: str


def kakao_code(*, sandbox_url: str, client_id: str, redirect_uri: str, account: str | None = None) -> KakaoCode:
    """Consent at the sandbox as an SPA with PKCE would; return the authorization code it sends back."""
    code_verifier = secrets.token_urlsafe(64)
    code_challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": secrets.token_urlsafe(16),
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    with requests.Session() as session:
        back = consent(session, f"{sandbox_url}/oauth/authorize?{query}", account=account)
    return KakaoCode(parse_qs(urlsplit(back).query)["code"][0], code_verifier, redirect_uri)


def exchange_kakao_code(site_url: str, kakao: KakaoCode, *, timeout: float = 20) -> requests.Response:
    """Trade a Kakao authorization code for our JWTs at /api/auth/kakao/; return the answer as it is."""
    return requests.post(
        f"{site_url}/api/auth/kakao/",
        json={"code": kakao.code, "redirect_uri": kakao.redirect_uri, "code_verifier": kakao.code_verifier},
        timeout=timeout,
    )


def api_login(cluster: Cluster, *, account: str | None = None) -> dict:
    """Log in as an app would (an SPA with PKCE): a code from the sandbox, exchanged at /api/auth/kakao/.

    Return the API's answer: {"access", "refresh", "user"}.
    """
    code = kakao_code(
        sandbox_url=cluster.sandbox_url, client_id=cluster.client_id, redirect_uri=cluster.redirect_uri, account=account
    )
    answer = exchange_kakao_code(cluster.site_url, code)
    if answer.status_code != 200:
        raise AssertionError(f"/api/auth/kakao/ answered {answer.status_code}: {answer.text[:200]}")
    return answer.json()


def instance_of(response: requests.Response) -> str:
    return response.headers.get("X-Instance", "")


def csrf_token_of(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise AssertionError("no CSRF token in the page")
    return match[1]
