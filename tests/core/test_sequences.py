"""After a restore, ids issued before it are never issued again, and no session from before it lives (manage.py after_restore)."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from blog import services
from config.devfiles import generate_private_key_pem
from tokens import families, tokens


@pytest.mark.django_db(transaction=True)  # PostgreSQL's sequences ignore the rollback of a test transaction
def test_accounts_and_posts_created_after_advancing_get_ids_past_every_id_issued_before(make_user):
    first = make_user("before")
    deleted = make_user("deleted-since")  # as if created after the backup: its id is gone from the table
    deleted_id = deleted.pk
    deleted.delete()
    post = services.post_create(author=first, title="t", body="b")

    out = StringIO()
    call_command("after_restore", "--skip-ids", "1000", stdout=out)
    after = make_user("after")

    assert after.pk > deleted_id + 1000
    assert services.post_create(author=after, title="t", body="b").pk > post.pk + 1000
    assert f"accounts_user: next id {after.pk}" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_advancing_twice_moves_further_and_never_back(make_user):
    call_command("after_restore", "--skip-ids", "50", stdout=StringIO())
    first = make_user("first")
    call_command("after_restore", "--skip-ids", "50", stdout=StringIO())

    assert make_user("second").pk > first.pk + 50


@pytest.mark.django_db
def test_sessions_from_before_the_restore_are_ended(client, make_user):
    client.force_login(make_user("staff", is_staff=True))

    call_command("after_restore", stdout=StringIO())

    assert not Session.objects.exists()
    assert client.get("/admin/").status_code == 302  # to the admin's login


def test_skipping_no_ids_is_refused():
    with pytest.raises(CommandError):
        call_command("after_restore", "--skip-ids", "0")


@pytest.mark.django_db(transaction=True)
def test_sqlite_file_copied_back_then_the_documented_steps_leave_no_token_acting_as_another(
    make_user, tmp_path, settings
):
    if connection.vendor != "sqlite":
        pytest.skip("a file copy is SQLite's backup; tests/cluster/test_restore.py restores PostgreSQL")
    database, backup = Path(connection.settings_dict["NAME"]), tmp_path / "backup.sqlite3"
    make_user("a")
    connection.close()
    shutil.copyfile(database, backup)
    b = make_user("b")
    b_tokens = families.issue_tokens(b)
    connection.close()

    shutil.copyfile(backup, database)  # the restore, with nothing connected
    call_command("after_restore", stdout=StringIO())
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": generate_private_key_pem().decode()}
    settings.JWT_NEXT_PUBLIC_KEYS = settings.JWT_PREVIOUS_PUBLIC_KEYS = []
    e = make_user("e")

    assert not type(b).objects.filter(username="b").exists()  # restored: B never signed up
    assert e.pk > b.pk
    with pytest.raises(tokens.TokenError):
        tokens.verify_access_token(b_tokens.access)
    with pytest.raises(tokens.TokenError):
        families.rotate(b_tokens.refresh)
    me = Client().get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {b_tokens.access}")
    assert me.status_code == 401
