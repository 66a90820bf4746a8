import logging
import os
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, connections
from django.http import HttpRequest
from django.test import override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from ratelimit import middleware as ratelimit
from ratelimit.middleware import Rate, client_address, hit, parse_rate
from ratelimit.models import RateLimitCounter

LOGIN = "/accounts/kakao/login/"
API_AUTH = "/api/auth/token/refresh/"
LIMITS = {"/accounts/kakao/login/": "3/m", "/api/auth/": "2/m"}
LOCAL_MEMORY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
DATABASE_CACHE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}

pytestmark = pytest.mark.django_db


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
    assert response.json() == {
        "detail": "Too many requests. Try again in 50 seconds.",
        "code": "rate_limited",
        "error": "rate_limited",
    }


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


@pytest.mark.parametrize(
    ("text", "rate"),
    [("30/m", Rate(30, 60)), ("5/10s", Rate(5, 10)), ("100/h", Rate(100, 3600)), ("1000/d", Rate(1000, 86400))],
)
def test_rates_are_read_from_their_short_form(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    "text", ["30", "30/min", "m/30", "-1/m", "5/0s", "٣/m", pytest.param("9" * 5000 + "/m", id="5000-digits/m")]
)
def test_malformed_rate_stops_with_a_message(text):
    with pytest.raises(ImproperlyConfigured, match="is not like"):
        parse_rate(text)


@given(st.one_of(st.text(), st.from_regex(r"\s*\d+/\d*[smhdSMHD]\s*", fullmatch=True)))
@example("1/0m")
@example("1" * 4301 + "/s")
def test_any_rate_text_gives_a_rate_or_a_configuration_error(text):
    try:
        rate = parse_rate(text)
    except ImproperlyConfigured:
        return
    assert rate is None or (rate.count >= 0 and rate.period >= 1)


def request_from(remote_addr: str, forwarded_for: str | None) -> HttpRequest:
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = remote_addr
    if forwarded_for is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return request


@given(
    remote_addr=st.one_of(st.text(), st.ip_addresses().map(str)),
    forwarded_for=st.one_of(st.none(), st.text(), st.lists(st.ip_addresses().map(str)).map(", ".join)),
    hops=st.integers(min_value=0, max_value=3),
)
@example(remote_addr="\x00", forwarded_for=None, hops=0)
@example(remote_addr="10.0.0.1", forwarded_for="fe80::1%" + "x" * 5000, hops=1)
def test_any_client_address_headers_give_a_short_printable_key(remote_addr, forwarded_for, hops):
    with override_settings(TRUSTED_PROXY_HOPS=hops):
        address = client_address(request_from(remote_addr, forwarded_for))

    # Short and printable ASCII: a key that every counter store (Redis, PostgreSQL text) accepts.
    assert 0 < len(address) <= 64
    assert address.isascii() and address.isprintable()


# The counter stores: each test that takes ``counters`` runs once per store the project supports.


@pytest.fixture
def database_counters():
    """Count in the database, with the cache table that `migrate` leaves in a production database."""
    with override_settings(CACHES={"default": LOCAL_MEMORY, "counters": DATABASE_CACHE}, RATE_LIMIT_CACHE="counters"):
        call_command("createcachetable")
        yield


@pytest.fixture
def redis_counters(redis_url):
    caches = {
        "default": LOCAL_MEMORY,
        "counters": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    with override_settings(CACHES=caches, RATE_LIMIT_CACHE="counters"):
        from django.core.cache import caches as cache_handler

        cache_handler["counters"].clear()
        yield


@pytest.fixture(params=["database", "redis"])
def counters(request):
    """Count in each store in turn: the database, Redis."""
    request.getfixturevalue(f"{request.param}_counters")
    return request.param


@pytest.mark.django_db(transaction=True)
@override_settings(RATE_LIMITS=LIMITS)
def test_requests_over_the_limit_are_refused_in_every_store(client, clock, counters):
    statuses = [client.get(LOGIN).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]


@pytest.mark.django_db(transaction=True)
@override_settings(RATE_LIMITS=LIMITS)
def test_limit_resets_in_the_next_window_in_every_store(client, clock, counters):
    get_many(client, LOGIN, 4)
    clock.now += 50

    assert client.get(LOGIN).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_last_second_of_a_window_waits_one_second_in_every_store(counters):
    rate = Rate(count=1, period=60)
    hit(bucket="edge", rate=rate, now=1_800_000_059.5)

    assert hit(bucket="edge", rate=rate, now=1_800_000_059.5) == 1
    assert hit(bucket="edge", rate=rate, now=1_800_000_060.0) == 0


@pytest.mark.django_db(transaction=True)
def test_a_clock_gone_back_to_an_earlier_window_counts_there_in_every_store(counters):
    rate = Rate(count=1, period=60)
    hit(bucket="skew", rate=rate, now=1_800_000_070.0)

    # A server whose clock is a minute behind counts in the window it believes in; its
    # answers stay well formed (never a negative or zero Retry-After).
    assert hit(bucket="skew", rate=rate, now=1_800_000_010.0) == 0
    assert hit(bucket="skew", rate=rate, now=1_800_000_010.0) == 50


def hit_at_once(threads: int, *, rate: Rate, now: float) -> list[int]:
    """Call hit() from ``threads`` threads released together; return their answers."""
    start = threading.Barrier(threads)
    answers = []

    def request():
        try:
            start.wait()
            answers.append(hit(bucket="race:198.51.100.1", rate=rate, now=now))
        finally:
            connections.close_all()  # this thread's own database connection

    workers = [threading.Thread(target=request) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_never_pass_the_limit_in_any_store(counters):
    answers = hit_at_once(40, rate=Rate(count=10, period=3600), now=time.time())

    assert len(answers) == 40
    assert answers.count(0) == 10


COUNTING_PROCESS = """
import sys

import django

django.setup()
from ratelimit.middleware import Rate, hit

now, hits = float(sys.argv[1]), int(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
print(*(hit(bucket="race:198.51.100.1", rate=Rate(count=10, period=3600), now=now) for _ in range(hits)), flush=True)
"""


def database_url(settings_dict: dict) -> str:
    """Return the DATABASE_URL of the test database, for processes of the real settings."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict["USER"]) + (f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else "")
    return f"postgres://{user}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_counted_in_the_database_never_pass_the_limit(database_counters):
    # Instances of the production settings without REDIS_URL: their cache is the database.
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "VAR_DIR": str(django_settings.VAR_DIR),
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": "",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTING_PROCESS, str(time.time()), "5"],
            cwd=django_settings.BASE_DIR,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        assert [process.stdout.readline() for process in processes] == ["ready\n"] * 4
        for process in processes:  # all loaded: let them count at once
            process.stdin.write("go\n")
            process.stdin.flush()
        answers = [int(answer) for process in processes for answer in process.communicate(timeout=60)[0].split()]
    finally:
        for process in processes:
            process.kill()

    assert len(answers) == 20
    assert answers.count(0) == 10


@pytest.mark.django_db(transaction=True)
def test_finished_windows_are_deleted_by_the_next_sweep(database_counters, monkeypatch):
    rate = Rate(count=5, period=60)
    hit(bucket="old", rate=rate, now=1_800_000_010.0)
    monkeypatch.setattr(ratelimit, "_next_sweep", 0.0)  # a minute has passed since this process swept
    hit(bucket="current", rate=rate, now=1_800_000_070.0)

    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["ratelimit:current:30000001"]


@pytest.mark.django_db(transaction=True)
@override_settings(RATE_LIMITS=LIMITS, TRUSTED_PROXY_HOPS=1)
def test_garbage_forwarded_for_is_still_counted_in_the_database(client, clock, database_counters):
    garbage = "\x00<script>" + "9" * 8000

    statuses = [client.get(LOGIN, headers={"x-forwarded-for": garbage}).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]


@pytest.fixture(params=["database", "redis"])
def broken_counters(request):
    """A counter store that is down: the database without the counters' table, Redis with nothing listening."""
    if request.param == "database":
        request.getfixturevalue("database_counters")
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE ratelimit_ratelimitcounter RENAME TO away")
        yield
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE away RENAME TO ratelimit_ratelimitcounter")
    else:
        redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "unix:///nonexistent/redis.sock"}
        with override_settings(CACHES={"default": LOCAL_MEMORY, "counters": redis}, RATE_LIMIT_CACHE="counters"):
            yield


@pytest.mark.django_db(transaction=True)
@override_settings(RATE_LIMITS=LIMITS)
def test_counter_store_down_lets_requests_through_with_one_log_line_each(client, clock, broken_counters, caplog):
    with caplog.at_level(logging.WARNING, logger="ratelimit.middleware"):
        statuses = [r.status_code for r in get_many(client, LOGIN, 5)]

    assert statuses == [302] * 5
    records = [record for record in caplog.records if record.name == "ratelimit.middleware"]
    assert len(records) == 5
    assert all(record.exc_info is None and "\n" not in record.getMessage() for record in records)
