import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from hypothesis import settings as hypothesis_settings

# Import the URLconf now, with the test settings' sandbox on as under `make run`: it is built
# once per process, and tests that switch KAKAO_SANDBOX off must not decide whether the
# sandbox's routes exist for every test after them.
import config.urls  # noqa: F401
from blog import services
from tests.ports import free_port, wait_until_listening

# Property tests draw the same examples on every run, so CI is deterministic; `make fuzz`
# (HYPOTHESIS_PROFILE=explore) draws new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, max_examples=2000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache, so rate-limit counts never leak between tests."""
    cache.clear()


@pytest.fixture
def live_server(live_server, settings):
    """pytest-django's live server, made this site's own address (SITE_URL) for the test.

    The redirect URI and, in sandbox mode, the Kakao endpoints are built from SITE_URL, so a
    login through the live server must come back to it.
    """
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def make_user(django_user_model):
    """Return a factory of local users: make_user("minji", nickname="민지")."""

    def make(username: str = "reader", **fields):
        fields.setdefault("nickname", username)
        return django_user_model.objects.create_user(username=username, **fields)

    return make


@pytest.fixture
def author(make_user):
    return make_user("author", nickname="작성자")


@pytest.fixture
def post(author):
    return services.post_create(author=author, title="첫 글", body="**안녕하세요**")


# Real-browser tests (tests/browser, tests/learn) share one headless Chromium per run:
# Playwright's sync API allows one instance per thread. It runs an event loop in the test
# thread; the ORM calls the tests make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis server of our own on loopback (Debian's redis-server): on REDIS_TEST_PORT, else a free port."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (scripts/ensure-packages.sh installs it)")
    port = int(os.environ.get("REDIS_TEST_PORT") or free_port())
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            # What the app asks of a Redis that holds state: an append-only file, no eviction.
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--maxmemory-policy",
            "noeviction",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, what="redis-server", process=process)
    except RuntimeError:
        process.kill()
        raise
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def dead_state_store(settings):
    """A state store in a Redis that nothing listens for: every use of it is an outage."""
    settings.STATE_STORE_URL = f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def busy_default_cache(settings):
    """The default cache a production site has without Redis (a database table), and a way to fill it.

    Django's database cache culls a third of its rows on each write past MAX_ENTRIES (300):
    whatever lived in it is gone after a few hundred other writes.
    """
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    }
    call_command("createcachetable")

    def fill(count: int) -> None:
        # The cull deletes the lowest keys first: "~" sorts after every key of ours, so ours go first.
        for number in range(count):
            cache.set(f"~pressure:{number}", number)

    return fill
