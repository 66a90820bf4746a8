"""After a restore, ids issued before it are never issued again, and no session from before it lives (manage.py after_restore)."""

from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from blog import services


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
