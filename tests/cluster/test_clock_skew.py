"""Servers whose clocks are a few seconds apart accept each other's tokens: nobody is logged out.

Beside the cluster's two instances (the machine's clock) run two more on the same database
and key, outside nginx, under libfaketime: ``ahead`` 5 s fast and ``behind`` 5 s slow. A
token issued by ``ahead`` has an ``iat`` 5 s in the future of every other server, and one
issued by the cluster is 5 s in ``behind``'s future. With no leeway (JWT_LEEWAY=0, the
former default) browsers that logged in on ``ahead`` were logged out by the next page, and
the API and the verifier refused those tokens.
"""

import os
import shutil

import pytest
import requests

from tests.cluster.cluster import Cluster, ClusterUnavailable, exchange_kakao_code, kakao_code, login_until_callback
from tests.faults.traffic import logged_in

pytestmark = pytest.mark.skipif(
    os.environ.get("CLUSTER_TESTS") == "0", reason="CLUSTER_TESTS=0: the cluster test already ran in another pass"
)

CLOCKS = {"ahead": "+5s", "behind": "-5s"}
ACCOUNTS = ["full", "nickname-only", "no-email", "big-id"]


@pytest.fixture(scope="module")
def cluster():
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.skip("faketime is not installed (scripts/ensure-packages.sh installs it)")
    try:
        # Every /members/ call asks the verifier: a refusal cannot hide behind nginx's cache.
        running = Cluster.start(AUTHORIZER_RESULT_TTL_SECONDS="0", RATE_LIMIT_LOGIN="off", RATE_LIMIT_API_AUTH="off")
    except ClusterUnavailable as error:
        pytest.skip(f"the cluster cannot run here: {error}")
    skewed = []
    try:
        for name, offset in CLOCKS.items():
            skewed.append(running.start_extra_instance(name, wrapper=(faketime, "-f", offset)))
            running.instances[name] = skewed[-1].url
        yield running
    finally:
        for instance in skewed:
            instance.stop()
        running.stop()


def api_login_at(cluster: Cluster, url: str, account: str) -> dict:
    code = kakao_code(
        sandbox_url=cluster.sandbox_url, client_id=cluster.client_id, redirect_uri=cluster.redirect_uri, account=account
    )
    answer = exchange_kakao_code(url, code)
    assert answer.status_code == 200, answer.text[:200]
    return answer.json()


def whoami(url: str, access_token: str) -> requests.Response:
    return requests.get(f"{url}/api/auth/whoami/", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)


def test_browsers_that_log_in_on_an_instance_5_s_ahead_stay_logged_in_everywhere(cluster):
    logged_out = []
    for account in ACCOUNTS:
        browser = requests.Session()
        _start, callback_url = login_until_callback(browser, cluster.site_url, account=account)
        # The same callback, answered by the instance whose clock is ahead: it issues the cookies.
        callback = browser.get(
            callback_url.replace(cluster.site_url, cluster.instances["ahead"]), allow_redirects=False, timeout=20
        )
        assert callback.status_code == 302

        for where in ("app1", "app2", "behind"):
            page = browser.get(f"{cluster.instances[where]}/", timeout=10)
            if not logged_in(page) or "refresh_token" not in browser.cookies:
                logged_out.append(f"{account} by a page of {where}")
                break

    assert logged_out == [], f"{len(logged_out)} of {len(ACCOUNTS)} browsers logged out: {logged_out}"


def test_tokens_issued_by_instances_10_s_apart_are_accepted_by_every_instance_and_the_verifier(cluster):
    refused = []
    for issuer, account in zip(["ahead", "behind", "app1"], ACCOUNTS, strict=False):
        tokens = api_login_at(cluster, cluster.instances[issuer], account)
        for checker in ("app1", "app2", "ahead", "behind"):
            if whoami(cluster.instances[checker], tokens["access"]).status_code != 200:
                refused.append(f"{issuer}'s access token at {checker}")
        members = requests.get(
            f"{cluster.site_url}/members/page", headers={"Authorization": f"Bearer {tokens['access']}"}, timeout=10
        )
        if members.status_code != 200:
            refused.append(f"{issuer}'s access token at the verifier")
        # Refreshed where the clock differs most from the issuer's.
        refresher = "behind" if issuer != "behind" else "ahead"
        refresh = requests.post(
            f"{cluster.instances[refresher]}/api/auth/token/refresh/", json={"refresh": tokens["refresh"]}, timeout=10
        )
        if refresh.status_code != 200:
            refused.append(f"{issuer}'s refresh token at {refresher}")

    assert refused == [], f"{len(refused)} of 18 checks refused a valid token: {refused}"
