import shutil
import socket
import subprocess
import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from accounts import ratelimit
from accounts.ratelimit import Rate, hit, parse_rate

LOGIN = "/accounts/kakao/login/"
API_AUTH = "/api/auth/token/refresh/"
LIMITS = {"/accounts/kakao/login/": "3/m", "/api/auth/": "2/m"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock for the limiter: set ``clock.now`` to move time."""

    class Clock:
        now = 1_800_000_010.0  # 10 seconds after a minute boundary

    monkeypatch.setattr(ratelimit.time, "time", lambda: Clock.now)
    return Clock


def get_many(client, path, times, **extra):
    return [client.get(path, **extra) for _ in range(times)]


@override_settings(RATE_LIMITS=LIMITS)
def test_login_over_the_limit_shows_styled_429_page_with_retry_after(client, clock):
    allowed = get_many(client, LOGIN, 3)
    response = client.get(LOGIN, headers={"accept-language": "en"})

    assert [r.status_code for r in allowed] == [302, 302, 302]
    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    assert response["Content-Type"].startswith("text/html")
    assert b'class="site-header"' in response.content
    assert b"Too many attempts" in response.content
    assert b"Please wait 50 seconds" in response.content


@override_settings(RATE_LIMITS=LIMITS)
def test_api_auth_over_the_limit_answers_json_429(client, clock):
    get_many(client, API_AUTH, 2)
    response = client.post(API_AUTH, {"refresh": "x"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    assert response.json() == {"error": "rate_limited", "detail": "Too many requests. Try again in 50 seconds."}


@override_settings(RATE_LIMITS=LIMITS)
def test_limit_resets_in_the_next_window(client, clock):
    get_many(client, LOGIN, 4)
    clock.now += 50

    assert client.get(LOGIN).status_code == 302


@override_settings(RATE_LIMITS=LIMITS)
def test_paths_without_a_limit_are_never_refused(client, clock):
    responses = get_many(client, "/accounts/login/", 10)

    assert {r.status_code for r in responses} == {200}


@override_settings(RATE_LIMITS=LIMITS)
def test_each_prefix_counts_separately(client, clock):
    get_many(client, API_AUTH, 3)

    assert client.get(LOGIN).status_code == 302


@override_settings(RATE_LIMITS=LIMITS)
def test_each_client_address_has_its_own_count(client, clock):
    get_many(client, LOGIN, 4, REMOTE_ADDR="198.51.100.1")

    assert client.get(LOGIN, REMOTE_ADDR="198.51.100.2").status_code == 302
    assert client.get(LOGIN, REMOTE_ADDR="198.51.100.1").status_code == 429


@override_settings(RATE_LIMITS=LIMITS, TRUSTED_PROXY_HOPS=0)
def test_forwarded_for_is_ignored_without_trusted_proxies(client, clock):
    for n in range(3):
        client.get(LOGIN, headers={"x-forwarded-for": f"203.0.113.{n}"})

    assert client.get(LOGIN, headers={"x-forwarded-for": "203.0.113.99"}).status_code == 429


@override_settings(RATE_LIMITS=LIMITS, TRUSTED_PROXY_HOPS=1)
def test_forged_leftmost_forwarded_for_does_not_give_a_fresh_count(client, clock):
    # The client writes the left entries; our proxy appends the address it saw on the right.
    for n in range(3):
        client.get(LOGIN, headers={"x-forwarded-for": f"203.0.113.{n}, 198.51.100.7"})

    response = client.get(LOGIN, headers={"x-forwarded-for": "203.0.113.99, 198.51.100.7"})

    assert response.status_code == 429


@override_settings(RATE_LIMITS=LIMITS, TRUSTED_PROXY_HOPS=1)
def test_behind_one_proxy_clients_are_told_apart_by_the_address_it_appended(client, clock):
    get_many(client, LOGIN, 4, headers={"x-forwarded-for": "198.51.100.7"})

    assert client.get(LOGIN, headers={"x-forwarded-for": "198.51.100.8"}).status_code == 302


@override_settings(RATE_LIMITS=LIMITS)
def test_ipv6_clients_are_counted_per_64_network(client, clock):
    for n in range(3):
        client.get(LOGIN, REMOTE_ADDR=f"2001:db8:1:2::{n + 1}")

    assert client.get(LOGIN, REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 429
    assert client.get(LOGIN, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


@override_settings(RATE_LIMITS={"/accounts/kakao/login/": "off"})
def test_a_limit_set_to_off_lets_every_request_through(client, clock):
    responses = get_many(client, LOGIN, 40)

    assert {r.status_code for r in responses} == {302}


@override_settings(RATE_LIMITS=LIMITS)
def test_cache_outage_lets_requests_through(client, clock, monkeypatch):
    def broken_hit(**kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit, "hit", broken_hit)

    assert [r.status_code for r in get_many(client, LOGIN, 5)] == [302] * 5


@pytest.mark.parametrize(
    ("text", "rate"),
    [("30/m", Rate(30, 60)), ("5/10s", Rate(5, 10)), ("100/h", Rate(100, 3600)), ("1000/d", Rate(1000, 86400))],
)
def test_rates_are_read_from_their_short_form(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["30", "30/min", "m/30", "-1/m"])
def test_malformed_rate_stops_with_a_message(text):
    with pytest.raises(ImproperlyConfigured, match="is not like"):
        parse_rate(text)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A Redis server of our own on a free loopback port (Debian's redis-server)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (scripts/ensure-packages.sh installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.02)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_counters(redis_url):
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "counters": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    with override_settings(CACHES=caches, RATE_LIMIT_CACHE="counters"):
        from django.core.cache import caches as cache_handler

        assert type(cache_handler["counters"]).__name__ == "RedisCache"
        cache_handler["counters"].clear()
        yield


@override_settings(RATE_LIMITS=LIMITS)
def test_limit_counted_in_redis_refuses_the_request_over_it(client, clock, redis_counters):
    statuses = [client.get(LOGIN).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]


def test_concurrent_requests_counted_in_redis_never_pass_the_limit(redis_counters):
    rate = Rate(count=10, period=3600)
    now = time.time()
    answers = []
    start = threading.Barrier(25)

    def request():
        start.wait()
        answers.append(hit(bucket="race:198.51.100.1", rate=rate, now=now))

    threads = [threading.Thread(target=request) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers.count(0) == 10
