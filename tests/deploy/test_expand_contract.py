"""Migrations newer than the release still serving only expand the schema, unless marked as a contract step."""

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader

from tests.deploy.expand_contract import breaking_changes, refusals
from tests.deploy.previous_release import (
    BASE_DIR,
    NoPreviousRelease,
    git,
    is_released_in,
    new_migration_files,
    previous_release,
)


@pytest.fixture(scope="module")
def loader():
    return MigrationLoader(None, ignore_no_migrations=True)


@pytest.fixture(scope="module")
def today(loader):
    """The project state every migration of this checkout leads to."""
    return loader.project_state()


def synthetic(app_label: str, *operations) -> migrations.Migration:
    migration = migrations.Migration("9999_synthetic", app_label)
    migration.operations = list(operations)
    return migration


def module_of(migration: migrations.Migration) -> ModuleType:
    return sys.modules[type(migration).__module__]


def path_of(module: ModuleType) -> str:
    """Return a module's path in this checkout ("" for Django's own, in the virtualenv)."""
    path = Path(module.__file__).resolve()
    return str(path.relative_to(BASE_DIR)) if path.is_relative_to(BASE_DIR) else ""


def test_migrations_newer_than_the_previous_release_keep_it_working(loader):
    try:
        release = previous_release()
    except NoPreviousRelease as reason:
        pytest.skip(str(reason))
    new_files = new_migration_files(release)
    found = []
    for key, migration in sorted(loader.disk_migrations.items()):
        module = module_of(migration)
        if path_of(module) not in new_files:
            continue
        state = loader.project_state(key, at_end=False)
        found += refusals(
            migration, module, state, connection, released=lambda ref: is_released_in(ref, release.commit)
        )
    assert found == [], (
        f"Release {release.short} ({release.chosen_as}) keeps serving while these run; "
        "split them into expand and contract releases (docs/migrations.md):\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    ("app_label", "operation", "flagged"),
    [
        ("blog", migrations.RenameField("post", "title", "headline"), "column blog_post.title disappears"),
        ("blog", migrations.RemoveField("post", "excerpt"), "column blog_post.excerpt disappears"),
        ("blog", migrations.RenameModel("Comment", "Remark"), "table blog_comment disappears"),
        ("blog", migrations.AlterModelTable("comment", "blog_remark"), "table blog_comment disappears"),
        ("blog", migrations.DeleteModel("Comment"), "table blog_comment disappears"),
        (
            "blog",
            migrations.AddField("post", "summary", models.CharField(max_length=160, default="")),
            "adds blog_post.summary NOT NULL without db_default",
        ),
        (
            "accounts",
            migrations.AlterField("identity", "last_login_at", models.DateTimeField()),
            "makes accounts_identity.last_login_at NOT NULL",
        ),
        (
            "blog",
            migrations.AlterField("post", "title", models.CharField(max_length=100)),
            "changes blog_post.title from varchar(200) to varchar(100)",
        ),
        ("blog", migrations.RunSQL('ALTER TABLE "blog_post" DROP COLUMN "excerpt"'), "raw SQL that drops"),
    ],
)
def test_an_operation_the_serving_release_cannot_live_with_is_flagged(today, app_label, operation, flagged):
    changes = breaking_changes(synthetic(app_label, operation), today, connection)
    assert any(flagged in change.description for change in changes), changes


@pytest.mark.parametrize(
    ("app_label", "operation"),
    [
        ("blog", migrations.AddField("post", "summary", models.CharField(max_length=160, null=True))),
        ("blog", migrations.AddField("post", "summary", models.CharField(max_length=160, db_default=""))),
        ("blog", migrations.AlterField("post", "title", models.CharField(max_length=300))),
        ("blog", migrations.CreateModel("Tag", [("id", models.BigAutoField(primary_key=True))])),
        ("blog", migrations.AddIndex("post", models.Index(fields=["title"], name="post_title_idx"))),
        ("blog", migrations.RunSQL("UPDATE blog_post SET excerpt = '' WHERE excerpt IS NULL")),
        (
            "blog",
            migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel("Comment")]),
        ),
    ],
    ids=["nullable", "db_default", "wider", "new_table", "index", "data_sql", "state_only"],
)
def test_an_operation_that_only_expands_passes(today, app_label, operation):
    assert breaking_changes(synthetic(app_label, operation), today, connection) == []


def test_renaming_a_model_that_names_its_own_table_passes(today):
    state = today.clone()
    migrations.AlterModelTable("comment", "blog_comment").state_forwards("blog", state)
    assert breaking_changes(synthetic("blog", migrations.RenameModel("Comment", "Remark")), state, connection) == []


@pytest.mark.parametrize(
    ("key", "flagged"),
    [
        (("tokens", "0002_rename_table"), "table accounts_refreshtokenfamily disappears"),
        (("ratelimit", "0002_rename_table"), "table accounts_ratelimitcounter disappears"),
        (("blog", "0003_post_body_html_excerpt"), "adds blog_post.body_html NOT NULL without db_default"),
    ],
)
def test_the_shipped_migrations_that_broke_the_serving_release_are_flagged(loader, key, flagged):
    state = loader.project_state(key, at_end=False)
    changes = breaking_changes(loader.disk_migrations[key], state, connection)
    assert any(flagged in change.description for change in changes), changes


def test_a_contract_step_needs_a_marker_naming_a_release_already_serving(today):
    drop = synthetic("blog", migrations.RemoveField("post", "excerpt"))
    unmarked, early, late = ModuleType("unmarked"), ModuleType("early"), ModuleType("late")
    early.CONTRACT_AFTER, late.CONTRACT_AFTER = "v1", "v2"

    def released(ref: str) -> bool:
        return ref == "v1"

    assert refusals(drop, early, today, connection, released=released) == []
    [refused] = refusals(drop, unmarked, today, connection, released=released)
    assert "no CONTRACT_AFTER" in refused
    [refused] = refusals(drop, late, today, connection, released=released)
    assert "CONTRACT_AFTER = 'v2', which the release serving does not include yet" in refused


def test_no_marker_excuses_a_not_null_column_the_serving_release_does_not_know(today):
    add = synthetic("blog", migrations.AddField("post", "summary", models.CharField(max_length=160, default="")))
    marked = ModuleType("marked")
    marked.CONTRACT_AFTER = "v1"
    [refused] = refusals(add, marked, today, connection, released=lambda ref: True)
    assert "adds blog_post.summary NOT NULL without db_default" in refused


def test_a_release_counts_as_serving_once_it_is_in_the_previous_release_s_history():
    try:
        head, root = git("rev-parse", "HEAD"), git("rev-list", "--max-parents=0", "HEAD").splitlines()[0]
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"no git history here: {error}")
    if head == root:
        pytest.skip("one commit only")
    assert is_released_in(root, head)
    assert not is_released_in(head, root)
    assert not is_released_in("no-such-release", head)


def test_a_rename_in_three_releases_needs_a_marker_only_for_the_drop(today):
    """The example of docs/migrations.md: blog_post.title becomes headline."""
    expand = synthetic("blog", migrations.AddField("post", "headline", models.CharField(max_length=200, null=True)))
    switch = synthetic(
        "blog",
        migrations.RunSQL("UPDATE blog_post SET headline = title WHERE headline IS NULL", migrations.RunSQL.noop),
        migrations.AlterField("post", "title", models.CharField(max_length=200, null=True)),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("post", "title")]),
    )
    contract = synthetic(
        "blog",
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField("post", "title", models.CharField(max_length=200, null=True))]
        ),
        migrations.RemoveField("post", "title"),
        migrations.AlterField("post", "headline", models.CharField(max_length=200)),
    )
    marked = ModuleType("contract")
    marked.CONTRACT_AFTER = "release-2"
    state = today.clone()
    for migration in (expand, switch):
        assert breaking_changes(migration, state, connection) == []
        state = migration.mutate_state(state)
    dropped, tightened = (change.description for change in breaking_changes(contract, state, connection))
    assert "column blog_post.title disappears" in dropped
    assert "makes blog_post.headline NOT NULL" in tightened
    assert refusals(contract, marked, state, connection, released=lambda ref: ref == "release-2") == []
