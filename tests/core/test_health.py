"""GET /healthz: 200 when this instance can serve, 503 while its database is out of reach."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_while_the_database_is_out_of_reach(client):
    refused = OperationalError("connection refused")
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", side_effect=refused):
        response = client.get("/healthz")

    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": "unreachable"})


@override_settings(SECURE_SSL_REDIRECT=True)
def test_healthz_answers_plain_http_where_every_page_redirects_to_https(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_healthz_refuses_to_change_anything(client):
    assert client.post("/healthz").status_code == 405
