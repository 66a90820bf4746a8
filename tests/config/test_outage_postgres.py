"""PostgreSQL stopped under a production server (gunicorn, DEBUG=0): 503 with Retry-After, then 200 again.

The test brings its own PostgreSQL (scripts/pg-throwaway.sh), so it runs the same on SQLite
or PostgreSQL passes; CLUSTER_TESTS=0 skips it with the cluster test, which brings its own too.
"""

import glob
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from config.devfiles import generate_private_key_pem
from tests.ports import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
PG_THROWAWAY = BASE_DIR / "scripts" / "pg-throwaway.sh"
RETRY_AFTER = "5"

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("CLUSTER_TESTS") == "0",
        reason="CLUSTER_TESTS=0: tests with their own PostgreSQL ran in another pass",
    ),
    pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reason="PostgreSQL is not installed"),
]

# Migrate, seed, and print a post's id and an access token of its author.
SET_UP = """
import io
import django
django.setup()
from django.core.management import call_command
for command in ("migrate", "createcachetable", "seed_demo"):
    call_command(command, stdout=io.StringIO())
from tokens import families, tokens
from blog.models import Post
post = Post.objects.order_by("pk").first()
print(post.pk, families.issue_tokens(post.author).access)
"""


@dataclass
class Postgres:
    directory: Path
    port: int

    def start(self) -> None:
        subprocess.run([str(PG_THROWAWAY), "start", str(self.directory), str(self.port)], check=True, timeout=120)

    def stop(self) -> None:
        subprocess.run([str(PG_THROWAWAY), "stop", str(self.directory)], check=True, timeout=60)


@dataclass
class Server:
    url: str
    post_id: int
    access_token: str
    log: Path


@pytest.fixture(scope="module")
def postgres():
    # Under /tmp, not pytest's folder: the postgres user must reach it.
    database = Postgres(Path(tempfile.mkdtemp(prefix="kakao-blog-outage-pg-")), free_port())
    database.start()
    yield database
    database.stop()
    subprocess.run(["rm", "-rf", str(database.directory)], check=False)


@pytest.fixture(scope="module")
def server(postgres, tmp_path_factory):
    folder = tmp_path_factory.mktemp("outage-server")
    (folder / "jwt-private-key.pem").write_bytes(generate_private_key_pem())
    (folder / "static").mkdir()  # WhiteNoise serves nothing from it: outage_settings names static files as they are
    environment = {
        **{name: value for name, value in os.environ.items() if name in {"PATH", "HOME", "LANG", "TMPDIR"}},
        "DJANGO_SETTINGS_MODULE": "tests.config.outage_settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "KAKAO_CLIENT_ID": "outage-test-rest-api-key",
        "KAKAO_APP_ID": "1000001",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{postgres.port}/postgres",
        "JWT_PRIVATE_KEY_FILE": str(folder / "jwt-private-key.pem"),
        "STATIC_ROOT": str(folder / "static"),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "COOKIE_SECURE": "0",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
    }
    set_up = subprocess.run(
        [sys.executable, "-c", SET_UP], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )
    assert set_up.returncode == 0, set_up.stderr
    post_id, access_token = set_up.stdout.split()[-2:]
    port = free_port()
    log = folder / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                Path(sys.executable).with_name("gunicorn"),
                "--config",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{port}",
                "config.wsgi",
            ],
            cwd=BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/.well-known/jwks.json", timeout=2)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.1)
    yield Server(url, int(post_id), access_token, log)
    process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
    process.wait(timeout=30)


def answers(server: Server) -> dict[str, requests.Response]:
    """GET a page, a post, the post list and the caller's account, as a logged-in API client."""
    urls = ["/", f"/posts/{server.post_id}/", "/api/posts/", "/api/me/"]
    headers = {"Authorization": f"Bearer {server.access_token}"}
    return {url: requests.get(f"{server.url}{url}", headers=headers, timeout=10) for url in urls}


def statuses(answered: dict[str, requests.Response]) -> dict[str, tuple[int, str | None]]:
    return {url: (response.status_code, response.headers.get("Retry-After")) for url, response in answered.items()}


def test_stopped_postgres_gets_503_with_retry_after_then_200_once_it_is_back(postgres, server):
    before = answers(server)  # every thread now holds a persistent connection

    postgres.stop()
    down = answers(server)
    with ThreadPoolExecutor(8) as pool:  # a burst, as under load
        burst = [
            status
            for answered in pool.map(lambda _: statuses(answers(server)), range(10))
            for status in answered.values()
        ]
    last_failure = time.monotonic()
    postgres.start()
    up = answers(server)
    # The incident ends with a request that goes through once none failed for Retry-After seconds.
    time.sleep(max(0.0, int(RETRY_AFTER) + 0.5 - (time.monotonic() - last_failure)))
    requests.get(f"{server.url}/", timeout=10)

    assert statuses(before) == dict.fromkeys(before, (200, None))
    assert statuses(down) == dict.fromkeys(down, (503, RETRY_AFTER))
    assert set(burst) == {(503, RETRY_AFTER)}
    assert down["/api/me/"].json()["code"] == "service_unavailable"
    assert "잠시 후 돌아옵니다" in down["/"].text
    assert statuses(up) == dict.fromkeys(up, (200, None))
    log = server.log.read_text()
    assert log.count("The database is unavailable (OperationalError") == 1, log
    assert log.count("Available again: 44 requests answered 503") == 1, log
    assert "Traceback" not in log
    assert "Service Unavailable" not in log
