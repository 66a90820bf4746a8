"""Where staff create API keys: the page under the profile, the admin, and create_api_key."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse

from apikeys.models import ApiKey
from tests.apikeys.signing import signed_call

pytestmark = pytest.mark.django_db

PAGE = "/accounts/me/api-keys/"
ADD = "/admin/apikeys/apikey/add/"


@pytest.fixture
def staff(make_user):
    return make_user("editor", is_staff=True)


def test_page_is_under_the_profile_and_named():
    assert reverse("apikeys:key_list") == PAGE


def test_profile_links_the_page_for_staff_only(client, staff, author):
    client.force_login(author)
    assert PAGE not in client.get(reverse("accounts:profile")).content.decode()
    client.force_login(staff)
    assert PAGE in client.get(reverse("accounts:profile")).content.decode()


def test_non_staff_get_403_and_visitors_the_login(client, author):
    assert client.get(PAGE).status_code == 302
    client.force_login(author)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"username": "author", "scopes": ["posts:write"], "days": 30}).status_code == 403
    assert not ApiKey.objects.exists()


def test_staff_create_a_key_and_see_its_secret_once(client, staff, bot):
    client.force_login(staff)
    response = client.post(PAGE, {"username": "bot", "scopes": ["posts:read", "posts:write"], "days": 7})
    key = ApiKey.objects.get()
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert key.key_id in page and key.secret in page
    assert (key.user, key.scope_list) == (bot, ["posts:read", "posts:write"])
    again = client.get(PAGE).content.decode()
    assert key.key_id in again and key.secret not in again


def test_the_created_secret_signs_requests(client, staff, bot, post):
    client.force_login(staff)
    client.post(PAGE, {"username": "bot", "scopes": ["posts:read"], "days": 7})
    key = ApiKey.objects.get()
    client.logout()
    assert signed_call(client, "GET", "/api/posts/", key_id=key.key_id, secret=key.secret).status_code == 200


def test_an_unknown_user_or_no_scope_is_a_form_error(client, staff):
    client.force_login(staff)
    for data in ({"username": "nobody", "scopes": ["posts:read"], "days": 7}, {"username": "editor", "days": 7}):
        assert client.post(PAGE, data).status_code == 200
    assert not ApiKey.objects.exists()


def test_staff_revoke_a_key_and_it_stops_signing(client, staff, make_key, post):
    key, secret = make_key("posts:read")
    client.force_login(staff)
    response = client.post(reverse("apikeys:key_revoke", args=[key.pk]))
    assert response.status_code == 302
    client.logout()
    answer = signed_call(client, "GET", "/api/posts/", key_id=key.key_id, secret=secret)
    assert answer.json()["code"] == "api_key_revoked"


def test_page_shows_the_last_refused_request_beside_the_servers_canonical_request(client, staff, make_key):
    key, _secret = make_key("posts:read")
    signed_call(client, "GET", "/api/posts/", key_id=key.key_id, secret="wrong", query="page=1")
    client.force_login(staff)
    page = client.get(PAGE).content.decode()
    assert "signature_mismatch" in page
    assert 'class="sigv4-received"' in page and 'class="sigv4-canonical"' in page
    assert "host;x-amz-date" in page


def test_admin_adds_a_key_showing_the_secret_once_on_the_answer_itself(client, django_user_model, bot):
    admin = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin)
    response = client.post(ADD, {"username": "bot", "scopes": ["comments:write"], "days": 3, "label": "deploy"})
    key = ApiKey.objects.get()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert key.key_id in response.content.decode() and key.secret in response.content.decode()
    assert (key.user, key.scope_list, key.label) == (bot, ["comments:write"], "deploy")
    assert client.get(reverse("admin:apikeys_apikey_change", args=[key.pk])).status_code == 200
    assert key.secret not in client.get(reverse("admin:apikeys_apikey_changelist")).content.decode()


def test_admin_keeps_the_new_secret_out_of_cookies_and_messages(client, django_user_model, bot):
    # The messages cookie is signed, not encrypted: whatever a message says can be read back from it.
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    response = client.post(ADD, {"username": "bot", "scopes": ["posts:read"], "days": 3})
    secret = ApiKey.objects.get().secret
    assert all(secret not in str(message) for message in get_messages(response.wsgi_request))
    assert "messages" not in response.cookies
    assert all(secret not in morsel.OutputString() for morsel in response.cookies.values())
    assert secret not in str(dict(client.session))
    assert secret in response.content.decode()


def test_create_api_key_prints_the_key_id_and_the_secret_on_two_lines(bot):
    out = StringIO()
    call_command("create_api_key", "--user", "bot", "--scopes", "posts:write,comments:write", "--days", "5", stdout=out)
    key_id, secret = out.getvalue().splitlines()
    key = ApiKey.objects.get(key_id=key_id)
    assert (key.secret, key.scope_list) == (secret, ["comments:write", "posts:write"])
    assert key_id.startswith("AKB") and len(key_id) == 20


@pytest.mark.parametrize(
    "args",
    [
        ["--user", "nobody", "--scopes", "posts:read"],
        ["--user", "bot", "--scopes", "posts:delete"],
        ["--user", "bot", "--scopes", "posts:read", "--days", "0"],
        ["--user", "bot", "--scopes", "posts:read", "--days", "367"],
        ["--user", "bot", "--scopes", "posts:read", "--label", "x" * 101],
        ["--user", "sleeper", "--scopes", "posts:read"],
    ],
)
def test_create_api_key_refuses_unknown_users_scopes_lifetimes_and_labels(bot, make_user, args):
    make_user("sleeper", is_active=False)
    with pytest.raises(CommandError):
        call_command("create_api_key", *args, stdout=StringIO())
    assert not ApiKey.objects.exists()


def test_the_secret_is_encrypted_at_rest(make_key):
    key, secret = make_key("posts:read")
    stored = ApiKey.objects.values_list("secret_encrypted", flat=True).get()
    assert secret not in stored and key.secret == secret


def test_non_staff_cannot_revoke(client, author, make_key):
    key, _secret = make_key("posts:read")
    client.force_login(author)
    assert client.post(reverse("apikeys:key_revoke", args=[key.pk])).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None


def test_admin_revoke_action_revokes_the_selected_keys(client, django_user_model, make_key):
    key, _secret = make_key("posts:read")
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    client.post(reverse("admin:apikeys_apikey_changelist"), {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_staff_cannot_create_a_key_that_acts_as_another_staff_member_or_a_superuser(client, staff, make_user):
    make_user("boss", is_staff=True, is_superuser=True)
    make_user("colleague", is_staff=True)
    client.force_login(staff)
    for username in ("boss", "colleague"):
        response = client.post(
            PAGE, {"username": username, "scopes": ["posts:write"], "days": 7}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200 and "superuser" in response.content.decode()
    assert not ApiKey.objects.exists()
    client.post(PAGE, {"username": "editor", "scopes": ["posts:read"], "days": 7})  # a key for oneself is fine
    assert ApiKey.objects.get().user == staff


@pytest.fixture
def key_maker(make_user):
    """A staff member, no superuser, whom the admin lets add keys."""
    user = make_user("keymaker", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_apikey"))
    return user


@pytest.fixture
def others(make_user):
    make_user("boss", is_staff=True, is_superuser=True)
    make_user("colleague", is_staff=True)
    make_user("sleeper", is_active=False)
    make_user("reader")


def key_request(**fields):
    return {"username": "bot", "scopes": ["posts:read"], "days": 7, "label": "", **fields}


REFUSED_REQUESTS = {
    "a key acting as a superuser": key_request(username="boss"),
    "a key acting as another staff member": key_request(username="colleague"),
    "a key acting as an inactive user": key_request(username="sleeper"),
    "no scope": key_request(scopes=[]),
    "an unknown scope": key_request(scopes=["posts:delete"]),
    "no day": key_request(days=0),
    "more days than a key may last": key_request(days=367),
    "a label over 100 characters": key_request(label="x" * 101),
}


@pytest.mark.parametrize("page", [PAGE, ADD], ids=["staff page", "admin"])
@pytest.mark.parametrize("data", REFUSED_REQUESTS.values(), ids=REFUSED_REQUESTS.keys())
def test_a_staff_member_is_refused_on_the_page_and_in_the_admin_alike(client, key_maker, others, bot, page, data):
    client.force_login(key_maker)
    response = client.post(page, data)
    assert response.status_code == 200 and form_of(response).errors
    assert not ApiKey.objects.exists()


def form_of(response):
    """Return the form a page answered with: the staff page's, or the one inside the admin's."""
    return response.context["adminform"].form if "adminform" in response.context else response.context["form"]


@pytest.mark.parametrize("page", [PAGE, ADD], ids=["staff page", "admin"])
def test_a_user_who_is_not_staff_creates_no_key_on_the_page_or_in_the_admin(
    client, others, bot, django_user_model, page
):
    reader = django_user_model.objects.get(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="add_apikey"))
    client.force_login(reader)
    assert client.post(page, key_request()).status_code in (302, 403)
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("page", [PAGE, ADD], ids=["staff page", "admin"])
@pytest.mark.parametrize("username", ["bot", "keymaker"])
def test_a_staff_member_creates_keys_for_themselves_and_users_who_are_not_staff(client, key_maker, bot, page, username):
    client.force_login(key_maker)
    assert client.post(page, key_request(username=username)).status_code in (200, 302)
    assert ApiKey.objects.get().user.username == username


def test_a_superuser_creates_in_the_admin_a_key_acting_as_another_staff_member(client, others, django_user_model):
    client.force_login(django_user_model.objects.get(username="boss"))
    client.post(ADD, key_request(username="colleague"))
    assert ApiKey.objects.get().user.username == "colleague"
