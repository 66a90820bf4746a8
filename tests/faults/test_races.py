"""Fault 5: the same request several times at the same moment, on threads and on processes.

Each race runs twice: on the threads of this process's live server (the suite's database,
SQLite or PostgreSQL) and on the cluster's two gunicorn processes behind nginx
(PostgreSQL). A refresh token presented again within a short grace period after its
rotation must get a working answer for the same login, not revoke it: parallel calls of
one app (or tabs of one browser) look exactly like that. After the grace period, reuse
still revokes the whole family, as a stolen token must.
"""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from tests.faults import races
from tests.faults.database import Database
from tests.faults.report import FaultRow
from tests.faults.traffic import Recorder, api_login, failed_by_status, family_of, logged_in
from tokens import families

# The sandbox's test accounts (kakao_sandbox/personas.py), each logging in for the first time in its own test.
BIG_ID, BIG_ID_KAKAO_ID = "big-id", 1376016924429759228
PROPERTIES_ONLY, PROPERTIES_ONLY_KAKAO_ID = "properties-only", 4000000006
ANY_ACCOUNT = "invalid-email"
GRACE_SECONDS = 30


def row(fault: str, blog, recorder: Recorder, *, users_saw: str, data_checked: str) -> FaultRow:
    samples = recorder.samples
    instances = sorted({sample.instance for sample in samples if sample.instance})
    return FaultRow(
        fault=fault,
        where=blog.where,
        requests=len(samples),
        failed=failed_by_status(samples),
        users_saw=f"{users_saw} (answered by {' and '.join(instances)})" if instances else users_saw,
        data_checked=data_checked,
    )


def statuses(responses) -> list:
    return [response.status_code if response is not None else None for response in responses]


def test_two_first_api_logins_of_one_kakao_account_at_once_make_one_user_with_one_identity(blog, fault_table):
    recorder = Recorder()

    answers = races.first_api_logins_at_once(blog.site, recorder, BIG_ID)

    user_ids = {answer.json()["user"]["id"] for answer in answers if answer is not None and answer.status_code == 200}
    users, identities = blog.database.kakao_account(BIG_ID_KAKAO_ID)
    fault_table(
        row(
            "5 · two first logins of one Kakao account at once (API)",
            blog,
            recorder,
            users_saw=f"{statuses(answers)}, user ids {sorted(user_ids)}",
            data_checked=f"users {users}, identities {identities}",
        )
    )
    assert statuses(answers) == [200, 200]
    assert len(user_ids) == 1
    assert (users, identities) == (1, 1)


def test_two_first_browser_logins_of_one_kakao_account_at_once_both_log_in_one_user(blog, fault_table):
    recorder = Recorder()

    logins = races.first_browser_logins_at_once(blog.site, recorder, PROPERTIES_ONLY)

    pages = [login.session.get(f"{blog.site.url}/", timeout=10) for login in logins]
    for login in logins:
        login.session.close()  # a kept-alive connection would hold a live-server thread and its database connection
    users, identities = blog.database.kakao_account(PROPERTIES_ONLY_KAKAO_ID)
    fault_table(
        row(
            "5 · two first logins of one Kakao account at once (browser callback)",
            blog,
            recorder,
            users_saw=f"callbacks {statuses(login.callback for login in logins)}, "
            f"logged in {[logged_in(page) for page in pages]}",
            data_checked=f"users {users}, identities {identities}",
        )
    )
    assert [login.succeeded for login in logins] == [True, True]
    assert [logged_in(page) for page in pages] == [True, True]
    assert (users, identities) == (1, 1)


def test_eight_refreshes_of_one_refresh_token_at_once_all_succeed_and_keep_the_login(blog, fault_table):
    refresh_token = api_login(blog.site, Recorder(), ANY_ACCOUNT).json()["refresh"]
    recorder = Recorder()

    answers = races.refreshes_at_once(blog.site, recorder, refresh_token)

    revoked = blog.database.families()[family_of(refresh_token)]
    fault_table(
        row(
            "5 · 8 refreshes of one refresh token at once",
            blog,
            recorder,
            users_saw=f"{statuses(answers).count(200)} of 8 got new tokens",
            data_checked=f"family {'revoked (' + revoked + ')' if revoked else 'live'}",
        )
    )
    assert statuses(answers) == [200] * 8
    assert revoked is None


def test_three_page_loads_with_only_a_refresh_cookie_at_once_all_end_logged_in(blog, fault_table):
    refresh_token = api_login(blog.site, Recorder(), ANY_ACCOUNT).json()["refresh"]
    recorder = Recorder()

    pages = races.page_loads_with_refresh_cookie_at_once(blog.site, recorder, refresh_token)

    revoked = blog.database.families()[family_of(refresh_token)]
    fault_table(
        row(
            "5 · 3 page loads with only a refresh cookie at once",
            blog,
            recorder,
            users_saw=f"{sum(logged_in(page) for page in pages)} of 3 pages logged in",
            data_checked=f"family {'revoked (' + revoked + ')' if revoked else 'live'}",
        )
    )
    assert [logged_in(page) for page in pages] == [True, True, True]
    assert revoked is None


@pytest.fixture
def rotated(client, make_user):
    """A login whose first refresh token was just traded for a second one: (first, second)."""
    first = families.issue_tokens(make_user("grace")).refresh
    answer = client.post("/api/auth/token/refresh/", {"refresh": first}, content_type="application/json")
    assert answer.status_code == 200
    return first, answer.json()["refresh"]


@pytest.mark.django_db
def test_refresh_token_presented_again_within_the_grace_period_gets_new_tokens_and_keeps_the_login(client, rotated):
    first, _second = rotated

    again = client.post("/api/auth/token/refresh/", {"refresh": first}, content_type="application/json")

    assert again.status_code == 200
    assert Database(connection.cursor).families()[family_of(first)] is None


@pytest.mark.django_db
def test_refresh_token_presented_again_after_the_grace_period_revokes_the_whole_login(client, rotated):
    first, second = rotated
    later = time.time() + GRACE_SECONDS + 30
    with (
        mock.patch("time.time", return_value=later),
        mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=GRACE_SECONDS + 30)),
    ):
        reused = client.post("/api/auth/token/refresh/", {"refresh": first}, content_type="application/json")
        newest = client.post("/api/auth/token/refresh/", {"refresh": second}, content_type="application/json")

    assert (reused.status_code, newest.status_code) == (401, 401)
    assert Database(connection.cursor).families()[family_of(first)] == "reuse"
