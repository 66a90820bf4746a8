"""What our logs leave out: OAuth secrets in any URL, and a line per request during an outage.

An access log prints each request line, and the callback's carries Kakao's one-time code and
our state (``/accounts/kakao/callback/?code=...&state=...``); a link or an error message may
carry a token. ``RedactSecretsFilter`` rewrites every record before a handler writes it, so
those values read ``[redacted]`` wherever they appear: message, arguments or traceback.
settings.LOGGING puts it on every handler, config/gunicorn.py on gunicorn's loggers.
"""

import logging
import re

SECRET_PARAMETERS = ("code", "state", "access_token", "refresh_token", "id_token", "code_verifier", "client_secret")
REDACTED = "[redacted]"

# name= at the start, after ? & # or a space, or percent-encoded inside another parameter
# (?next=/accounts/kakao/callback/%3Fcode%3D...). The value runs to the next & or space, or a
# quote or bracket around a URL: redacting a little too much is harmless, too little is not.
SECRET_VALUE = re.compile(
    r"(?P<name>(?:^|[?&#\s]|%3F|%26)(?:" + "|".join(SECRET_PARAMETERS) + r")(?:=|%3D))[^&\s\"'<>]*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Return ``text`` with the value of every secret parameter replaced by [redacted]."""
    return SECRET_VALUE.sub(lambda match: match["name"] + REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Rewrite a record so that no code, state or token value reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            # What the formatter would print, redacted now; formatters reuse exc_text as it is.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class DropServiceUnavailableFilter(logging.Filter):
    """Drop django.request's line for each 503: config/outage.py logs an outage once, not per request."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 503
