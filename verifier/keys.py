"""The blog's public keys, fetched from its JWKS URL and kept.

PyJWT's ``PyJWKClient`` keeps the key set for ``lifespan`` seconds and refetches it once
when a token names an unknown ``kid`` (at most once per ``cooldown`` seconds, so a flood
of made-up kids cannot make us hammer the blog). A key stays known for ``lifespan`` seconds
after the last key set that listed it: behind a load balancer, a refetch may be answered by
an instance that has not been given a new key yet, and must not take it away.
"""

import http.client
import json
import time
import urllib.request
from typing import Any
from urllib.error import URLError

from jwt import PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientConnectionError, PyJWKError, PyJWKSetError

MAX_JWKS_BYTES = 64 * 1024  # ours is under 1 KB per key
MAX_KEYS = 64  # the blog lists two or three; a key set that lists more keeps the newest
FETCH_SECONDS = 2.0


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class JWKSClient(PyJWKClient):
    """PyJWKClient with a bounded fetch that keeps the last good key set when the blog is down or answers garbage.

    Gap: PyJWKClient replaces its keys with each answer, so an answer from a lagging instance drops a newer key.
    """

    def __init__(
        self, uri: str, *, lifespan: float = 300, cooldown: float = 10, timeout: float = FETCH_SECONDS
    ) -> None:
        super().__init__(uri, cache_keys=False, lifespan=lifespan, timeout=timeout, cooldown_duration=cooldown)
        self.lifespan = lifespan
        self._last_good: dict[str, Any] | None = None
        self._seen: dict[str, tuple[dict[str, Any], float]] = {}  # kid -> (key, when a key set last listed it)

    def fetch_data(self) -> dict[str, Any]:
        """Return the blog's key set with the keys listed within ``lifespan``; if it cannot be had now, the last good one."""
        try:
            fetched = fetch_jwks(self.uri, timeout=self.timeout)
            PyJWKSet.from_dict(fetched)  # garbage must never replace keys that work
        # PyJWKSet trusts the shape of each key: a string where a key object belongs is an AttributeError.
        except (PyJWKClientConnectionError, PyJWKError, PyJWKSetError, AttributeError, TypeError, ValueError) as error:
            if self._last_good is None:
                raise PyJWKClientConnectionError(f"the JWKS at {self.uri} is unusable: {error}") from None
            data = self._last_good
        else:
            data = self._with_recent_keys(fetched)
        self._last_good = data
        self.jwk_set_cache.put(data)
        # A failed fetch starts the cooldown too: a dead blog is asked again only after it.
        self._last_successful_fetch = time.monotonic()
        return data

    def has_keys(self) -> bool:
        return self._last_good is not None

    def _with_recent_keys(self, fetched: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        without_kid = []
        for jwk in fetched["keys"]:
            if isinstance(jwk.get("kid"), str):
                self._seen.pop(jwk["kid"], None)  # re-inserted last: the newest listing comes last
                self._seen[jwk["kid"]] = (jwk, now)
            else:
                without_kid.append(jwk)
        recent = [(kid, seen) for kid, seen in self._seen.items() if now - seen[1] <= self.lifespan]
        self._seen = dict(recent[-MAX_KEYS:])
        return {**fetched, "keys": [jwk for jwk, _when in self._seen.values()] + without_kid}


def fetch_jwks(uri: str, *, timeout: float) -> dict[str, Any]:
    """GET ``uri`` and return its JSON object, read within ``timeout`` seconds and MAX_JWKS_BYTES."""
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(_RefuseRedirects())
    # PyJWKClient refused every scheme but http(s) when it was made; redirects are refused above.
    request = urllib.request.Request(uri, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as response:
            if response.status != 200:
                raise PyJWKClientConnectionError(f"the JWKS answered {response.status}")
            body = b""
            # A server that drips its answer byte by byte must not hold us past the deadline.
            while chunk := response.read1(8192):
                body += chunk
                if len(body) > MAX_JWKS_BYTES or time.monotonic() > deadline:
                    raise PyJWKClientConnectionError("the JWKS is too large or too slow")
    except (URLError, OSError, ValueError, http.client.HTTPException) as error:
        raise PyJWKClientConnectionError(f"the JWKS could not be fetched: {error}") from None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise PyJWKSetError("the JWKS is not JSON") from None
    if not isinstance(data, dict):
        raise PyJWKSetError("the JWKS is not a JSON object")
    return data
