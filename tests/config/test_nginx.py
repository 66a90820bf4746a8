"""nginx as scripts/cluster.sh configures it: which requests it replays on another instance when one dies.

Each upstream here reads the request and closes the connection without an answer, as an
instance killed mid-request does. Counting the requests the upstreams received shows whether
nginx tried the next instance.
"""

import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
import requests

from tests.ports import free_port, wait_until_listening

BASE_DIR = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")

pytestmark = pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed")


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
    """nginx, configured by scripts/cluster.sh, in front of two instances that die mid-request."""
    # Under /tmp with 0755, not pytest's folder: nginx's workers run as nobody.
    directory = Path(tempfile.mkdtemp(prefix="kakao-blog-nginx-"))
    directory.chmod(0o755)
    instances = [DyingInstance(), DyingInstance()]
    port = free_port()
    subprocess.run(
        [BASE_DIR / "scripts" / "cluster.sh", "nginx-conf", directory, str(port), *(i.address for i in instances)],
        check=True,
        timeout=30,
    )
    conf = directory / "nginx"
    nginx = subprocess.Popen(
        [NGINX, "-p", conf, "-c", conf / "nginx.conf", "-e", conf / "error.log", "-g", "daemon off;"]
    )
    wait_until_listening(port, what="nginx", process=nginx)
    yield f"http://127.0.0.1:{port}", instances
    nginx.terminate()
    nginx.wait(timeout=10)
    for instance in instances:
        instance.close()
    shutil.rmtree(directory, ignore_errors=True)


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
