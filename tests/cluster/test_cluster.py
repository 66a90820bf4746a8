"""The deployment picture, for real: nginx in front of two gunicorn instances on PostgreSQL.

scripts/cluster.sh starts everything on loopback once for this module (about 10 s). The
instances run in production mode (DEBUG=0), so the Kakao sandbox is a process of its own.
The tests only speak HTTP, as a browser, an API client or an attacker would, the last with
request lines written byte for byte (tests/cluster/raw_http.py) and headers that never
end (tests/cluster/slow_clients.py). The last test stops an instance, so it stays last.

The members-only service behind the token verifier has its answers cached for
AUTHORIZER_TTL seconds; its tests wait for entries to end (about 10 s in all).

The cluster brings its own PostgreSQL, so it runs once: CLUSTER_TESTS=0 skips it (.ci/run
sets it for its second, PostgreSQL pass).
"""

import json
import os
import shutil
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.cluster.cluster import (
    Cluster,
    ClusterUnavailable,
    api_login,
    browser_login,
    exchange_kakao_code,
    instance_of,
    kakao_code,
)
from tests.cluster.raw_http import Answer, curl_get, raw_get
from tests.cluster.slow_clients import SlowClient, read_by_server, still_open, wait_until

pytestmark = pytest.mark.skipif(
    os.environ.get("CLUSTER_TESTS") == "0", reason="CLUSTER_TESTS=0: the cluster test already ran in another pass"
)

API_AUTH_LIMIT = 20  # per hour, so no window boundary falls inside a test
# Each instance: one gunicorn worker with this many threads, whatever the environment says.
GUNICORN_THREADS = 4
# Short, so the revocation-lag tests see cache entries end; production's default is 300.
AUTHORIZER_TTL = 5


@pytest.fixture(scope="module")
def cluster():
    try:
        running = Cluster.start(
            RATE_LIMIT_API_AUTH=f"{API_AUTH_LIMIT}/h",
            AUTHORIZER_RESULT_TTL_SECONDS=str(AUTHORIZER_TTL),
            WEB_CONCURRENCY="1",
            GUNICORN_THREADS=str(GUNICORN_THREADS),
            # Exact expiry, blog and verifier alike: the revocation-lag tests wait for tokens to expire.
            JWT_LEEWAY="0",
        )
    except ClusterUnavailable as error:
        pytest.skip(f"the cluster cannot run here: {error}")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(cluster):
    """A browser that logged in through nginx with the sandbox's first test account."""
    session = requests.Session()
    login = browser_login(session, cluster.site_url, next_path="/")
    return session, login


@pytest.fixture(scope="module")
def tokens(cluster):
    """Our JWTs for the sandbox's first test account, as an app gets them from /api/auth/kakao/."""
    return api_login(cluster)


@pytest.fixture
def access_token(tokens):
    return tokens["access"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_cluster_runs_two_named_instances(cluster):
    assert sorted(cluster.instances) == ["app1", "app2"]


def test_login_started_on_one_instance_finishes_on_the_other(cluster, browser):
    session, login = browser

    home = session.get(f"{cluster.site_url}/", timeout=10)

    assert login.callback_status == 302
    assert login.landed_on == "/"
    assert {login.start_instance, login.callback_instance} == set(cluster.instances)
    assert 'action="/accounts/logout/"' in home.text  # the page shows a logged-in user


def test_browser_jwt_cookies_from_the_callback_are_accepted_by_every_instance(cluster, browser):
    session, _login = browser

    answers = {name: session.get(f"{url}/api/auth/whoami/", timeout=10) for name, url in cluster.instances.items()}
    pages = {name: session.get(f"{url}/", timeout=10) for name, url in cluster.instances.items()}

    assert {name: r.status_code for name, r in answers.items()} == {"app1": 200, "app2": 200}
    assert answers["app1"].json()["sub"] == answers["app2"].json()["sub"]
    assert all('action="/accounts/logout/"' in page.text for page in pages.values())


def test_api_calls_spread_over_every_instance_all_accept_the_same_jwt(cluster, access_token):
    client = requests.Session()  # no cookies: the bearer token alone

    responses = [client.get(f"{cluster.site_url}/api/me/", headers=bearer(access_token), timeout=10) for _ in range(6)]

    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert {instance_of(r) for r in responses} == set(cluster.instances)


def test_each_instance_publishes_the_same_jwks(cluster):
    documents = [requests.get(f"{url}/.well-known/jwks.json", timeout=10).json() for url in cluster.instances.values()]

    assert documents[0]["keys"]
    assert all(document == documents[0] for document in documents)


def test_refresh_token_revoked_on_one_instance_is_refused_by_the_other(cluster):
    app1, app2 = cluster.instances["app1"], cluster.instances["app2"]
    first_refresh_token = api_login(cluster)["refresh"]

    rotated = requests.post(f"{app2}/api/auth/token/refresh/", json={"refresh": first_refresh_token}, timeout=10)
    refresh_token = rotated.json()["refresh"]
    logout = requests.post(f"{app1}/api/auth/logout/", json={"refresh": refresh_token}, timeout=10)
    refused = requests.post(f"{app2}/api/auth/token/refresh/", json={"refresh": refresh_token}, timeout=10)

    assert (rotated.status_code, instance_of(rotated)) == (200, "app2")
    assert (logout.status_code, instance_of(logout)) in {(204, "app1"), (205, "app1")}
    assert (refused.status_code, instance_of(refused)) == (401, "app2")


def test_rate_limit_counts_requests_to_every_instance_together(cluster):
    # Called directly, the instances trust X-Forwarded-For (TRUSTED_PROXY_HOPS=1): a fresh
    # address gives this test its own count. Only nginx can reach them in a real deployment.
    client = {"X-Forwarded-For": "203.0.113.50"}
    urls = list(cluster.instances.values())

    allowed = [
        requests.get(f"{urls[n % 2]}/api/auth/whoami/", headers=client, timeout=10) for n in range(API_AUTH_LIMIT)
    ]
    refused = [requests.get(f"{url}/api/auth/whoami/", headers=client, timeout=10) for url in urls]

    assert 429 not in {r.status_code for r in allowed}
    assert [r.status_code for r in refused] == [429, 429]
    assert refused[0].json()["error"] == "rate_limited"
    assert int(refused[0].headers["Retry-After"]) > 0


def test_production_instances_never_serve_the_sandbox(cluster):
    response = requests.get(f"{cluster.site_url}/sandbox/kakao/oauth/authorize", timeout=10)

    assert response.status_code == 404


def test_static_files_are_served_compressed_with_far_future_caching(cluster):
    home = requests.get(f"{cluster.site_url}/", timeout=10)
    stylesheet = home.text.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]

    response = requests.get(f"{cluster.site_url}{stylesheet}", headers={"Accept-Encoding": "gzip"}, timeout=10)

    assert stylesheet.startswith("/static/css/site.") and stylesheet != "/static/css/site.css"
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response.headers["Cache-Control"]


# Slow clients (slowloris): headers sent a byte at a time, never finished.


def test_slow_clients_straight_at_gunicorn_hold_all_its_threads_until_they_leave(cluster):
    instance = urlsplit(cluster.instances["app2"])
    slow = [SlowClient(instance.port) for _ in range(GUNICORN_THREADS + 2)]
    try:
        for client in slow:
            client.send_next_byte()
        # Each thread takes one connection and waits for the end of its headers; the rest queue.
        wait_until(lambda: len(read_by_server(slow)) >= GUNICORN_THREADS, what="every thread to hold a slow client")
        page = socket.create_connection((instance.hostname, instance.port), timeout=1)
        page.sendall(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        with pytest.raises(TimeoutError):
            page.recv(1)  # nothing in a second: no thread is free, nor will one be while they stay
        read = read_by_server(slow)
    finally:
        for client in slow:
            client.close()
    page.settimeout(30)
    answer = page.recv(12)
    page.close()

    assert len(read) == GUNICORN_THREADS  # the two others were never even read
    assert answer == b"HTTP/1.1 200"  # once they left, the waiting request was served


def test_slow_clients_at_nginx_leave_the_site_answering(cluster):
    nginx_port = urlsplit(cluster.site_url).port
    # More slow clients than both instances have threads: if nginx passed them on, nothing would answer.
    slow = [SlowClient(nginx_port) for _ in range(2 * GUNICORN_THREADS * len(cluster.instances))]
    try:
        for _ in range(3):
            for client in slow:
                client.send_next_byte()
        wait_until(lambda: len(read_by_server(slow)) == len(slow), what="nginx to read every slow client")

        answers = [requests.get(f"{cluster.site_url}/.well-known/jwks.json", timeout=10) for _ in range(4)]
        held = still_open(slow)
    finally:
        for client in slow:
            client.close()

    assert [a.status_code for a in answers] == [200] * 4
    assert {instance_of(a) for a in answers} == set(cluster.instances)
    assert len(held) == len(slow)  # ...while nginx still held every slow client, waiting for its headers


# nginx's auth_request to the token verifier (python -m verifier), its answers cached.


def members(cluster: Cluster, token: str | None = None, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(f"{cluster.site_url}/members/page", headers=headers, timeout=10)


def seen_by_members(cluster: Cluster) -> dict:
    return requests.get(f"{cluster.members_url}/_seen", timeout=10).json()


def test_first_members_call_asks_the_verifier_and_later_ones_hit_the_cache(cluster):
    login = api_login(cluster)

    answers = [members(cluster, login["access"]) for _ in range(3)]

    assert [(a.status_code, a.headers["X-Authorizer-Cache"]) for a in answers] == [
        (200, "MISS"),
        (200, "HIT"),
        (200, "HIT"),
    ]
    assert {a.json()["user_id"] for a in answers} == {str(login["user"]["id"])}


def test_refused_token_is_401_every_time_and_never_cached_as_success(cluster, access_token):
    header, payload, _signature = access_token.split(".")
    forged = f"{header}.{payload}.{'A' * 342}"  # our real header and claims, a made-up signature

    answers = [members(cluster, forged) for _ in range(3)]

    assert [(a.status_code, a.headers["X-Authorizer-Cache"]) for a in answers] == [(401, "MISS")] * 3
    assert 'error="invalid_token"' in answers[0].headers["WWW-Authenticate"]


def test_members_service_never_sees_a_request_without_a_verified_user(cluster, access_token):
    before = seen_by_members(cluster)
    unverified = [
        members(cluster),
        members(cluster, X_User_Id="1", X_User_Roles="staff"),
        members(cluster, **{"X-User-Id": "1", "X-User-Roles": "staff"}),
        members(cluster, "not.a.jwt", **{"X-User-Id": "1"}),
        members(cluster, **{"Authorization": "Basic dXNlcjpwYXNz", "x-user-id": "1"}),
    ]
    verified = members(cluster, access_token, **{"X-User-Id": "999", "X-User-Roles": "staff"})
    after = seen_by_members(cluster)

    assert [a.status_code for a in unverified] == [401] * len(unverified)
    assert verified.status_code == 200
    assert verified.json()["roles"] == []  # the client's X-User-Roles never got through
    assert verified.json()["user_id"] != "999"
    assert after == {"members_requests": before["members_requests"] + 1, "without_user": 0}


# Paths written to walk around nginx's locations: start in one location, go "up" in a
# spelling some server on the way may read as "..", and land on the members-only or the
# public page. "/static/" stands for the blog's location /; "/_authorizer/" is a prefix of
# the internal location's name.
LOCATIONS = ["/static/", "/accounts/kakao/callback/", "/members/", "/public/", "/_authorizer/"]
UP = ["..", "%2e%2e", "%2E%2E", ".%2e", "..;"]
SLASH = ["/", "//", "%2f", "%2F", "%5c", "\\"]
FORGED = {"X-User-Id": "31337", "X-User-Roles": "forged-admin"}


def walkarounds(site_url: str) -> list[str]:
    paths = [
        location + (up + slash) * (location.count("/") - 1) + page
        for location in LOCATIONS
        for up in UP
        for slash in SLASH
        for page in ("members/page", "public/page")
    ]
    return [
        *paths,
        "/members//../public/page",
        "/members/./../public/page",
        "/members/page/../../public/page",
        "/public/page/..%2f..%2fmembers/page",
        f"{site_url}/members/../public/page",  # the absolute form of a request line
    ]


def forged_identity_in(answer: Answer) -> bool:
    return any(value in answer.body or value in answer.headers for value in FORGED.values())


def test_no_spelling_of_a_path_takes_forged_user_headers_past_the_authorizer(cluster):
    answers = {path: raw_get(cluster.site_url, path, FORGED) for path in walkarounds(cluster.site_url)}

    assert [path for path, answer in answers.items() if forged_identity_in(answer)] == []
    assert [path for path, answer in answers.items() if "Welcome, member" in answer.body] == []
    assert {401, 200} <= {answer.status for answer in answers.values()}  # some reached /members/, some /public/


def test_forged_user_headers_never_replace_the_verified_user_on_any_path(cluster, tokens):
    headers = {**FORGED, "Authorization": f"Bearer {tokens['access']}"}

    answers = {path: raw_get(cluster.site_url, path, headers) for path in walkarounds(cluster.site_url)}
    welcomed = [json.loads(answer.body) for answer in answers.values() if "Welcome, member" in answer.body]

    assert [path for path, answer in answers.items() if forged_identity_in(answer)] == []
    assert welcomed  # the token got in where nginx routed to /members/...
    assert {member["user_id"] for member in welcomed} == {str(tokens["user"]["id"])}  # ...as its own user


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("path", ["/members/../public/", "/members/%2e%2e/public/"])
def test_curl_up_from_members_with_forged_headers_gets_only_the_public_page(cluster, path):
    answer = curl_get(f"{cluster.site_url}{path}", {"X-User-Id": "1", "X-User-Roles": "staff,admin"})

    assert (answer.status, json.loads(answer.body)) == (200, {"message": "Open to anyone: nobody asked who you are."})


def test_after_logout_the_access_token_is_still_accepted_until_it_expires(cluster):
    login = api_login(cluster)
    first = members(cluster, login["access"])

    logout = requests.post(f"{cluster.site_url}/api/auth/logout/", json={"refresh": login["refresh"]}, timeout=10)
    refresh = requests.post(
        f"{cluster.site_url}/api/auth/token/refresh/", json={"refresh": login["refresh"]}, timeout=10
    )
    cached = members(cluster, login["access"])
    time.sleep(cluster.authorizer_ttl + 1)
    asked_again = members(cluster, login["access"])

    assert (first.status_code, first.headers["X-Authorizer-Cache"]) == (200, "MISS")
    assert logout.status_code in {204, 205} and refresh.status_code == 401  # the blog knows it is over
    assert (cached.status_code, cached.headers["X-Authorizer-Cache"]) == (200, "HIT")
    # The cache entry ended, but the verifier has no database: the unexpired token still passes.
    assert (asked_again.status_code, asked_again.headers["X-Authorizer-Cache"]) == (200, "MISS")


def test_a_cached_answer_outlives_the_token_until_the_cache_entry_ends(cluster):
    lifetime = 2
    short_lived = cluster.start_extra_instance(
        "short-lived-tokens", JWT_ACCESS_TOKEN_LIFETIME=str(lifetime), JWT_LEEWAY="0"
    )
    try:
        code = kakao_code(
            sandbox_url=cluster.sandbox_url, client_id=cluster.client_id, redirect_uri=cluster.redirect_uri
        )
        login = exchange_kakao_code(short_lived.url, code).json()
        expires_at = time.time() + lifetime
        first = members(cluster, login["access"])
        cached_until = time.time() + cluster.authorizer_ttl
        requests.post(f"{short_lived.url}/api/auth/logout/", json={"refresh": login["refresh"]}, timeout=10)

        sleep_until(expires_at + 1)
        blog = requests.get(f"{short_lived.url}/api/me/", headers=bearer(login["access"]), timeout=10)
        expired_but_cached = members(cluster, login["access"])
        sleep_until(cached_until + 1)
        after_the_entry = members(cluster, login["access"])
    finally:
        short_lived.stop()

    assert (first.status_code, first.headers["X-Authorizer-Cache"]) == (200, "MISS")
    assert blog.status_code == 401  # the blog refuses the expired token...
    assert (expired_but_cached.status_code, expired_but_cached.headers["X-Authorizer-Cache"]) == (
        200,
        "HIT",
    )  # ...nginx does not
    assert (after_the_entry.status_code, after_the_entry.headers["X-Authorizer-Cache"]) == (401, "MISS")


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def test_verifier_down_is_503_for_new_tokens_while_cached_answers_still_pass(cluster, access_token):
    fresh = api_login(cluster)["access"]
    assert members(cluster, access_token).status_code == 200  # now in the cache

    cluster.stop_verifier()
    cached = members(cluster, access_token)
    unknown = members(cluster, fresh)

    assert cached.status_code == 200
    assert unknown.status_code == 503
    assert unknown.json() == {"error": "authorizer_unavailable"}
    assert unknown.headers["Retry-After"] == "5"


def test_requests_keep_succeeding_through_nginx_when_one_instance_stops(cluster, access_token):
    cluster.stop_instance("app1")
    client = requests.Session()

    responses = [client.get(f"{cluster.site_url}/api/me/", headers=bearer(access_token), timeout=10) for _ in range(6)]
    pages = [client.get(f"{cluster.site_url}/", timeout=10) for _ in range(2)]

    assert [r.status_code for r in responses + pages] == [200] * 8
    assert {instance_of(r) for r in responses + pages} == {"app2"}


SMUGGLED = "GET /members/secret HTTP/1.1\r\nHost: x\r\nX-User-Id: 1\r\nX-User-Roles: admin,staff\r\n\r\n"


@pytest.mark.parametrize(
    "framing",
    [f"Content-Length: {len(SMUGGLED)}\r\n\r\n{SMUGGLED}", f"Transfer-Encoding: chunked\r\n\r\n{len(SMUGGLED):x}\r\n{SMUGGLED}\r\n0\r\n\r\n"],
    ids=["content-length", "chunked"],
)
@pytest.mark.parametrize("target", ["/public/page", "/members/page"])
def test_a_request_hidden_in_a_get_body_never_reaches_the_members_service(cluster, framing, target):
    before = seen_by_members(cluster)
    site = urlsplit(cluster.site_url)
    with socket.create_connection((site.hostname, site.port), timeout=10) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: {site.netloc}\r\nConnection: close\r\n{framing}".encode())
        while connection.recv(65536):  # nginx hangs up after its answer
            pass

    assert seen_by_members(cluster) == before
