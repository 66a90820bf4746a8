"""How long does the server spend on a Kakao login callback, with the sandbox on loopback?

    .venv/bin/python bench/login.py [--logins 200]

Starts the Kakao sandbox as its own process (``run_kakao_sandbox``) on a free loopback
port and points the blog at it, as production points it at Kakao. For each login, a
fresh browser (Django's test client) starts at /accounts/kakao/login/, the sandbox's
consent is given over HTTP, and the callback is timed inside this process: state check,
code exchange (HTTP), profile fetch (HTTP), find-or-create of the user, session, our
JWT cookies. Prints p50/p99 of the whole callback and of the two calls to the sandbox.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import database_from_args, machine, percentile  # noqa: E402

CLIENT_ID, CLIENT_SECRET = "bench-rest-api-key", "bench-client-secret"
REDIRECT_URI = "http://testserver/accounts/kakao/callback/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL instead of SQLite")
    args = parser.parse_args()
    with database_from_args(args.postgres):
        measure_all(args)


def measure_all(args: argparse.Namespace) -> None:
    sandbox, sandbox_url = start_sandbox()
    try:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings_test",
                "KAKAO_CLIENT_ID": CLIENT_ID,
                "KAKAO_CLIENT_SECRET": CLIENT_SECRET,
                "KAKAO_AUTH_URL": sandbox_url,
                "KAKAO_API_URL": sandbox_url,
                "RATE_LIMIT_LOGIN": "off",
            }
        )
        import django

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment(debug=False)
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            run(args.logins, sandbox_url)
        finally:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


def start_sandbox() -> tuple[subprocess.Popen, str]:
    """Run the sandbox alone on a free port; return the process and its URL."""
    process = subprocess.Popen(
        [
            sys.executable, "manage.py", "run_kakao_sandbox", "--port", "0",
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--admin-key", "bench-admin-key",
            "--redirect-uri", REDIRECT_URI,
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", "KAKAO_CLIENT_ID": CLIENT_ID},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its request log
        text=True,
    )  # fmt: skip
    first_line = process.stdout.readline()
    match = re.search(r"http://[^\s/]+", first_line)
    if not match:
        process.kill()
        raise SystemExit(f"the sandbox did not start: {first_line!r}")
    return process, match[0]


def run(logins: int, sandbox_url: str) -> None:
    import requests
    from django.test import Client

    from accounts import kakao
    from tests.cluster.cluster import consent

    spent_on_kakao: list[float] = []

    def timed(function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent_on_kakao[-1] += time.perf_counter() - began

        return wrapper

    kakao.exchange_code = timed(kakao.exchange_code)
    kakao.fetch_profile = timed(kakao.fetch_profile)

    print(f"machine: {machine()}")
    print(f"sandbox: {sandbox_url} (run_kakao_sandbox, its own process)\n")
    callbacks, starts = [], []
    browser_at_kakao = requests.Session()
    for number in range(logins + 10):
        client = Client()
        began = time.perf_counter()
        start = client.get("/accounts/kakao/login/")
        start_seconds = time.perf_counter() - began
        callback_url = consent(browser_at_kakao, start["Location"], account="full")
        spent_on_kakao.append(0.0)
        began = time.perf_counter()
        callback = client.get(callback_url.removeprefix("http://testserver"))
        callback_seconds = time.perf_counter() - began
        if callback.status_code != 302:
            raise SystemExit(f"login {number} failed: callback answered {callback.status_code}")
        if number >= 10:  # the first ones warm up connections and create the user
            starts.append(start_seconds)
            callbacks.append(callback_seconds)
        else:
            spent_on_kakao.pop()

    own = sorted(total - kakao_part for total, kakao_part in zip(callbacks, spent_on_kakao, strict=True))
    rows = [
        ("login start (state + PKCE, redirect)", sorted(starts)),
        ("callback, whole", sorted(callbacks)),
        ("  of which token + profile calls to the sandbox", sorted(spent_on_kakao)),
        ("  of which our own work", own),
    ]
    print(f"{len(callbacks)} logins of a returning user, server-side time in ms")
    print(f"{'':<48} {'p50':>7} {'p99':>7} {'mean':>7}")
    for label, values in rows:
        print(
            f"{label:<48} {percentile(values, 50) * 1000:>7.2f} {percentile(values, 99) * 1000:>7.2f}"
            f" {statistics.mean(values) * 1000:>7.2f}"
        )


if __name__ == "__main__":
    main()
