"""The flow inspector's idea for signed requests: the last refused one, per key's user, for 30 minutes.

The server cannot know the client's canonical request (only its signature travels), so
the record puts the request as it arrived, in canonical-request order, beside the
canonical request the server built from it: the line that differs is what went wrong.
"""

import logging
import time
from typing import Any

from django.http import HttpRequest

from accounts.flow import FLOW_TTL_SECONDS, shorten
from apikeys import sigv4
from core import state

logger = logging.getLogger(__name__)

# Values a client may sign but staff should not read on a page.
SECRET_HEADERS = {"cookie", "x-amz-security-token"}
MAX_LINE = 300


def _key(user_id: int) -> str:
    return f"sigv4-refusal:{user_id}"


def save_refusal(*, user_id: int, request: HttpRequest, error: sigv4.SignatureError) -> None:
    """Keep the refusal if the store can take it: an outage of the store may lose it, never the answer."""
    record = {
        "at": time.time(),
        "code": error.code,
        "message": str(error.message),
        "received": received(request),
        "canonical_request": _redacted(error.extra.get("canonical_request", "")),
        "string_to_sign": error.extra.get("string_to_sign", ""),
    }
    try:
        state.put(_key(user_id), record, ttl=FLOW_TTL_SECONDS)
    except Exception as error:  # each store fails with its own exceptions (Redis, database)
        logger.warning("Signed-request refusal not kept, the state store is unavailable: %s", type(error).__name__)


def refusals(*, user_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return the kept refusals of these users, by user id."""
    records = state.get_many([_key(user_id) for user_id in user_ids])
    return {user_id: records[_key(user_id)] for user_id in user_ids if _key(user_id) in records}


def received(request: HttpRequest) -> str:
    """Return the request as it arrived, laid out like a canonical request but not normalised."""
    arrived = sigv4.signed_request(request)
    try:
        names = sigv4.parse_authorization(arrived.headers.get("authorization", "")).signed_headers
    except sigv4.SignatureError:
        names = ()
    header_lines = [f"{name}:{_value(name, arrived.headers.get(name, '(did not arrive)'))}" for name in names]
    lines = [
        arrived.method,
        request.META.get("RAW_URI", arrived.path).partition("?")[0],
        arrived.query_string,
        *header_lines,
        "",
        ";".join(names),
        arrived.headers.get("x-amz-content-sha256", "(no X-Amz-Content-SHA256: the server hashes the body it got)"),
    ]
    return "\n".join(line[:MAX_LINE] for line in lines)


def _value(name: str, value: str) -> str:
    return shorten(value) if name in SECRET_HEADERS else value


def _redacted(canonical: str) -> str:
    lines = []
    for line in canonical.split("\n"):
        name, colon, value = line.partition(":")
        lines.append(f"{name}:{shorten(value)}" if colon and name in SECRET_HEADERS else line[:MAX_LINE])
    return "\n".join(lines)
