"""Limit login and token requests per client address, counted where every instance sees it.

``settings.RATE_LIMITS`` maps a path prefix to a rate such as ``"30/m"``. Each prefix has
its own counter per client address and per fixed window (a minute for ``/m``). Every app
instance behind the load balancer adds to the same counter, so ten instances do not mean
ten times the limit. The counter lives in Redis when ``settings.RATE_LIMIT_CACHE`` names a
RedisCache, else in a database table (``RateLimitCounter``). Either way one request adds one
in a single atomic step: requests that arrive together can never read the same old count.

Over the limit the client gets 429 with ``Retry-After``: the site's error page, or JSON
under ``/api/``. Password guesses are counted elsewhere (ratelimit/backends.py), before the
password is hashed; over their limit a view raises RateLimited and gets the same answer.
"""

import hashlib
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass

from django import db
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from core import state
from ratelimit.models import RateLimitCounter

logger = logging.getLogger(__name__)

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# ASCII digits, nine at most, no zero multiplier: whatever the text, parse_rate() either
# returns a usable Rate or raises ImproperlyConfigured (int() of 5,000 digits raises ValueError).
RATE_PATTERN = re.compile(r"(?P<count>\d{1,9})/(?P<multiplier>[1-9]\d{0,8})?(?P<unit>[smhd])", re.ASCII)
SWEEP_INTERVAL_SECONDS = 60
_next_sweep = 0.0  # time.monotonic() of this process's next sweep of finished windows


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests per ``period`` seconds."""

    count: int
    period: int


def parse_rate(text: str) -> Rate | None:
    """Return the Rate written as "30/m", "5/10s", "1000/d"; None for "" or "off" (no limit)."""
    text = text.strip().lower()
    if text in {"", "off", "0"}:
        return None
    match = RATE_PATTERN.fullmatch(text)
    if not match:
        raise ImproperlyConfigured(f'Rate "{text}" is not like "30/m", "5/10s", "100/h" or "off".')
    multiplier = int(match["multiplier"] or 1)
    return Rate(count=int(match["count"]), period=multiplier * UNIT_SECONDS[match["unit"]])


def client_address(request: HttpRequest) -> str:
    """Return the address to count this request against.

    Behind our own proxies (``TRUSTED_PROXY_HOPS`` of them) the client is the entry the
    outermost one appended to X-Forwarded-For, counted from the right. Entries further left
    were written by the client itself and prove nothing, so they are never used.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= hops and forwarded[-hops]:
            address = forwarded[-hops]
    return _network_of(address)


def _network_of(address: str) -> str:
    # One IPv6 subscriber usually holds a whole /64: counting single addresses would let
    # them pick a fresh one per request.
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        # Not an address (a misconfigured proxy, or garbage): a digest is a short, printable
        # key that Redis and PostgreSQL accept whatever the bytes were (NUL, say).
        return "invalid:" + hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hit(*, bucket: str, rate: Rate, now: float) -> int:
    """Count one request in ``bucket``; return 0 if allowed, else the seconds to wait."""
    window = int(now // rate.period)
    window_end = (window + 1) * rate.period
    count = count_request(f"ratelimit:{bucket}:{window}", expires_at=window_end, now=now)
    if count <= rate.count:
        return 0
    return max(1, math.ceil(window_end - now))


def hit_now(*, bucket: str, rate: Rate) -> int:
    """Count one request in ``bucket`` now, as hit() does; while the counters are down, let it through (0)."""
    try:
        return hit(bucket=bucket, rate=rate, now=time.time())
    except (db.Error, RedisError) as error:
        # An outage of the counters must not lock everyone out of logging in.
        logger.warning("Rate-limit counters unavailable, letting the request through: %r", error)
        return 0


def count_request(key: str, *, expires_at: int, now: float) -> int:
    """Add one to the counter ``key``, kept until ``expires_at``, and return its new value."""
    cache = caches[settings.RATE_LIMIT_CACHE]
    # A second past the window's end, measured from now: the store's clock need not match ours.
    lifetime = math.ceil(expires_at - now) + 1
    if isinstance(cache, RedisCache):
        return _count_in_redis(cache, key, lifetime)
    return _count_in_database(key, expires_at=expires_at, now=now)


def _count_in_redis(cache: RedisCache, key: str, lifetime: int) -> int:
    # Django's cache API has no "increment, creating the key with an expiry"; the redis-py
    # client behind RedisCache sends INCR and EXPIRE in one MULTI/EXEC round trip, and INFO:
    # counters are state, and a Redis that may evict or forget them would lift the limit.
    key = cache.make_and_validate_key(key)
    with cache._cache.get_client(key, write=True).pipeline() as pipeline:
        pipeline.info()
        pipeline.incr(key)
        pipeline.expire(key, lifetime)
        info, count, _ = pipeline.execute()
    state.require_keeps_keys(info)
    return count


def _count_in_database(key: str, *, expires_at: int, now: float) -> int:
    with db.connections[db.router.db_for_write(RateLimitCounter)].cursor() as cursor:
        # One upsert (SQLite >= 3.35, PostgreSQL) is the simplest correct counter: the database
        # locks the row between reading and writing the count, with no transaction or retry of ours.
        cursor.execute(
            "INSERT INTO ratelimit_ratelimitcounter (key, expires_at, count) VALUES (%s, %s, 1) "
            "ON CONFLICT (key) DO UPDATE SET count = ratelimit_ratelimitcounter.count + 1 RETURNING count",
            [key, expires_at],
        )
        (count,) = cursor.fetchone()
    _delete_finished_windows(now)
    return count


def purge_expired_counters() -> int:
    """Delete the database's counters of finished windows and return how many (Redis expires its own)."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lt=time.time()).delete()
    return deleted


def _delete_finished_windows(now: float) -> None:
    # At most once a minute per process, on the monotonic clock (a wall clock set back must
    # not postpone it): each sweep is a write, and on SQLite writes wait for one another.
    # Two threads that race here both sweep, which is harmless.
    global _next_sweep
    if time.monotonic() >= _next_sweep:
        _next_sweep = time.monotonic() + SWEEP_INTERVAL_SECONDS
        RateLimitCounter.objects.filter(expires_at__lt=now).delete()


class RateLimited(Exception):
    """Raised by code that counts for itself (password guesses): the client must wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


class RateLimitMiddleware:
    """Answer 429 to a client over the limit of a rate-limited path prefix, or when a view raises RateLimited."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rule = limit_for(request.path)
        if rule is not None:
            prefix, rate = rule
            retry_after = hit_now(bucket=f"{prefix}:{client_address(request)}", rate=rate)
            if retry_after:  # django.request logs the 429 itself
                return too_many_requests(request, retry_after)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception.retry_after)
        return None


def limit_for(path: str) -> tuple[str, Rate] | None:
    """Return the first (prefix, rate) of settings.RATE_LIMITS that covers ``path``."""
    for prefix, rate_text in settings.RATE_LIMITS.items():
        if path.startswith(prefix):
            rate = parse_rate(rate_text)
            return (prefix, rate) if rate else None
    return None


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """Return the 429 answer: JSON for the API, the site's error page otherwise."""
    if request.path.startswith("/api/"):
        detail = ngettext(
            "Too many requests. Try again in %(seconds)d second.",
            "Too many requests. Try again in %(seconds)d seconds.",
            retry_after,
        ) % {"seconds": retry_after}
        # "error" stays for clients written before every API error carried "code" (docs/api-errors.md).
        response = JsonResponse({"detail": detail, "code": "rate_limited", "error": "rate_limited"}, status=429)
    else:
        response = render(request, "error.html", {"status": 429, "retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
