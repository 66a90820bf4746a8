"""A database or cache that is down gets 503 with Retry-After, and one log line per incident."""

import logging
import socket
import sqlite3

import pytest
from django.db import OperationalError, connection
from django.test import Client

from config.outage import Incident, is_outage

RETRY_AFTER = "5"


def outage_logs(caplog) -> list[tuple[str, int]]:
    """Return what the log says of the outage: the incident's lines, and any line of django.request."""
    return [
        (record.name, record.levelno)
        for record in caplog.records
        if record.name in {"config.outage", "django.request"} and record.levelno >= logging.WARNING
    ]


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite database file")


def port_where_nothing_listens() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dead_database(transactional_db, tmp_path):
    """The test database made unreachable: a file SQLite cannot open, a port where no server listens."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "gone" / "db.sqlite3")  # its folder does not exist
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port_where_nothing_listens()))
    yield
    connection.close()
    connection.settings_dict.update(saved)


@pytest.fixture
def locked_database(transactional_db):
    """The SQLite test database, held under an exclusive lock by another connection; ours waits 50 ms at most."""
    sqlite_only()
    options = connection.settings_dict["OPTIONS"]
    connection.close()
    connection.settings_dict["OPTIONS"] = {**options, "timeout": 0.05}
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield
    holder.execute("ROLLBACK")
    holder.close()
    connection.close()
    connection.settings_dict["OPTIONS"] = options


@pytest.fixture
def visitor():
    """A browser that was logged in: its session cookie makes every page read the session."""
    browser = Client(raise_request_exception=False)
    browser.cookies["sessionid"] = "k" * 32
    return browser


@pytest.fixture(autouse=True)
def _new_incident(monkeypatch):
    """Each test starts with no incident going on."""
    monkeypatch.setattr("config.outage.incident", Incident())


@pytest.mark.parametrize("url", ["/", "/posts/1/", "/accounts/me/"])
def test_page_while_the_database_is_unreachable_is_503_saying_back_shortly(dead_database, visitor, url):
    response = visitor.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER
    assert 'class="error-page"' in response.content.decode()
    assert "We will be back shortly" in response.content.decode()


def test_page_while_the_database_is_unreachable_says_back_shortly_in_korean_by_default(dead_database, visitor):
    response = visitor.get("/")

    assert response.status_code == 503
    assert "잠시 후 돌아옵니다" in response.content.decode()


@pytest.mark.parametrize("url", ["/api/posts/", "/api/posts/1/"])
def test_api_while_the_database_is_unreachable_is_503_json(dead_database, visitor, url):
    response = visitor.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["detail"]


def test_middleware_meeting_the_dead_database_after_the_view_still_answers_503(dead_database, visitor):
    # The login start writes the session only on the way out, in SessionMiddleware.
    response = visitor.get("/accounts/kakao/login/")

    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER


def test_locked_sqlite_database_is_503(locked_database, visitor):
    response = visitor.get("/api/posts/")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_many_requests_during_an_outage_log_one_warning_and_no_traceback(dead_database, visitor, caplog):
    for url in ["/", "/api/posts/", "/accounts/kakao/login/", "/posts/1/"] * 3:
        visitor.get(url)

    assert outage_logs(caplog) == [("config.outage", logging.WARNING)]
    assert "OperationalError" in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_page_while_the_state_store_is_unreachable_is_503(dead_state_store, visitor, make_user):
    visitor.force_login(make_user("minji"))

    response = visitor.get("/accounts/flow/")  # the flow inspector reads its record from the state store

    assert response.status_code == 503
    assert response["Retry-After"] == RETRY_AFTER


@pytest.mark.django_db
def test_mistake_in_sql_is_a_bug_not_an_outage():
    sqlite_only()  # PostgreSQL reports it as ProgrammingError, never taken for an outage
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")

    assert not is_outage(raised.value)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_incident_logs_its_start_a_reminder_a_minute_on_and_its_end_after_a_quiet_spell(caplog):
    clock = Clock()
    incident = Incident(quiet_seconds=5, remind_seconds=60, clock=clock)
    caplog.set_level(logging.INFO, logger="config.outage")

    for _ in range(30):  # 30 failing requests over 90 s
        incident.failed(OperationalError("connection refused"))
        incident.succeeded()  # a request that needs no database, in between
        clock.now += 3
    clock.now += 5
    incident.succeeded()
    incident.succeeded()

    assert [(record.levelname, record.getMessage().split(" ")[0]) for record in caplog.records] == [
        ("WARNING", "The"),
        ("WARNING", "Still"),
        ("INFO", "Available"),
    ]
    assert "30 requests answered 503" in caplog.records[-1].getMessage()


def test_failure_after_the_incident_ended_starts_a_new_one(caplog):
    clock = Clock()
    incident = Incident(quiet_seconds=5, clock=clock)
    caplog.set_level(logging.INFO, logger="config.outage")

    incident.failed(OperationalError("connection refused"))
    clock.now += 10
    incident.succeeded()
    incident.failed(OperationalError("connection refused"))

    assert [record.levelname for record in caplog.records] == ["WARNING", "INFO", "WARNING"]
