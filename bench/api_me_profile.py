"""Where the time of /api/me/ goes, in this process: no HTTP server, no client threads.

    .venv/bin/python bench/api_me_profile.py [--requests 400] [--profile me]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/api_me_profile.py

Uses bench/api_auth.py's production settings and endpoints, and calls the WSGI application
directly, so each figure is Django's own CPU time per request (no gunicorn, no sockets).
Prints the queries of each endpoint and its CPU µs per request, interleaved over rounds;
then the parts of /api/me/ on their own. ``--profile NAME`` adds cProfile's top functions
of one endpoint (trivial, whoami, me, "me (simplejwt)").
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import api_auth

ENDPOINTS = {name: api_auth.ENDPOINTS[name] for name in ("trivial", "whoami", "me", "me (simplejwt)")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint per round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--profile", choices=list(ENDPOINTS), help="print cProfile's top functions of one endpoint")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-me-"))
    env = api_auth.production_environment(workdir)
    os.environ.update(env)
    try:
        api_auth.manage("migrate", "--noinput", env=env)
        import django

        django.setup()
        access_token = api_auth.make_user_and_token()
        api_auth.print_machine()
        call = wsgi_caller(access_token)
        print_queries(call)
        print_cpu_per_request(call, args)
        print_parts()
        if args.profile:
            print_profile(call, ENDPOINTS[args.profile], args.requests * 5)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def wsgi_caller(access_token: str):
    """Return call(path) -> status code, going through the whole WSGI application."""
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    base = {
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {access_token}",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }

    def call(path: str) -> int:
        statuses = []
        body = application({**base, "PATH_INFO": path, "wsgi.input": io.BytesIO()}, lambda s, h: statuses.append(s))
        b"".join(body)
        body.close()
        return int(statuses[0].split()[0])

    return call


def print_queries(call) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    print("\nqueries per request:")
    for name, path in ENDPOINTS.items():
        call(path)  # warm up: connection, URL resolver, first verification
        with CaptureQueriesContext(connection) as queries:
            if call(path) != 200:
                raise SystemExit(f"{path} did not answer 200")
        print(f"  {name:<16} {len(queries.captured_queries)}")


def print_cpu_per_request(call, args: argparse.Namespace) -> None:
    """Print each endpoint's CPU time per request: the median and lowest of the rounds."""
    results = {name: [] for name in ENDPOINTS}
    for _ in range(args.rounds):
        for name, path in ENDPOINTS.items():
            results[name].append(cpu_per_call(lambda path=path: call(path), args.requests))
    print(f"\nCPU µs per request through the WSGI application ({args.rounds} rounds of {args.requests}):")
    for name, values in results.items():
        print(f"  {name:<16} median {statistics.median(values) * 1e6:6.0f}   lowest {min(values) * 1e6:6.0f}")
    me, stock = statistics.median(results["me"]), statistics.median(results["me (simplejwt)"])
    print(f"  me (simplejwt) / me: {stock / me:.2f}")


def print_parts() -> None:
    from rest_framework_simplejwt.authentication import JWTAuthentication

    from accounts import selectors, serializers
    from accounts.models import User

    user_id = User.objects.get(username="bench").pk
    account = selectors.api_account(user_id=user_id)
    user = User.objects.get(pk=user_id)
    user.kakao_id = account["kakao_id"]
    stock = JWTAuthentication()
    stock_token = stock.get_validated_token(api_auth.make_user_and_token().encode())
    print("\nparts, CPU µs per call (lowest of 5 runs):")
    for label, function in [
        ("/api/me/: selectors.api_account (one query)", lambda: selectors.api_account(user_id=user_id)),
        ("the same query built by the ORM (a select_related join)", lambda: orm_account(user_id)),
        ("/api/me/: serializers.user_data", lambda: serializers.user_data(account)),
        ("the same with UserSerializer(...).data", lambda: serializers.UserSerializer(user).data),
        ("simplejwt: JWTAuthentication.get_user (its query)", lambda: stock.get_user(stock_token)),
    ]:
        print(f"  {label:<56} {min(cpu_per_call(function, 1000) for _ in range(5)) * 1e6:6.0f}")


def orm_account(user_id: int):
    """Return the account and its Kakao identity as the ORM reads them (/api/me/ did, before a selector)."""
    from accounts.models import Identity

    return (
        Identity.objects.select_related("user")
        .filter(user_id=user_id, provider=Identity.Provider.KAKAO, user__is_active=True)
        .first()
    )


def cpu_per_call(function, calls: int) -> float:
    began = time.thread_time()
    for _ in range(calls):
        function()
    return (time.thread_time() - began) / calls


def print_profile(call, path: str, calls: int) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        call(path)
    profile.disable()
    print(f"\ncProfile of {path}, {calls} requests (cumulative time, with profiling overhead):")
    pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
