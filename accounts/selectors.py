"""Reads: the account as the API shows it, and the Kakao tokens a user left with us."""

from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from accounts import crypto
from accounts.models import Identity, User

# At most one row: an account has at most one identity per provider (a unique constraint).
API_ACCOUNT_SQL = """
    SELECT u.id, u.nickname, u.email, u.profile_image_url, u.date_joined, i.uid AS kakao_id
    FROM accounts_user u
    LEFT JOIN accounts_identity i ON i.user_id = u.id AND i.provider = %s
    WHERE u.id = %s AND u.is_active = %s
"""
API_ACCOUNT_COLUMNS = ("id", "nickname", "email", "profile_image_url", "date_joined", "kakao_id")


def api_account(*, user_id: int) -> dict[str, Any] | None:
    """Return the active account ``user_id`` with its Kakao id (None if it has none), or None if it is gone.

    Written in SQL: /api/me/ answers every call an app makes to check who is logged in, and
    building this join with the ORM took ten times as long as running it (docs/jwt.md).
    """
    connection = connections[router.db_for_read(User)]
    with connection.cursor() as cursor:
        cursor.execute(API_ACCOUNT_SQL, [Identity.Provider.KAKAO, user_id, True])
        row = cursor.fetchone()
    if row is None:
        return None
    account = dict(zip(API_ACCOUNT_COLUMNS, row, strict=True))
    account["date_joined"] = _date_joined_from_db(account["date_joined"], connection)
    return account


def _date_joined_from_db(value: Any, connection: BaseDatabaseWrapper) -> datetime:
    """Convert the column as the ORM would: SQLite, for one, returns it without its time zone."""
    column = User._meta.get_field("date_joined").get_col(User._meta.db_table)
    for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
        value = convert(value, column, connection)
    return value


def kakao_tokens_of(user: User) -> dict[str, str]:
    """Return the user's stored Kakao tokens in clear, {} when none."""
    identity = Identity.objects.filter(user=user, provider=Identity.Provider.KAKAO).first()
    if identity is None:
        return {}
    return {
        "access_token": crypto.decrypt(identity.kakao_access_token),
        "refresh_token": crypto.decrypt(identity.kakao_refresh_token),
        "kakao_id": identity.uid,
    }
