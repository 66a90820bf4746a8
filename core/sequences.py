"""Move every table's id sequence forward, so that ids handed out once are never handed out again.

A database restored from a backup has forgotten every row written after the backup, and its
sequences with them: the next account would get the id an account created after the backup
had, and anything that still names that id (a token's ``sub``, another service's records, a
link) would name the new person. Jumping each sequence far past the ids the site could have
issued since the backup keeps every id naming one person, or nobody.
"""

from django.apps import apps
from django.db import connection, models


def advance_id_sequences(*, by: int) -> dict[str, int]:
    """Make each table's next automatic id at least ``by`` above any it issued or holds; return them by table."""
    if by < 1:
        raise ValueError("by must be a positive number of ids")
    advance = {"postgresql": _advance_postgresql, "sqlite": _advance_sqlite}.get(connection.vendor)
    if advance is None:
        raise NotImplementedError(f"no id sequences to advance on {connection.vendor}")
    next_ids = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.managed and not meta.proxy and isinstance(meta.pk, models.AutoField):
                next_id = advance(cursor, connection.ops.quote_name(meta.db_table), meta.db_table, meta.pk.column, by)
                if next_id is not None:
                    next_ids[meta.db_table] = next_id
    return next_ids


def _advance_postgresql(cursor, quoted_table: str, table: str, column: str, by: int) -> int | None:
    # last_value is the last id issued, even by a transaction that rolled back; MAX(id) covers rows
    # written with explicit ids. is_called false on a fresh sequence: nothing issued yet.
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
    (sequence,) = cursor.fetchone()
    if sequence is None:
        return None  # ids not drawn from a sequence (a table made by hand)
    cursor.execute(
        f"SELECT setval(%s, GREATEST((SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}),"  # noqa: S608
        f" (SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) FROM {quoted_table})) + %s)",
        [sequence, by],
    )
    return cursor.fetchone()[0] + 1


def _advance_sqlite(cursor, quoted_table: str, table: str, column: str, by: int) -> int:
    # Django's tables are AUTOINCREMENT: sqlite_sequence keeps the highest id ever issued, and
    # SQLite never issues one below it (a table never written to has no row there yet).
    cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted_table}")  # noqa: S608
    highest = cursor.fetchone()[0] or 0
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    row = cursor.fetchone()
    issued = max(highest, row[0] if row else 0) + by
    if row:
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [issued, table])
    else:
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, issued])
    return issued + 1
