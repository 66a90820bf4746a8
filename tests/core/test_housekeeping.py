"""manage.py housekeeping: every kind of expired row goes, nothing live goes."""

import io
import time
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from core import state
from core.models import StateEntry
from ratelimit.models import RateLimitCounter
from tokens.models import RefreshTokenFamily

pytestmark = pytest.mark.django_db

PAST = timedelta(minutes=1)
FUTURE = timedelta(days=1)


@pytest.fixture
def rows(make_user):
    """One expired and one live row of each kind housekeeping deletes; return the live ones' keys."""
    user = make_user()
    now = timezone.now()
    for name, moment in (("expired", now - PAST), ("live", now + FUTURE)):
        RefreshTokenFamily.objects.create(
            id=uuid.uuid5(uuid.NAMESPACE_OID, name), user=user, current_jti=name, expires_at=moment
        )
        # A revoked family keeps its row until its last token would have expired, like any other.
        RefreshTokenFamily.objects.create(
            id=uuid.uuid5(uuid.NAMESPACE_OID, f"revoked-{name}"), user=user, current_jti=name, expires_at=moment,
            revoked_at=now, revoke_reason=RefreshTokenFamily.RevokeReason.LOGOUT,
        )  # fmt: skip
        Session.objects.create(session_key=f"{name}session0000", session_data="", expire_date=moment)
        StateEntry.objects.create(key=f"login-flow:{name}", value="null", expires_at=moment.timestamp())
        RateLimitCounter.objects.create(key=f"ratelimit:/api/auth/:{name}", expires_at=int(moment.timestamp()), count=3)
    return {
        "families": {str(uuid.uuid5(uuid.NAMESPACE_OID, n)) for n in ("live", "revoked-live")},
        "session": "livesession0000",
        "state": "login-flow:live",
        "counter": "ratelimit:/api/auth/:live",
    }


def housekeeping() -> str:
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    return out.getvalue()


def test_housekeeping_deletes_every_kind_of_expired_row_and_says_how_many(rows):
    output = housekeeping()

    assert output.splitlines() == [
        "Deleted 2 expired refresh-token families.",
        "Deleted 1 expired sessions.",
        "Deleted 1 expired state entries (login flow records, seen signatures, used ID tokens).",
        "Deleted 1 expired rate-limit counters.",
    ]


def test_housekeeping_keeps_every_live_row(rows):
    housekeeping()

    assert {str(pk) for pk in RefreshTokenFamily.objects.values_list("pk", flat=True)} == rows["families"]
    assert list(Session.objects.values_list("session_key", flat=True)) == [rows["session"]]
    assert list(StateEntry.objects.values_list("key", flat=True)) == [rows["state"]]
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == [rows["counter"]]


def test_housekeeping_again_finds_nothing_more(rows):
    housekeeping()

    assert housekeeping().splitlines()[0] == "Deleted 0 expired refresh-token families."


def test_a_login_abandoned_at_kakao_leaves_a_session_that_housekeeping_deletes_once_it_expires(client, settings):
    settings.SESSION_COOKIE_AGE = 60
    client.get("/accounts/kakao/login/")
    assert Session.objects.count() == 1

    assert "Deleted 0 expired sessions." in housekeeping()
    Session.objects.update(expire_date=timezone.now() - PAST)  # the cookie's lifetime has passed
    assert "Deleted 1 expired sessions." in housekeeping()
    assert Session.objects.count() == 0


def test_housekeeping_deletes_a_state_entry_the_moment_it_expires(monkeypatch):
    state.put("login-flow:7", ["step"], ttl=30)
    later = time.time() + 31
    monkeypatch.setattr(state.time, "time", lambda: later)

    assert "Deleted 1 expired state entries" in housekeeping()
