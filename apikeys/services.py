"""Writes: create an API key (its secret returned once), revoke it, note its use.

The rules of creating a key live here, so the staff page, the admin and create_api_key obey
the same ones.
"""

import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext

from accounts import crypto
from accounts.models import User
from apikeys.models import ApiKey, Scope

KEY_ID_PREFIX = "AKB"  # as AWS's "AKIA": a key id says what it is at a glance
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
KEY_ID_RANDOM_CHARS = 17  # 85 bits
DEFAULT_DAYS = 90
MAX_DAYS = 366
LABEL_MAX_CHARS = 100
# A write per signed request would double the cost of a read: the time is noted once a minute.
LAST_USED_PRECISION = timedelta(minutes=1)


def parse_scopes(text: str) -> list[str]:
    """Return the scopes named in ``text`` (comma or space separated), or raise ValueError naming an unknown one."""
    names = [name for name in text.replace(",", " ").split() if name]
    unknown = [name for name in names if name not in Scope.values]
    if unknown or not names:
        raise ValueError(
            f"Unknown scope(s): {', '.join(unknown) or '(none given)'}; choose from {', '.join(Scope.values)}"
        )
    return sorted(set(names))


class ApiKeyRefused(ValueError):
    """A key that breaks a rule of creating keys; the message tells whoever asked for it which."""


def api_key_check_creator(*, creator: User | None, user: User) -> None:
    """Raise ApiKeyRefused unless ``creator`` may create a key acting as ``user``.

    ``creator`` None is the operator at the console (create_api_key), who holds the database anyway.
    """
    if not user.is_active:
        raise ApiKeyRefused(gettext("No active user has this username."))
    if creator is None:
        return
    if not (creator.is_active and creator.is_staff):
        raise ApiKeyRefused(gettext("Only staff may create API keys."))
    # A key acts as its user: a staff member must not gain another staff member's powers through one.
    if not creator.is_superuser and user != creator and (user.is_staff or user.is_superuser):
        raise ApiKeyRefused(gettext("Only a superuser may create a key that acts as another staff member."))


def api_key_create(
    *, creator: User | None, user: User, scopes: list[str], days: int = DEFAULT_DAYS, label: str = ""
) -> tuple[ApiKey, str]:
    """Create a key acting as ``user``, asked for by ``creator``; return it with its secret, shown only this once."""
    api_key_check_creator(creator=creator, user=user)
    if not 1 <= days <= MAX_DAYS:
        raise ApiKeyRefused(f"days must be between 1 and {MAX_DAYS}")
    if len(label) > LABEL_MAX_CHARS:
        raise ApiKeyRefused(f"label must be at most {LABEL_MAX_CHARS} characters")
    secret = secrets.token_urlsafe(30)  # 40 characters, as long as AWS's secret access keys
    key = ApiKey.objects.create(
        key_id=KEY_ID_PREFIX + "".join(secrets.choice(BASE32) for _ in range(KEY_ID_RANDOM_CHARS)),
        secret_encrypted=crypto.encrypt(secret),
        user=user,
        label=label,
        scopes=" ".join(parse_scopes(" ".join(scopes))),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return key, secret


def api_key_revoke(*, key: ApiKey) -> None:
    """Revoke ``key`` now; the next request it signs is refused."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])


def api_key_note_use(*, key: ApiKey) -> None:
    """Record that ``key`` signed a request, at most once a minute."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
