"""While the database or the cache is down: answer 503 with Retry-After, and log the incident once.

An outage is not a bug of ours, so it gets no 500 and no traceback per request: clients are
told to come back (``Retry-After``), and the log says when the outage began, that it goes on
(once a minute), and when it ended. Django turns an exception into a response inside every
middleware layer, so two places catch one: ``ServiceUnavailableMiddleware.process_exception``
for views and templates, where nearly every query runs, and ``server_error`` (handler500) for
the middleware that may query too (saving the session). django.request's own line for each
503 is dropped by ``config.logging.DropServiceUnavailableFilter``.
"""

import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable

import redis
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from blog import views as blog_views

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
REMIND_SECONDS = 60


def is_outage(error: BaseException | None) -> bool:
    """Return True if ``error`` says the database or the cache cannot be reached or used right now."""
    # A Redis that is full (noeviction: it refuses writes rather than forget) is down for writing.
    if isinstance(
        error, InterfaceError | redis.ConnectionError | redis.TimeoutError | redis.exceptions.OutOfMemoryError
    ):
        return True
    if isinstance(error, OperationalError):
        # SQLite reports mistakes in SQL ("no such table") as OperationalError too: those are bugs.
        cause = error.__cause__
        return not (isinstance(cause, sqlite3.Error) and cause.sqlite_errorcode == sqlite3.SQLITE_ERROR)
    return False


class Incident:
    """The outage going on, if any, as the log tells it: when it began, that it goes on, when it ended.

    It ends once no request has failed for ``quiet_seconds`` (the Retry-After we send), so a
    database that flickers makes one incident, not one per request.
    """

    def __init__(
        self,
        *,
        quiet_seconds: float = RETRY_AFTER_SECONDS,
        remind_seconds: float = REMIND_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet_seconds = quiet_seconds
        self.remind_seconds = remind_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._began: float | None = None
        self._last_failure = self._last_logged = 0.0
        self._failures = 0

    def failed(self, error: BaseException) -> None:
        """Count one request that met the outage; log only the first, then once per ``remind_seconds``."""
        now = self.clock()
        with self._lock:
            self._last_failure = now
            self._failures += 1
            if self._began is None:
                self._began = self._last_logged = now
                logger.warning(
                    "The %s is unavailable (%s: %s); answering 503 until it is back",
                    "cache" if isinstance(error, redis.RedisError) else "database",
                    type(error).__name__,
                    _first_line(error),
                )
            elif now - self._last_logged >= self.remind_seconds:
                self._last_logged = now
                logger.warning(
                    "Still unavailable after %.0f s: %d requests answered 503", now - self._began, self._failures
                )

    def succeeded(self) -> None:
        """Note a request that went through; after a quiet spell, log that the outage ended."""
        if self._began is None:  # the usual case, without taking the lock
            return
        now = self.clock()
        with self._lock:
            if self._began is None or now - self._last_failure < self.quiet_seconds:
                return
            logger.info(
                "Available again: %d requests answered 503 over %.1f s",
                self._failures,
                self._last_failure - self._began,
            )
            self._began = None
            self._failures = 0


def _first_line(error: BaseException) -> str:
    # psycopg's messages run over several lines (host, port, hint): the first says what failed.
    return next(iter(str(error).strip().splitlines()), "")[:200]


incident = Incident()


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """Return the 503 answer: JSON for the API, the site's error page otherwise."""
    if request.path.startswith("/api/"):
        detail = gettext("The service is briefly unavailable. Please try again in a few seconds.")
        response = JsonResponse({"detail": detail, "code": "service_unavailable"}, status=503)
    else:
        # Drawn for an anonymous visitor with no flash messages: the session and the user
        # live in the database that is down.
        context = {"status": 503, "user": AnonymousUser(), "messages": ()}
        response = render(request, "error.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    """Answer 503 when a view meets an outage, and tell the incident when requests go through again.

    Goes first after InstanceHeaderMiddleware, so that it sees every response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 503:
            incident.succeeded()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_outage(exception):
            return None
        incident.failed(exception)
        return service_unavailable(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer an error no view caught (handler500): 503 for an outage, else the blog's 500 page."""
    error = sys.exception()
    if is_outage(error):
        incident.failed(error)
        return service_unavailable(request)
    return blog_views.server_error(request)
