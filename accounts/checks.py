"""System checks that need the database: run by `manage.py check --database default` and `migrate`."""

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import connections, router
from django.db.migrations.recorder import MigrationRecorder


def check_cache_tables(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn about each table of a DatabaseCache in settings.CACHES that a database lacks."""
    # A Warning, not an Error: an Error would stop `migrate`, the very command that creates the table.
    problems = []
    for alias in databases or ():
        if not MigrationRecorder(connections[alias]).has_table():
            continue  # never migrated: it lacks every table, and `migrate` is what runs next
        tables = set(connections[alias].introspection.table_names())
        for cache_alias in settings.CACHES:
            cache = caches[cache_alias]
            if not isinstance(cache, BaseDatabaseCache) or cache._table in tables:
                continue
            if router.allow_migrate_model(alias, cache.cache_model_class):
                problems.append(
                    checks.Warning(
                        f"The cache table {cache._table} of the {cache_alias!r} cache is missing from the {alias} database.",
                        hint="Run `python manage.py migrate`, which creates it. Until then every use of that cache "
                        "fails; for the default cache, that is the end of every Kakao login.",
                        id="accounts.W001",
                    )
                )
    return problems
