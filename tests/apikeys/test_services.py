"""The rules of apikeys.services.api_key_create, which every way of creating a key goes through."""

import pytest
from django.utils import translation

from apikeys import services
from apikeys.models import ApiKey
from apikeys.services import ApiKeyRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user("editor", is_staff=True)


def create(creator, user, **fields):
    fields.setdefault("scopes", ["posts:read"])
    return services.api_key_create(creator=creator, user=user, **fields)


def test_staff_create_keys_for_themselves_and_for_users_who_are_not_staff(editor, bot):
    assert create(editor, editor)[0].user == editor
    assert create(editor, bot)[0].user == bot


@pytest.mark.parametrize("fields", [{"is_staff": True}, {"is_staff": True, "is_superuser": True}])
def test_staff_cannot_create_a_key_acting_as_another_staff_member_or_a_superuser(editor, make_user, fields):
    with translation.override("en"), pytest.raises(ApiKeyRefused, match="superuser"):
        create(editor, make_user("other", **fields))
    assert not ApiKey.objects.exists()


def test_a_superuser_creates_keys_acting_as_other_staff_members_and_superusers(make_user):
    boss = make_user("boss", is_staff=True, is_superuser=True)
    for user in (make_user("colleague", is_staff=True), make_user("root", is_staff=True, is_superuser=True)):
        assert create(boss, user)[0].user == user


@pytest.mark.parametrize("fields", [{}, {"is_staff": True, "is_active": False}])
def test_only_active_staff_create_keys(make_user, bot, fields):
    with pytest.raises(ApiKeyRefused):
        create(make_user("someone", **fields), bot)
    assert not ApiKey.objects.exists()


def test_no_key_acts_as_an_inactive_user(editor, make_user):
    for creator in (editor, None):
        with pytest.raises(ApiKeyRefused):
            create(creator, make_user(f"sleeper-{creator}", is_active=False))
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"scopes": []},
        {"scopes": ["posts:delete"]},
        {"days": 0},
        {"days": services.MAX_DAYS + 1},
        {"label": "x" * (services.LABEL_MAX_CHARS + 1)},
    ],
)
def test_scopes_lifetime_and_label_are_checked_whoever_creates_the_key(editor, bot, fields):
    for creator in (editor, None):
        with pytest.raises(ValueError):
            create(creator, bot, **fields)
    assert not ApiKey.objects.exists()


def test_the_operator_at_the_console_creates_a_key_acting_as_anyone(make_user):
    boss = make_user("boss", is_staff=True, is_superuser=True)
    assert create(None, boss)[0].user == boss
