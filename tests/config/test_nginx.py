"""nginx as scripts/cluster.sh configures it, in front of stand-in upstreams.

Which requests it replays on another instance when one dies: each upstream there reads the
request and closes the connection without an answer, as an instance killed mid-request
does; counting the requests the upstreams received shows whether nginx tried the next one.

What reaches the upstreams: the path nginx matched its location on, never the client's own
spelling, and no X-User-* header but the authorizer's.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.cluster.raw_http import raw_get
from tests.ports import free_port, wait_until_listening

BASE_DIR = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")

pytestmark = pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed")


@contextmanager
def nginx(blog: list[str], **env: str) -> Iterator[str]:
    """Run nginx, configured by scripts/cluster.sh, in front of the ``blog`` upstreams; yield its URL."""
    # Under /tmp with 0755, not pytest's folder: nginx's workers run as nobody.
    directory = Path(tempfile.mkdtemp(prefix="kakao-blog-nginx-"))
    directory.chmod(0o755)
    port = free_port()
    subprocess.run(
        [BASE_DIR / "scripts" / "cluster.sh", "nginx-conf", directory, str(port), *blog],
        env={**os.environ, **env},
        check=True,
        timeout=30,
    )
    conf = directory / "nginx"
    process = subprocess.Popen(
        [NGINX, "-p", conf, "-c", conf / "nginx.conf", "-e", conf / "error.log", "-g", "daemon off;"]
    )
    try:
        wait_until_listening(port, what="nginx", process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


class DyingInstance:
    """A listening socket that takes one request per connection and dies before answering."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _peer = self.listener.accept()
            except OSError:  # closed
                return
            with connection:
                received = connection.recv(65536)
                if received:
                    self.requests.append(received.split(b"\r\n", 1)[0].decode())

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy():
    """nginx in front of two instances that die mid-request."""
    instances = [DyingInstance(), DyingInstance()]
    with nginx([instance.address for instance in instances]) as site:
        yield site, instances
    for instance in instances:
        instance.close()


def tries(instances: list[DyingInstance]) -> int:
    return sum(len(instance.requests) for instance in instances)


@pytest.mark.parametrize(
    ("method", "path", "expected_tries"),
    [
        ("GET", "/", 2),
        ("GET", "/posts/1/", 2),
        ("GET", "/accounts/kakao/callback/?code=one-time&state=abc", 1),
        ("POST", "/api/auth/kakao/", 1),
        ("POST", "/posts/1/comments/", 1),
    ],
    ids=["page", "post", "callback", "api-login", "comment"],
)
def test_instance_dying_mid_request_is_replayed_on_the_next_only_for_safe_requests(proxy, method, path, expected_tries):
    site, instances = proxy

    response = requests.request(method, f"{site}{path}", data="{}", timeout=10)

    assert response.status_code == 502
    assert tries(instances) == expected_tries


class RecordingUpstream(ThreadingHTTPServer):
    """An upstream that keeps the target and X-User-* headers of each request; it answers 200, or as ``answer`` says."""

    daemon_threads = True

    def __init__(self, answer=None) -> None:
        self.received: list[tuple[str, str | None, str | None]] = []
        self.answer = answer or (lambda headers: (200, {}))
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.address = f"127.0.0.1:{self.server_port}"
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RecordingUpstream

    def do_GET(self) -> None:
        self.server.received.append((self.path, self.headers.get("X-User-Id"), self.headers.get("X-User-Roles")))
        status, headers = self.server.answer(self.headers)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def verify(headers) -> tuple[int, dict[str, str]]:
    """Answer as the token verifier: user 7, a reader, for "Bearer good"; 401 for anything else."""
    if headers.get("Authorization") == "Bearer good":
        return 200, {"X-User-Id": "7", "X-User-Roles": "reader"}
    return 401, {}


@pytest.fixture
def gateway():
    """nginx in front of a blog, a members service and a token verifier that all record what reached them."""
    blog, members, verifier = RecordingUpstream(), RecordingUpstream(), RecordingUpstream(verify)
    env = {"VERIFIER_UPSTREAM": verifier.address, "MEMBERS_UPSTREAM": members.address,
           "AUTHORIZER_RESULT_TTL_SECONDS": "0"}  # fmt: skip
    with nginx([blog.address], **env) as site:
        yield site, blog, members, verifier
    for upstream in (blog, members, verifier):
        upstream.close()


# One request to each location, then paths spelled to land in one location and read as another.
TARGETS = [
    "/posts/1/",
    "/accounts/kakao/callback/?code=c&state=s",
    "/members/page",
    "/public/page",
    "/members/../public/page",
    "/members/%2e%2e/public/page",
    "/members/%2E%2E%2fpublic/page",
    "/members//../public/page",
    "/posts/..%2fpublic/page?x=1",
    "/public/..%2fmembers/page",
    "/accounts/kakao/callback/../../../posts/1/",
]
FORGED = {"X-User-Id": "31337", "X-User-Roles": "forged-admin"}


def test_without_a_token_upstreams_get_the_matched_path_and_no_user(gateway):
    site, blog, members, verifier = gateway

    statuses = [raw_get(site, target, FORGED).status for target in TARGETS]

    assert statuses == [200, 200, 401, 200, 200, 200, 200, 200, 200, 401, 200]
    assert blog.received == [
        ("/posts/1/", None, None),
        ("/accounts/kakao/callback/?code=c&state=s", None, None),
        ("/posts/1/", None, None),
    ]
    assert members.received == [("/public/page", None, None)] * 5 + [("/public/page?x=1", None, None)]
    assert {(user_id, roles) for _path, user_id, roles in verifier.received} == {(None, None)}


def test_with_a_token_only_the_authorizer_names_the_user(gateway):
    site, _blog, members, verifier = gateway

    for target in TARGETS:
        raw_get(site, target, {**FORGED, "Authorization": "Bearer good"})

    assert sorted(set(members.received)) == [
        ("/members/page", "7", "reader"),
        ("/public/page", None, None),
        ("/public/page?x=1", None, None),
    ]
    assert {(user_id, roles) for _path, user_id, roles in verifier.received} == {(None, None)}
