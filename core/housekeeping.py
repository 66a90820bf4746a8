"""Delete what has expired: the tasks of ``settings.HOUSEKEEPING``, run by ``manage.py housekeeping``.

Nothing here reads an expired row as live: a refresh token, a session or a state entry past
its expiry counts as absent whether or not its row is gone. The rows only take room, and
without this, every login that never came back from Kakao would leave its session for the
cookie's lifetime and every revoked refresh-token family its row until its last token expires.
"""

from importlib import import_module

from django.conf import settings
from django.utils.module_loading import import_string


def run() -> dict[str, int]:
    """Run every task of settings.HOUSEKEEPING; return how many rows each deleted, by what they are."""
    return {what: import_string(task)() or 0 for what, task in settings.HOUSEKEEPING.items()}


def clear_expired_sessions() -> int:
    """Delete the expired sessions of SESSION_ENGINE, as `manage.py clearsessions` does; return how many."""
    return import_module(settings.SESSION_ENGINE).SessionStore.clear_expired() or 0
