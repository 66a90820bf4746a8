import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.checks import Tags, run_checks
from django.core.management import call_command
from django.test import override_settings

LOCAL_MEMORY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def database_cache(table: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}}


def database_check_ids() -> list[str]:
    return [message.id for message in run_checks(tags=[Tags.database], databases=["default"])]


def manage(*arguments: str, database: str) -> subprocess.CompletedProcess:
    """Run manage.py as a deployment does: production settings, no REDIS_URL, so the cache is a table."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "VAR_DIR": str(settings.VAR_DIR),
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_creates_the_cache_table_and_check_names_it_once_dropped(tmp_path):
    database = tmp_path / "fresh.sqlite3"

    migrate = manage("migrate", "--noinput", database=database)
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        db.execute("DROP TABLE django_cache")
    check = manage("check", "--database", "default", database=database)

    assert migrate.returncode == 0, migrate.stderr
    assert "accounts.W001" not in migrate.stderr  # a fresh database is not warned about
    assert "django_cache" in tables
    assert "accounts.W001" in check.stderr
    assert "The cache table django_cache of the 'default' cache is missing" in check.stderr
    assert "manage.py migrate" in check.stderr


@pytest.mark.django_db
@override_settings(CACHES=database_cache("missing_cache_table"))
def test_check_warns_when_a_database_cache_table_is_missing():
    messages = [m for m in run_checks(tags=[Tags.database], databases=["default"]) if m.id == "accounts.W001"]

    assert len(messages) == 1
    assert "missing_cache_table" in messages[0].msg
    assert messages[0].is_serious() is False  # so it never stops `migrate`, which fixes it


@pytest.mark.django_db
@override_settings(CACHES=database_cache("present_cache_table"))
def test_check_is_silent_once_the_cache_table_exists():
    call_command("createcachetable")

    assert "accounts.W001" not in database_check_ids()


@pytest.mark.django_db
@override_settings(CACHES={"default": LOCAL_MEMORY})
def test_check_is_silent_for_caches_without_a_table():
    assert "accounts.W001" not in database_check_ids()


@override_settings(CACHES=database_cache("missing_cache_table"))
def test_check_without_a_database_touches_none():
    # No django_db mark: a query here would fail the test.
    assert "accounts.W001" not in [message.id for message in run_checks()]
