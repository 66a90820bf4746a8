"""State that must not be forgotten before it expires: what was accepted once, and records users read.

A cache may drop an entry whenever it likes: Django's database cache culls a third of its rows
past ``MAX_ENTRIES``, Redis evicts under most ``maxmemory-policy`` settings. A replay check kept
in a cache lets the same request through twice once the site is busy enough. This store keeps
every entry until its expiry: a table of the database by default, or Redis when
``STATE_STORE_URL`` names one, and then only a Redis that keeps what it is told: it never
evicts (``noeviction``: a full one refuses writes, which become a 503, rather than forget),
has never evicted since it started, and writes every change to its append-only file, so that
a restart does not forget either. Asked in the same round trip as each command, so that a
Redis reconfigured while the site runs is refused from its next request on.

Keys are short ASCII names (``sigv4-seen:<signature>``); values are JSON.
"""

import json
import math
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.db import connections, router

from core.models import StateEntry

REDIS_KEY_PREFIX = "state:"
PURGE_INTERVAL_SECONDS = 60
_next_purge = 0.0  # time.monotonic() of this process's next purge of expired rows
_redis_clients: dict[str, redis.Redis] = {}


class StoreMayForget(redis.exceptions.ConnectionError):
    """A Redis that may lose keys before they expire: refused as if it were down (503), never trusted."""


def add(key: str, *, ttl: float, value: Any = None) -> bool:
    """Keep ``key`` for ``ttl`` seconds and return True, unless it is kept already: then return False.

    Atomic in every store: of two requests adding the same key at once, exactly one gets True.
    """
    client = _redis()
    if client is not None:
        return bool(
            _checked(
                client,
                lambda pipe: pipe.set(REDIS_KEY_PREFIX + key, json.dumps(value), nx=True, ex=_whole_seconds(ttl)),
            )
        )
    now = time.time()
    # One statement, so that no other writer comes between "is it there?" and "keep it": a row
    # that has expired but is not purged yet counts as absent and is taken over.
    rows = _execute(
        "INSERT INTO core_stateentry (key, value, expires_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at "
        "WHERE core_stateentry.expires_at <= %s RETURNING key",
        [key, json.dumps(value), now + ttl, now],
    )
    return bool(rows)


def put(key: str, value: Any, *, ttl: float) -> None:
    """Keep ``value`` under ``key`` for ``ttl`` seconds, replacing what was there."""
    client = _redis()
    if client is not None:
        _checked(client, lambda pipe: pipe.set(REDIS_KEY_PREFIX + key, json.dumps(value), ex=_whole_seconds(ttl)))
        return
    _execute(
        "INSERT INTO core_stateentry (key, value, expires_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
        [key, json.dumps(value), time.time() + ttl],
    )


def get(key: str) -> Any:
    """Return the value kept under ``key``, or None if there is none (or it expired)."""
    return get_many([key]).get(key)


def get_many(keys: list[str]) -> dict[str, Any]:
    """Return the values kept under those of ``keys`` that are kept, by key."""
    if not keys:
        return {}
    client = _redis()
    if client is not None:
        values = _checked(client, lambda pipe: pipe.mget([REDIS_KEY_PREFIX + key for key in keys]))
        return {key: json.loads(value) for key, value in zip(keys, values, strict=True) if value is not None}
    rows = StateEntry.objects.filter(key__in=keys, expires_at__gt=time.time()).values_list("key", "value")
    return {key: json.loads(value) for key, value in rows}


def purge_expired() -> int:
    """Delete the expired rows of the database store and return how many; Redis expires keys itself."""
    deleted, _ = StateEntry.objects.filter(expires_at__lte=time.time()).delete()
    return deleted


def require_keeps_keys(info: dict[str, Any]) -> None:
    """Raise StoreMayForget unless Redis's INFO says it keeps every key until it expires.

    INFO, not CONFIG GET, which managed Redis services often forbid.
    """
    if info.get("maxmemory_policy") != "noeviction":
        raise StoreMayForget(
            f"Redis maxmemory-policy is {info.get('maxmemory_policy')!r}: state (seen signatures, used tokens, "
            "counters) needs 'noeviction', or a busy Redis forgets it early and replays get through."
        )
    if info.get("evicted_keys", 0):
        raise StoreMayForget(
            f"Redis has evicted {info['evicted_keys']} keys since it started: seen signatures may be among them. "
            "Once it is set to noeviction, CONFIG RESETSTAT (or a restart) trusts it again."
        )
    if info.get("aof_enabled") != 1:
        raise StoreMayForget(
            "Redis keeps no append-only file: a restart would forget every seen signature. Set `appendonly yes` "
            "(and `appendfsync always` to lose nothing in a crash)."
        )


def _checked(client: redis.Redis, command: Callable[[redis.client.Pipeline], Any]) -> Any:
    # INFO travels in the same round trip: a Redis reconfigured since the last request is caught now.
    with client.pipeline(transaction=False) as pipe:
        pipe.info()
        command(pipe)
        info, result = pipe.execute()
    require_keeps_keys(info)
    return result


def _redis() -> redis.Redis | None:
    url = settings.STATE_STORE_URL
    if not url:
        return None
    client = _redis_clients.get(url)
    if client is None:
        timeout = settings.REDIS_TIMEOUT_SECONDS
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        _redis_clients[url] = client
    return client


def _whole_seconds(ttl: float) -> int:
    # Redis counts whole seconds: round up, so that nothing is forgotten before its time.
    return max(1, math.ceil(ttl))


def _execute(sql: str, params: list[Any]) -> list[tuple]:
    with connections[router.db_for_write(StateEntry)].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else []
    _purge_now_and_then()
    return rows


def _purge_now_and_then() -> None:
    # At most once a minute per process, on the monotonic clock (a wall clock set back must not
    # postpone it): each purge is a write, and on SQLite writes wait for one another.
    global _next_purge
    if time.monotonic() >= _next_purge:
        _next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
        purge_expired()
