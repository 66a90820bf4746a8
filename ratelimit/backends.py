"""Password guesses, counted before the password is hashed: per client address and per username.

Each guess costs the server a PBKDF2 hash of half a second or more, and the only accounts
with passwords are staff: unlimited, that is free guessing at the keys to the admin and a
cheap way to keep every CPU busy. The limiter of ratelimit/middleware.py counts them here,
in the authentication backend, so every way of logging in with a password is covered: the
admin's login and anything else that calls ``django.contrib.auth.authenticate()``.
"""

import hashlib
import time

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from ratelimit.middleware import RateLimited, client_address, hit, parse_rate


class PasswordRateLimitBackend(ModelBackend):
    """ModelBackend hashes every password it is given, as fast as clients send them: this counts each guess first."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and password is not None:
            count_password_guess(request=request, username=username)
        return super().authenticate(request, username=username, password=password, **kwargs)


def count_password_guess(*, request: HttpRequest | None, username: str) -> None:
    """Count one guess from this client's address and one for this username; raise RateLimited over either limit.

    The address is counted first, and a guess it refuses is not counted for the username: one
    address alone cannot lock anyone out, and a lock-out from many lasts until the window ends.
    Every username is counted alike, existing or not, so a 429 never says which ones exist.
    Unlike the limits on Kakao logins, these fail closed: while the counters are down, password
    logins answer 503 rather than let guesses through unlimited.
    """
    limits = settings.PASSWORD_RATE_LIMITS
    buckets = [(f"password-username:{_digest(username)}", limits["username"])]
    if request is not None:
        buckets.insert(0, (f"password-address:{client_address(request)}", limits["address"]))
    for bucket, rate_text in buckets:
        rate = parse_rate(rate_text)
        retry_after = hit(bucket=bucket, rate=rate, now=time.time()) if rate else 0
        if retry_after:
            raise RateLimited(retry_after)


def _digest(username: str) -> str:
    # A short, printable key whatever the client typed; the counters hold no username.
    return hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]
