"""Reads for the auth API: each returns what its endpoint shows, in one query."""

from accounts.models import Identity, User

# At most one row: an account has at most one identity per provider (a unique constraint).
API_ACCOUNT_SQL = """
    SELECT u.id, u.nickname, u.email, u.profile_image_url, u.date_joined, i.uid AS kakao_id
    FROM accounts_user u
    LEFT JOIN accounts_identity i ON i.user_id = u.id AND i.provider = %s
    WHERE u.id = %s AND u.is_active = %s
"""


def api_account(*, user_id: int) -> User | None:
    """Return the active account ``user_id`` with its Kakao id in ``kakao_id`` (None if it has none).

    Return None when the account was deleted or deactivated. Written in SQL: /api/me/
    answers every call an app makes to check who is logged in, and building this join with
    the ORM took ten times as long as running it (docs/jwt.md has the profile).
    """
    return next(iter(User.objects.raw(API_ACCOUNT_SQL, [Identity.Provider.KAKAO, user_id, True])), None)
