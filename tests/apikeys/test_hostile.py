"""Hostile signed requests: any header, query or path is a 4xx; oversize bodies, other hosts, a dead database."""

import socket
import string

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apikeys.signing import signed_call

pytestmark = pytest.mark.django_db

HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # WSGI hands QUERY_STRING over as latin-1 text: a real server never passes "가" itself, only its %-escapes.
    query=st.text(alphabet=string.printable + "%éÿ", max_size=60),
    path_tail=st.text(alphabet=string.ascii_letters + string.digits + "%./-_~ 가", max_size=20),
    date=HEADER_TEXT,
    extra=HEADER_TEXT,
)
def test_any_query_path_and_header_values_answer_4xx_never_500(client, make_key, query, path_tail, date, extra):
    key, _secret = make_key("posts:read")
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={key.key_id}/20260101/ap-northeast-2/blog/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-extra, Signature=" + "0" * 64
    )
    response = Client(raise_request_exception=False).get(
        f"/api/posts/{path_tail}",
        QUERY_STRING=query,
        HTTP_AUTHORIZATION=authorization,
        HTTP_HOST="testserver",
        HTTP_X_AMZ_DATE=date,
        HTTP_X_EXTRA=extra,
    )
    # 301: Django's APPEND_SLASH sends a path without its slash there first, unsigned requests and signed alike.
    assert 300 <= response.status_code < 500, response.content


def test_a_signed_body_over_the_upload_limit_is_413(client, writer_key, settings):
    key, secret = writer_key
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = signed_call(
        client, "POST", "/api/posts/", key_id=key.key_id, secret=secret, data={"title": "x", "body": "y" * 2000}
    )
    assert response.status_code == 413


def test_a_request_signed_for_another_host_is_refused_before_any_view(writer_key):
    key, secret = writer_key
    from tests.apikeys.signing import as_meta, botocore_headers

    meta = as_meta(botocore_headers("GET", "http://evil.example/api/posts/", key_id=key.key_id, secret=secret))
    response = Client(raise_request_exception=False).get("/api/posts/", **meta)
    assert response.status_code == 400


def _port_where_nothing_listens() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_signed_request_while_the_database_is_down_is_503(writer_key, tmp_path, monkeypatch):
    monkeypatch.setattr("config.outage.incident", __import__("config.outage", fromlist=["Incident"]).Incident())
    key, secret = writer_key
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "gone" / "db.sqlite3")
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_port_where_nothing_listens()))
    try:
        response = signed_call(
            Client(raise_request_exception=False), "GET", "/api/posts/", key_id=key.key_id, secret=secret
        )
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
