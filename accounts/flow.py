"""Record the steps of a user's last login for the flow inspector, secrets shortened.

The record is kept in the cache under the user's id for 30 minutes and is only ever
shown to that user (accounts.views.flow_inspector).
"""

import json
from typing import Any

from django.core.cache import cache

FLOW_TTL_SECONDS = 30 * 60
SECRET_FIELDS = {"client_secret", "code_verifier", "code", "access_token", "refresh_token", "id_token"}


def shorten(value: str, keep: int = 6) -> str:
    """Return enough of a secret to recognise it, never enough to use it."""
    if len(value) <= keep * 2:
        return "…" if value else ""
    return f"{value[:keep]}…({len(value)} chars)"


def redact(data: dict[str, Any]) -> dict[str, Any]:
    """Return ``data`` with every secret-bearing field shortened."""
    return {key: shorten(str(value)) if key in SECRET_FIELDS else value for key, value in data.items()}


def step(title: str, **details: Any) -> dict[str, Any]:
    """Return one step of the record; values must be JSON-serialisable and already redacted."""
    return {"title": title, "details": {key: _pretty(value) for key, value in details.items()}}


def _pretty(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


def _key(user_id: int) -> str:
    return f"login-flow:{user_id}"


def save(*, user_id: int, steps: list[dict[str, Any]]) -> None:
    cache.set(_key(user_id), steps, FLOW_TTL_SECONDS)


def load(*, user_id: int) -> list[dict[str, Any]]:
    return cache.get(_key(user_id)) or []
