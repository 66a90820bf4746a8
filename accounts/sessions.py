"""Django's database sessions, refusing a session key that no session of ours can have."""

import re

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

# Django makes keys of 32 lowercase letters and digits; 8 to 40 leaves room for other versions.
SESSION_KEY = re.compile(r"[a-z0-9]{8,40}")


class SessionStore(DatabaseSessionStore):
    """Fills a gap of Django's store: it queries any cookie value, and a NUL in it is a 500 on PostgreSQL."""

    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and SESSION_KEY.fullmatch(key) is not None

    @classmethod
    def clear_expired(cls) -> int:
        """Delete the expired sessions and return how many (Django's deletes them and says nothing)."""
        deleted, _ = cls.get_model_class().objects.filter(expire_date__lt=timezone.now()).delete()
        return deleted
