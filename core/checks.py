"""System checks of the state store: run by `manage.py check --database default` and `migrate`."""

import redis
from django.conf import settings
from django.core import checks

from core import state


def check_state_store_keeps_entries(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Refuse a state store in Redis that may evict (or cannot be asked): replays would get through."""
    if not databases or not settings.STATE_STORE_URL:
        return []  # a table of the database never evicts
    try:
        state.get("state-store-check")
    except state.StoreMayForget as error:
        return [checks.Error(str(error), id="core.E001")]
    except redis.RedisError as error:
        return [
            checks.Warning(
                f"The state store at STATE_STORE_URL cannot be reached: {error}",
                hint="Signed requests and ID-token logins answer 503 until it can.",
                id="core.W001",
            )
        ]
    return []
