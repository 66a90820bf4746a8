"""The state store keeps what it was told until it expires, in the database and in Redis, however busy."""

import io
import threading

import pytest
import redis
from django.core import checks
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from core import state
from core.models import StateEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch):
    """The store's wall clock, frozen: set ``clock.now`` to move time."""

    class Clock:
        now = 1_800_000_000.0

    monkeypatch.setattr(state.time, "time", lambda: Clock.now)
    return Clock


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", 0)
    client.config_set("appendonly", "yes")
    client.config_resetstat()
    client.close()


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    """Each store in turn: the database's table (SQLite here, PostgreSQL in CI's second pass), then Redis."""
    if request.param == "redis":
        request.getfixturevalue("redis_client")
        settings.STATE_STORE_URL = request.getfixturevalue("redis_url")
    else:
        settings.STATE_STORE_URL = ""
    return request.param


def test_a_key_is_added_once_then_refused(store):
    assert state.add("sigv4-seen:abc", ttl=300) is True
    assert state.add("sigv4-seen:abc", ttl=300) is False
    assert state.add("sigv4-seen:other", ttl=300) is True


def test_a_key_is_still_refused_after_ten_thousand_other_writes(store):
    state.add("sigv4-seen:first", ttl=300)

    with transaction.atomic():  # one commit, not ten thousand: the table sees the same rows
        for number in range(10_000):
            state.add(f"sigv4-seen:{number}", ttl=300)

    assert state.add("sigv4-seen:first", ttl=300) is False


def test_of_eight_threads_adding_one_key_exactly_one_wins(store):
    results = []
    start = threading.Barrier(8)

    def add():
        start.wait()
        results.append(state.add("kakao-id-token-used:same", ttl=300))

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 7 + [True]


def test_put_replaces_and_get_many_returns_only_kept_keys(store):
    state.put("login-flow:1", [{"step": 1}], ttl=300)
    state.put("login-flow:1", [{"step": 2}], ttl=300)
    state.put("login-flow:2", {"at": 1.5}, ttl=300)

    assert state.get("login-flow:1") == [{"step": 2}]
    assert state.get_many(["login-flow:1", "login-flow:2", "login-flow:3"]) == {
        "login-flow:1": [{"step": 2}],
        "login-flow:2": {"at": 1.5},
    }
    assert state.get("login-flow:3") is None


def test_redis_is_told_when_to_forget(settings, redis_client, redis_url):
    settings.STATE_STORE_URL = redis_url

    state.add("sigv4-seen:abc", ttl=299.2)

    assert 299 <= redis_client.ttl(state.REDIS_KEY_PREFIX + "sigv4-seen:abc") <= 300


def test_an_expired_entry_counts_as_absent_before_it_is_purged(settings, clock):
    settings.STATE_STORE_URL = ""
    state.add("sigv4-seen:abc", ttl=60)
    state.put("login-flow:1", "record", ttl=60)

    clock.now += 60

    assert state.get("login-flow:1") is None
    assert state.add("sigv4-seen:abc", ttl=60) is True
    assert state.add("sigv4-seen:abc", ttl=60) is False


def test_purge_deletes_expired_rows_only(settings, clock):
    settings.STATE_STORE_URL = ""
    state.add("old", ttl=10)
    state.add("new", ttl=100)
    clock.now += 50

    output = io.StringIO()
    call_command("purge_expired_state", stdout=output)

    assert list(StateEntry.objects.values_list("key", flat=True)) == ["new"]
    assert output.getvalue() == "Deleted 1 expired state entries.\n"


@pytest.mark.parametrize("policy", ["allkeys-lru", "volatile-lru", "volatile-ttl", "allkeys-random"])
def test_a_redis_that_may_evict_is_refused_as_down(settings, redis_client, redis_url, policy):
    redis_client.config_set("maxmemory-policy", policy)
    settings.STATE_STORE_URL = redis_url

    with pytest.raises(state.StoreMayForget, match=f"maxmemory-policy is '{policy}'"):
        state.add("sigv4-seen:abc", ttl=300)


def test_a_redis_switched_to_evicting_while_the_site_runs_is_refused_from_the_next_use(
    settings, redis_client, redis_url
):
    settings.STATE_STORE_URL = redis_url
    assert state.add("sigv4-seen:abc", ttl=300) is True

    redis_client.config_set("maxmemory-policy", "allkeys-lru")

    with pytest.raises(state.StoreMayForget):
        state.add("sigv4-seen:abc", ttl=300)


def test_a_redis_that_has_evicted_keys_is_refused_even_once_set_back_to_noeviction(settings, redis_client, redis_url):
    settings.STATE_STORE_URL = redis_url
    state.add("sigv4-seen:abc", ttl=300)
    redis_client.config_set("maxmemory-policy", "allkeys-lru")
    redis_client.config_set("maxmemory", redis_client.info("memory")["used_memory"] + 100_000)
    for number in range(100):  # a megabyte into a tenth of that: Redis evicts, the seen signature among others
        redis_client.set(f"junk:{number}", "x" * 10_000)
    assert redis_client.info("stats")["evicted_keys"] > 0
    redis_client.config_set("maxmemory", 0)
    redis_client.config_set("maxmemory-policy", "noeviction")

    with pytest.raises(state.StoreMayForget, match="evicted"):
        state.add("sigv4-seen:abc", ttl=300)


def test_a_redis_without_an_append_only_file_is_refused(settings, redis_client, redis_url):
    redis_client.config_set("appendonly", "no")
    settings.STATE_STORE_URL = redis_url

    with pytest.raises(state.StoreMayForget, match="append-only"):
        state.get("login-flow:1")


def test_check_names_a_redis_that_may_evict(settings, redis_client, redis_url):
    redis_client.config_set("maxmemory-policy", "allkeys-lru")
    settings.STATE_STORE_URL = redis_url

    found = checks.run_checks(tags=[checks.Tags.database], databases=["default"])

    assert [message.id for message in found if message.id.startswith("core.")] == ["core.E001"]


def test_check_passes_a_redis_that_never_evicts_and_the_database(settings, redis_url, redis_client):
    for url in (redis_url, ""):
        with override_settings(STATE_STORE_URL=url):
            found = checks.run_checks(tags=[checks.Tags.database], databases=["default"])
            assert [message.id for message in found if message.id.startswith("core.")] == []


def test_a_full_redis_refuses_the_write_rather_than_forget(settings, redis_client, redis_url):
    settings.STATE_STORE_URL = redis_url
    state.add("sigv4-seen:kept", ttl=300)
    redis_client.config_set("maxmemory", 1)  # noeviction: every write is refused now

    with pytest.raises(redis.exceptions.OutOfMemoryError):
        state.add("sigv4-seen:new", ttl=300)
    assert redis_client.exists(state.REDIS_KEY_PREFIX + "sigv4-seen:kept") == 1
