"""The release still serving keeps working while, and after, this checkout's migrations run.

What a rolling deploy does, on a database of its own (a SQLite file, or a database on the
PostgreSQL server of DATABASE_URL): the previous release migrates it, this checkout's
migrations run, then the previous release's code, from its own tree, writes and reads every
model and runs its tests of login, refresh and post writing there.
"""

import os
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.deploy.previous_release import BASE_DIR, NoPreviousRelease, Release, git, previous_release

HARNESS = Path(__file__).resolve().parent / "harness"
# The previous release's tests of its key flows; those it does not have are left out.
KEY_FLOW_TESTS = (
    "tests/accounts/test_services.py",  # Kakao login: find or create the user, issue our tokens
    "tests/accounts/test_api.py",  # login and refresh over the API
    "tests/tokens/test_tokens.py",  # refresh-token families: rotation, reuse, revocation
    "tests/blog/test_services.py",  # writing a post
)

# --reuse-db: the database previous_release_settings names exists, so pytest-django keeps it.
OWN_TESTS = ["-m", "pytest", "-q", "--reuse-db", "--ds=previous_release_settings", "--maxfail=5"]


@pytest.fixture
def release() -> Release:
    try:
        return previous_release()
    except NoPreviousRelease as reason:
        pytest.skip(str(reason))


@pytest.fixture
def database_url(tmp_path):
    """Return the URL of an empty database, on the server the tests use (SQLite: a file of its own)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    name = f"previous_release_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    yield urlsplit(url)._replace(path=f"/{name}").geturl()
    with psycopg.connect(url, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def export(release: Release, directory: Path) -> Path:
    """Write the release's tree into directory (git archive: no worktree to register or remove)."""
    archive = directory / "release.tar"
    git("archive", "--output", str(archive), release.commit)
    with tarfile.open(archive) as tar:
        tar.extractall(directory / "code", filter="data")
    return directory / "code"


def run(step: str, command: list[str], *, code: Path, env: dict[str, str]) -> None:
    """Run a command with a release's code; fail the test with its output if it fails."""
    result = subprocess.run(
        [sys.executable, *command],
        cwd=code,
        env=os.environ | env | {"PYTHONPATH": os.pathsep.join([str(code), str(HARNESS)])},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"{step}:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}", pytrace=False)


def test_previous_release_works_on_the_schema_these_migrations_leave(release, database_url, tmp_path):
    old = export(release, tmp_path)
    env = {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings_test", "VAR_DIR": str(tmp_path)}
    serving = f"Release {release.short} ({release.chosen_as})"

    # It runs with this checkout's virtualenv: a package it needs that this checkout dropped fails here.
    run(f"{serving} could not migrate a new database", ["manage.py", "migrate", "--noinput"], code=old, env=env)
    run(
        f"The smoke cannot drive {serving} even on its own schema: tests/deploy/harness/smoke.py needs a fix",
        [str(HARNESS / "smoke.py")],
        code=old,
        env=env,
    )
    run(
        f"This checkout's migrations failed on a database of {serving}",
        ["manage.py", "migrate"],
        code=BASE_DIR,
        env=env,
    )
    fix = "split the migration into an expand and a contract release (docs/migrations.md)"
    run(f"{serving} fails on the new schema; {fix}", [str(HARNESS / "smoke.py")], code=old, env=env)

    flows = [path for path in KEY_FLOW_TESTS if (old / path).exists()]
    assert flows, f"{serving} has none of {KEY_FLOW_TESTS}: name the modules that test its key flows"
    run(f"{serving}'s own tests fail on the new schema; {fix}", [*OWN_TESTS, *flows], code=old, env=env)
