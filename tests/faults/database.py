"""What the data looks like after a fault, read with plain SQL.

The same queries run through psycopg against the cluster's PostgreSQL and through Django's
cursor in this process (SQLite or PostgreSQL): the fault tests never trust the blog's own
code to tell them what the blog wrote.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg


class Database:
    """The blog's tables, read through ``cursor()``, a context manager yielding a DB-API cursor."""

    def __init__(self, cursor: Callable[[], AbstractContextManager[Any]]) -> None:
        self._cursor = cursor

    @classmethod
    def postgres(cls, url: str) -> "Database":
        @contextmanager
        def cursor() -> Iterator[psycopg.Cursor]:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection, connection.cursor() as c:
                yield c

        return cls(cursor)

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._cursor() as cursor:
            cursor.execute(sql, list(params))
            return list(cursor.fetchall())

    def counts(self) -> dict[str, int]:
        """Return how many users, identities and refresh-token families there are."""
        tables = {
            "users": "accounts_user",
            "identities": "accounts_identity",
            "families": "tokens_refreshtokenfamily",
        }
        return {name: self.rows(f"SELECT count(*) FROM {table}")[0][0] for name, table in tables.items()}

    def families(self) -> dict[str, str | None]:
        """Return every refresh-token family, by its id as the "fam" claim writes it: why it was revoked, or None."""
        rows = self.rows("SELECT id, revoked_at, revoke_reason FROM tokens_refreshtokenfamily")
        # Django keeps a UUIDField as 32 hex digits on SQLite, as a native uuid on PostgreSQL.
        return {
            str(uuid.UUID(str(id_))): (reason or "revoked") if revoked_at else None for id_, revoked_at, reason in rows
        }

    def users_without_identity(self) -> set[str]:
        """Return the usernames of local users no Kakao identity logs in to: half-written logins."""
        rows = self.rows(
            "SELECT u.username FROM accounts_user u"
            " WHERE NOT EXISTS (SELECT 1 FROM accounts_identity i WHERE i.user_id = u.id)"
        )
        return {row[0] for row in rows}

    def kakao_account(self, kakao_id: int) -> tuple[int, int]:
        """Return how many local users and how many identities exist for one Kakao account."""
        users = self.rows("SELECT count(*) FROM accounts_user WHERE username = %s", [f"kakao_{kakao_id}"])
        identities = self.rows(
            "SELECT count(*) FROM accounts_identity WHERE provider = 'kakao' AND uid = %s", [str(kakao_id)]
        )
        return users[0][0], identities[0][0]

    def missing_posts(self, ids: Iterable[int]) -> set[int]:
        """Return which of ``ids`` no post has."""
        wanted = set(ids)
        if not wanted:
            return set()
        present = self.rows(f"SELECT id FROM blog_post WHERE id IN ({', '.join(['%s'] * len(wanted))})", wanted)
        return wanted - {row[0] for row in present}
