"""Find what a migration does to the database that the release still serving cannot live with.

The check compares the tables and columns before and after each operation, as the database
sees them (a state-only move inside SeparateDatabaseAndState changes nothing; a RenameModel of
a model with its own db_table renames no table), rather than trusting operation names.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations import Migration, RunSQL, SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED

# A migration module that drops what an earlier release stopped using says which release that was:
#   CONTRACT_AFTER = "v1.4"  # or a commit
CONTRACT_MARKER = "CONTRACT_AFTER"
VARCHAR = re.compile(r"^(?:varchar|character varying)\((\d+)\)$")
# Raw SQL changes no project state, so the table comparison cannot see what it does to the schema.
DESTRUCTIVE_SQL = re.compile(r"\b(?:drop|rename|alter|truncate)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    null: bool
    db_default: bool
    db_type: str | None


Tables = dict[str, dict[str, Column]]


@dataclass(frozen=True)
class Change:
    description: str
    # A contract step may drop or tighten what the serving release no longer uses, but no release
    # can insert into a NOT NULL column it does not know.
    contract_may_do: bool = True


def tables(state: ProjectState, connection: BaseDatabaseWrapper) -> Tables:
    """Return the tables Django manages in a project state, each with its columns."""
    found = {}
    for model in state.apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        found[meta.db_table] = {
            field.column: Column(field.null, field.db_default is not NOT_PROVIDED, field.db_type(connection))
            for field in meta.local_concrete_fields
            if not getattr(field, "generated", False)
        }
    return found


def database_operations(operation: Operation) -> list[Operation]:
    """Return the operations that touch the database on behalf of an operation."""
    if isinstance(operation, SeparateDatabaseAndState):
        return operation.database_operations
    return [operation]


def breaking_changes(migration: Migration, state: ProjectState, connection: BaseDatabaseWrapper) -> list[Change]:
    """Return what applying migration to a database in state breaks for the code written for that state."""
    found = []
    state = state.clone()
    for operation in migration.operations:
        database = state.clone()
        for database_operation in database_operations(operation):
            database_operation.state_forwards(migration.app_label, database)
        changes = differences(tables(state, connection), tables(database, connection))
        changes += [raw_sql_change(sql) for sql in database_operations(operation) if isinstance(sql, RunSQL)]
        where = f"{migration.app_label}.{migration.name}: {operation.describe()}"
        found += [Change(f"{where}: {change.description}", change.contract_may_do) for change in changes if change]
        operation.state_forwards(migration.app_label, state)
    return found


def raw_sql_change(operation: RunSQL) -> Change | None:
    """Return a change for raw SQL that may drop, rename or alter something, None for any other SQL."""
    if not DESTRUCTIVE_SQL.search(str(operation.sql)):
        return None
    return Change("raw SQL that drops, renames or alters; the check cannot tell whether the release serving uses it")


def differences(before: Tables, after: Tables) -> list[Change]:
    """Return how the schema after differs from the one before in ways the code written for before notices."""
    found = []
    for table, columns in before.items():
        if table not in after:
            found.append(Change(f"table {table} disappears (dropped or renamed); the release serving still uses it"))
            continue
        for name, column in after[table].items():
            old = columns.get(name)
            if old is None:
                if not column.null and not column.db_default:
                    found.append(
                        Change(
                            f"adds {table}.{name} NOT NULL without db_default; the release serving inserts rows "
                            "without it (give it db_default, or null=True)",
                            contract_may_do=False,
                        )
                    )
            elif old.null and not column.null:
                found.append(Change(f"makes {table}.{name} NOT NULL; the release serving may still write NULL"))
            elif not same_or_wider(old.db_type, column.db_type):
                found.append(Change(f"changes {table}.{name} from {old.db_type} to {column.db_type}"))
        for name in sorted(columns.keys() - after[table].keys()):
            found.append(
                Change(f"column {table}.{name} disappears (dropped or renamed); the release serving still selects it")
            )
    return found


def same_or_wider(old: str | None, new: str | None) -> bool:
    """Return whether every value of the old column type fits the new one (a longer varchar does)."""
    if old == new:
        return True
    old_length, new_length = (VARCHAR.match(db_type or "") for db_type in (old, new))
    return bool(old_length and new_length and int(new_length[1]) >= int(old_length[1]))


def refusals(
    migration: Migration,
    module: ModuleType,
    state: ProjectState,
    connection: BaseDatabaseWrapper,
    *,
    released: Callable[[str], bool],
) -> list[str]:
    """Return the breaking changes of a migration that its contract marker does not excuse.

    released(ref) answers whether the release serving already runs the code of ref.
    """
    after = getattr(module, CONTRACT_MARKER, None)
    if after is None:
        why = f"no {CONTRACT_MARKER} names the release whose code stopped using it"
    elif not released(after):
        why = f"{CONTRACT_MARKER} = {after!r}, which the release serving does not include yet"
    else:
        why = None
    found = []
    for change in breaking_changes(migration, state, connection):
        if not change.contract_may_do:
            found.append(change.description)
        elif why is not None:
            found.append(f"{change.description} ({why})")
    return found
