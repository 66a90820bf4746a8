"""Limit login and token requests per client address, counted in the shared cache.

``settings.RATE_LIMITS`` maps a path prefix to a rate such as ``"30/m"``. Each prefix has
its own counter per client address and per fixed window (a minute for ``/m``). The
counters live in the Django cache, so every app instance behind the load balancer adds
to the same count: ten instances do not mean ten times the limit.

Over the limit the client gets 429 with ``Retry-After``: the site's error page, or JSON
under ``/api/``.
"""

import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"(?P<count>\d+)/(?P<multiplier>\d*)(?P<unit>[smhd])")


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
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hit(*, bucket: str, rate: Rate, now: float) -> int:
    """Count one request in ``bucket``; return 0 if allowed, else the seconds to wait."""
    window = int(now // rate.period)
    key = f"ratelimit:{bucket}:{window}"
    cache = caches[settings.RATE_LIMIT_CACHE]
    # add() creates the counter only if absent, so concurrent first requests don't reset
    # each other; incr() is atomic on Redis. The key outlives its window by a little.
    cache.add(key, 0, timeout=rate.period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=rate.period + 1)
        count = 1
    if count <= rate.count:
        return 0
    return max(1, math.ceil((window + 1) * rate.period - now))


class RateLimitMiddleware:
    """Answer 429 to a client over the limit of a rate-limited path prefix."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rule = limit_for(request.path)
        if rule is not None:
            prefix, rate = rule
            bucket = f"{prefix}:{client_address(request)}"
            try:
                retry_after = hit(bucket=bucket, rate=rate, now=time.time())
            except Exception:
                # A cache outage must not lock everyone out of logging in.
                logger.exception("Rate limit cache unavailable; letting the request through")
                retry_after = 0
            if retry_after:  # django.request logs the 429 itself
                return too_many_requests(request, retry_after)
        return self.get_response(request)


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
        response = JsonResponse({"error": "rate_limited", "detail": detail}, status=429)
    else:
        response = render(request, "error.html", {"status": 429, "retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
