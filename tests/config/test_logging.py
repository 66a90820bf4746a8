"""No log line carries an authorization code, a state or a token, whichever logger writes it."""

import logging
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import requests
from django.conf import settings
from hypothesis import assume, given
from hypothesis import strategies as st

from config.logging import REDACTED, SECRET_PARAMETERS
from tests.ports import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
PATHS = ["/accounts/kakao/callback/", "/api/auth/kakao/", "/", "/posts/1/?page=2"]


def configured_handlers(logger: logging.Logger) -> list[logging.Handler]:
    """Return the handlers of settings.LOGGING that a record of ``logger`` reaches (not pytest's own)."""
    handlers = []
    while logger:
        handlers += [handler for handler in logger.handlers if handler.name in settings.LOGGING["handlers"]]
        logger = logger.parent if logger.propagate else None
    return handlers


def written(logger_name: str, message: str, *args, exc_info=None, **extra) -> str:
    """Return what the configured handlers write for one record of ``logger_name``."""
    logger = logging.getLogger(logger_name)
    record = logger.makeRecord(logger_name, logging.WARNING, __file__, 1, message, args, exc_info, extra=extra)
    handlers = configured_handlers(logger)
    assert handlers, f"{logger_name} reaches no handler of settings.LOGGING"
    return "\n".join(handler.format(record) for handler in handlers if handler.filter(record))


secret_values = st.text(min_size=6, max_size=60)
query_parameters = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(SECRET_PARAMETERS), secret_values),
        st.tuples(st.sampled_from(["next", "page", "error", "grant_type"]), st.text(alphabet="0123456789", max_size=8)),
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def urls_with_secrets(draw) -> tuple[str, list[str], str]:
    """Return (a URL, the forms its secret values take in it, the same URL with those values left out)."""
    parameters = draw(query_parameters)
    secrets = [value for name, value in parameters if name in SECRET_PARAMETERS]
    assume(secrets)
    path = draw(st.sampled_from(PATHS))
    joiner = "&" if "?" in path else "?"
    url = path + joiner + urlencode(parameters)
    bare = path + joiner + urlencode([(name, "" if name in SECRET_PARAMETERS else value) for name, value in parameters])
    forms = [quote_plus(value) for value in secrets]
    if draw(st.booleans()):  # inside another parameter, as a login's ?next= may carry it
        url, bare = (f"/accounts/login/?{urlencode({'next': inner})}" for inner in (url, bare))
        forms = [quote_plus(form) for form in forms]
    return url, forms, bare


def leaked(forms: list[str], line: str, bare_line: str) -> list[str]:
    """Return the secret values in ``line``; a value that is plain text of the line anyway proves nothing."""
    assume(not any(form in bare_line for form in forms))
    return [form for form in forms if form in line]


@given(urls_with_secrets())
def test_runserver_access_log_line_with_secret_parameters_keeps_none_of_their_values(url_with_secrets):
    url, forms, bare = url_with_secrets

    line, bare_line = (
        written("django.server", '"%s" %s %s', f"GET {target} HTTP/1.1", "302", "0", status_code=302)
        for target in (url, bare)
    )

    assert leaked(forms, line, bare_line) == []
    assert REDACTED in line


@given(urls_with_secrets())
def test_request_error_with_a_secret_url_in_its_traceback_keeps_none_of_the_values(url_with_secrets):
    url, forms, bare = url_with_secrets

    line, bare_line = (failed_request_log(target) for target in (url, bare))

    assert "Traceback" in line
    assert leaked(forms, line, bare_line) == []


def failed_request_log(url: str) -> str:
    try:
        raise requests.ConnectionError(f"Max retries exceeded with url: {url}")
    except requests.ConnectionError:
        return written("django.request", "Internal Server Error: %s", url, exc_info=sys.exc_info())


def test_log_line_without_secret_parameters_is_unchanged():
    line = written("django.server", '"%s" %s %s', "GET /posts/?page=2&error=access_denied HTTP/1.1", "200", "9")

    assert line.endswith('"GET /posts/?page=2&error=access_denied HTTP/1.1" 200 9')


def test_every_handler_of_the_settings_redacts_secrets():
    handlers = settings.LOGGING["handlers"]

    unfiltered = [name for name, handler in handlers.items() if "redact_secrets" not in handler.get("filters", [])]

    assert handlers
    assert unfiltered == []


def test_gunicorn_error_log_redacts_the_uri_of_a_failed_request():
    hooks = runpy.run_path(str(BASE_DIR / "config" / "gunicorn.py"))
    logger = logging.getLogger("gunicorn.error")
    before = list(logger.filters)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        hooks["on_starting"](None)
        logger.error("Error handling request %s", "/accounts/kakao/callback/?code=spent-once&state=abc123def")
    finally:
        logger.removeHandler(handler)
        logger.filters = before

    assert [record.getMessage() for record in records] == [
        f"Error handling request /accounts/kakao/callback/?code={REDACTED}&state={REDACTED}"
    ]


def test_runserver_prints_callback_and_token_urls_without_their_values(tmp_path):
    port = free_port()
    environment = {
        **{name: value for name, value in os.environ.items() if name in {"PATH", "HOME", "LANG", "TMPDIR"}},
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/.well-known/jwks.json?code=kakao-one-time-code", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline and server.poll() is None, "runserver did not start"
                time.sleep(0.1)
        requests.get(
            f"http://127.0.0.1:{port}/no-such-page/?access_token=eyJhbGciOi.our-jwt.sig&state=st4te", timeout=15
        )
        # runserver writes its request line after sending the answer: give a busy machine a moment.
        time.sleep(1)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]

    assert "/.well-known/jwks.json?code=[redacted]" in output
    assert "/no-such-page/?access_token=[redacted]&state=[redacted]" in output
    assert not [secret for secret in ("kakao-one-time-code", "our-jwt", "st4te") if secret in output]
