"""The members-only demo: it answers on the verified user nginx names, and refuses paths servers read two ways."""

import http.client
import json
import posixpath
import re
import socket
import threading
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier.members_demo import MembersServer, is_ambiguous

FORGED = {"X-User-Id": "1", "X-User-Roles": "staff,admin"}


@pytest.fixture(scope="module")
def members():
    server = MembersServer(("127.0.0.1", 0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def get(port: int, target: str, headers: dict[str, str]) -> tuple[int, dict]:
    """GET ``target`` as written: http.client sends the path without resolving dot segments."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    "target",
    [
        "/members/../public/",
        "/members/%2e%2e/public/",
        "/members/%2E%2E/public/",
        "/members/.%2e/public/",
        "/members/..;/public/",
        "/members/./page",
        "/members/page/..",
        "/public/..%2fmembers/page",
        "/public/..%2Fmembers/page",
        "/public/..%5cmembers/page",
        "/public/..\\members/page",
        "/members/page%2f..%2f..%2fpublic/",
    ],
)
def test_dot_segments_and_encoded_slashes_are_refused_with_400(members, target):
    assert get(members, target, FORGED) == (400, {"error": "ambiguous_path"})


def test_members_page_welcomes_the_user_nginx_named(members):
    status, body = get(members, "/members/page", FORGED)

    assert (status, body["user_id"], body["roles"]) == (200, "1", ["staff", "admin"])


def test_members_page_without_a_user_is_401(members):
    assert get(members, "/members/page", {}) == (401, {"error": "no_verified_user"})


@pytest.mark.parametrize("target", ["/public/", "/public/notes.v2.txt", "/public/...", "/public/a;b?next=../x"])
def test_dots_inside_names_and_in_the_query_are_not_dot_segments(members, target):
    status, body = get(members, target, FORGED)

    assert status == 200
    assert "user_id" not in body


def as_nginx_matches(path: str) -> str:
    """Return the path nginx matches locations on: decoded, slashes merged, dot segments resolved."""
    merged = re.sub("/+", "/", unquote(path))
    resolved = posixpath.normpath(merged)
    return resolved + "/" if merged.endswith(("/", "/.", "/..")) and resolved != "/" else resolved


segments = st.sampled_from(["members", "public", "page", "", ".", "..", "%2e%2e", "%2E%2e", ".%2e", "..;"])
separators = st.sampled_from(["/", "//", "%2f", "%2F", "%5c", "\\"])
# Paths the service would answer as members-only, unless it refuses them.
under_members = st.lists(st.tuples(segments, separators), max_size=6).map(
    lambda pairs: "/members/" + "".join(segment + separator for segment, separator in pairs)
)


@given(under_members)
def test_a_path_the_service_answers_as_members_only_is_one_nginx_asks_the_authorizer_about(target):
    path = urlsplit(target).path  # as the service reads its request line
    if path.startswith("/members/") and not is_ambiguous(path):
        assert as_nginx_matches(target).startswith("/members/")


SMUGGLED = "GET /members/secret HTTP/1.1\r\nHost: x\r\nX-User-Id: 1\r\nX-User-Roles: admin\r\n\r\n"


@pytest.mark.parametrize(
    "framing",
    [
        f"Content-Length: {len(SMUGGLED)}\r\n\r\n{SMUGGLED}",
        f"Transfer-Encoding: chunked\r\n\r\n{len(SMUGGLED):x}\r\n{SMUGGLED}\r\n0\r\n\r\n",
    ],
    ids=["content-length", "chunked"],
)
def test_a_get_with_a_body_is_refused_and_its_body_never_read_as_a_request(members, framing):
    with socket.create_connection(("127.0.0.1", members), timeout=10) as connection:
        connection.sendall(f"GET /public/ HTTP/1.1\r\nHost: x\r\n{framing}".encode())
        answers = b""
        while chunk := connection.recv(65536):  # the server hangs up after its one answer
            answers += chunk

    assert answers.count(b"HTTP/1.1 ") == 1
    assert answers.startswith(b"HTTP/1.1 400 ") and b"body_not_accepted" in answers
