"""accounts/sessions.py: a session cookie of any content is a new, empty session, never a database error."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.sessions import SessionStore


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["abc\x00def" * 4, "\x00", "a" * 10_000, "세션".encode().decode("latin-1") * 10, "' OR 1=1 --", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"],
    ids=["nul", "only_nul", "huge", "utf8_bytes", "sql", "uppercase"],
)
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/"])
def test_a_hostile_session_cookie_is_a_new_session_not_an_error(value, path):
    browser = Client()
    browser.cookies["sessionid"] = value

    response = browser.get(path)

    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_a_real_session_key_still_loads_its_session():
    store = SessionStore()
    store["seen"] = True
    store.save()

    assert SessionStore(store.session_key).load() == {"seen": True}
    assert Session.objects.filter(session_key=store.session_key).exists()


@hypothesis_settings(max_examples=300, deadline=None)
@given(key=st.text(max_size=60))
def test_any_text_as_a_session_key_is_refused_or_is_lowercase_alphanumeric(key):
    store = SessionStore(key)

    assert store.session_key is None or store.session_key.isalnum()
