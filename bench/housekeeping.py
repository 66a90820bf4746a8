"""Do the tables of expiring rows level off with `manage.py housekeeping` running? Row counts over time.

    .venv/bin/python bench/housekeeping.py [--seconds 30] [--every 5] [--postgres]

On a throwaway test database (SQLite, or PostgreSQL with --postgres), in this process, a
steady stream of what users leave behind, everything expiring after LIFETIME seconds
instead of days: logins (a refresh-token family each, every other one logged out, so
revoked), login starts abandoned at Kakao (a session each), login flow records (state
entries) and rate-limit counters (a new client address each time). First for --seconds
without housekeeping, then as long again with it run every --every seconds. Prints the
row counts every --every seconds: growing in the first half, level in the second.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import database_from_args, machine

LIFETIME = 10  # seconds, for every kind of row
PER_SECOND = 20  # of each kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per half")
    parser.add_argument("--every", type=float, default=5.0, help="housekeeping's interval")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL instead of SQLite")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    os.environ["JWT_REFRESH_TOKEN_LIFETIME"] = str(LIFETIME)
    with database_from_args(args.postgres):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment(debug=False)
        settings.SESSION_COOKIE_AGE = LIFETIME
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            soak(args)
        finally:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def soak(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    print(
        f"\n{LIFETIME} s lifetimes, {PER_SECOND} of each kind a second; housekeeping every {args.every:g} s in half 2"
    )
    print(f"{'second':>6} {'housekeeping':>12} {'families':>9} {'sessions':>9} {'state':>7} {'counters':>9}")
    stop = threading.Event()
    traffic = threading.Thread(target=users, args=(stop,))
    traffic.start()
    started = time.monotonic()
    try:
        for half, housekeeping in ((1, False), (2, True)):
            end = started + half * args.seconds
            while (now := time.monotonic()) < end:
                time.sleep(min(args.every, end - now))
                if housekeeping:
                    call_command("housekeeping", stdout=open(os.devnull, "w"))  # noqa: SIM115
                print(
                    f"{time.monotonic() - started:>6.0f} {'on' if housekeeping else 'off':>12} {counts()}", flush=True
                )
    finally:
        stop.set()
        traffic.join()


def users(stop: threading.Event) -> None:
    """Leave PER_SECOND rows of each kind a second behind, as users do, until ``stop``."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from accounts.models import User
    from core import state
    from ratelimit.middleware import Rate, hit
    from tokens import families

    user = User.objects.create_user(username="soak", nickname="soak")
    number = 0
    while not stop.is_set():
        began = time.monotonic()
        for _ in range(PER_SECOND):
            number += 1
            pair = families.issue_tokens(user)
            if number % 2:
                families.revoke(pair.refresh)
            SessionStore().create()  # a login start whose browser never came back from Kakao
            state.put(f"login-flow:{number}", ["authorize"], ttl=LIFETIME)
            hit(bucket=f"/api/auth/:203.0.113.{number % 250}.{number}", rate=Rate(60, LIFETIME), now=time.time())
        stop.wait(max(0.0, 1 - (time.monotonic() - began)))
    connection.close()


def counts() -> str:
    from django.contrib.sessions.models import Session

    from core.models import StateEntry
    from ratelimit.models import RateLimitCounter
    from tokens.models import RefreshTokenFamily

    return (
        f"{RefreshTokenFamily.objects.count():>9} {Session.objects.count():>9} "
        f"{StateEntry.objects.count():>7} {RateLimitCounter.objects.count():>9}"
    )


if __name__ == "__main__":
    main()
