"""What authenticating an API call with our JWT costs, measured over real HTTP.

    .venv/bin/python bench/api_auth.py [--rounds 5] [--seconds 2] [--concurrency 4]

Starts gunicorn (the production config, 2 workers) on a free loopback port with
production settings on a throwaway SQLite database (or BENCH_DATABASE_URL), then measures
requests/s, p50/p99 latency and the workers' CPU time per request of these endpoints,
interleaved round by round so that a noisy machine slows all of them alike (ratios are
taken within each round, then the median is printed):

  trivial          GET /bench/trivial/       DRF, no authentication, no database
  whoami           GET /api/auth/whoami/     our bearer token, no database
  whoami, unseen   the same, with a token the worker has not verified before
  stateless        GET /bench/whoami-simplejwt-stateless/  simplejwt's JWTStatelessUserAuthentication
  me               GET /api/me/              our bearer token, one query (the account)
  me (simplejwt)   GET /bench/me-simplejwt/  the same view under stock simplejwt JWTAuthentication

Then, in this process, microseconds per token verify and per token issue, against raw
PyJWT with a loaded key, and the cost of re-parsing the PEM for every token.
Rate limits are switched off: this measures authentication, not the limiter.
"""

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

ENDPOINTS = {
    "trivial": "/bench/trivial/",
    "whoami": "/api/auth/whoami/",
    "whoami, unseen": "/api/auth/whoami/",
    "stateless": "/bench/whoami-simplejwt-stateless/",
    "me": "/api/me/",
    "me (simplejwt)": "/bench/me-simplejwt/",
}
# "whoami, unseen" cycles through more tokens than a worker remembers, so every call
# verifies an RSA signature: the cost of a client's first call with a new token.
UNSEEN_TOKENS = 2500
RATIOS = [
    ("whoami / trivial", "whoami", "trivial", 0.90),
    ("whoami, unseen / trivial", "whoami, unseen", "trivial", None),
    ("simplejwt stateless / trivial", "stateless", "trivial", None),
    ("me / trivial", "me", "trivial", None),
    ("me (simplejwt) / trivial", "me (simplejwt)", "trivial", None),
    ("me / me (simplejwt)", "me", "me (simplejwt)", 1.5),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="per endpoint per round")
    parser.add_argument("--concurrency", type=int, default=4, help="client connections")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-auth-"))
    env = production_environment(workdir)
    os.environ.update(env)
    try:
        manage("migrate", "--noinput", env=env)
        manage("createcachetable", env=env)
        import django

        django.setup()
        access_token = make_user_and_token()
        print_machine()
        measure_http(env, access_token, make_unseen_tokens(access_token), args)
        measure_tokens(access_token)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def production_environment(workdir: Path) -> dict[str, str]:
    from config.devfiles import generate_private_key_pem

    return {
        "DJANGO_SETTINGS_MODULE": "bench.api_auth_settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "KAKAO_CLIENT_ID": "bench",
        "KAKAO_APP_ID": "1000001",
        "JWT_PRIVATE_KEY": generate_private_key_pem().decode(),
        "JWT_ISSUER": "http://127.0.0.1",
        "JWT_ACCESS_TOKEN_LIFETIME": "3600",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "VAR_DIR": str(workdir),
        "STATIC_ROOT": str(workdir),
        "SECURE_SSL_REDIRECT": "0",
        "RATE_LIMIT_API_AUTH": "off",
        "RATE_LIMIT_LOGIN": "off",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_MAX_REQUESTS": "0",
        "LOG_LEVEL": "WARNING",
    }


def manage(*command: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


def make_user_and_token() -> str:
    from accounts.models import Identity, User
    from tokens import families

    user, _created = User.objects.get_or_create(username="bench", defaults={"nickname": "벤치"})
    Identity.objects.get_or_create(user=user, provider="kakao", uid="1376016924429759228")
    return families.issue_tokens(user).access


def make_unseen_tokens(access_token: str) -> list[str]:
    """Return many valid access tokens for the same user, each with its own jti."""
    from tokens import tokens

    claims = tokens.verify_access_token(access_token)
    return [tokens.backend().encode({**claims, "jti": f"{number:032x}"}) for number in range(UNSEEN_TOKENS)]


def print_machine() -> None:
    import django
    import jwt
    import rest_framework_simplejwt

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    print(f"machine: {os.cpu_count()} CPUs ({cpu}), Python {sys.version.split()[0]}, Django {django.__version__},")
    print(f"         PyJWT {jwt.__version__}, simplejwt {rest_framework_simplejwt.__version__}")


# Over HTTP


def measure_http(env: dict[str, str], access_token: str, unseen: list[str], args: argparse.Namespace) -> None:
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--config",
            "config/gunicorn.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env={**os.environ, **env},
    )
    try:
        wait_until_up(port)
        tokens_of = {name: unseen if name == "whoami, unseen" else [access_token] for name in ENDPOINTS}
        workers = worker_pids(server.pid)
        for name, path in ENDPOINTS.items():
            check = get_once(port, path, bearer(tokens_of[name][0]))
            if check != 200:
                raise SystemExit(f"{path} answered {check}, not 200")
            run_load(port, path, tokens_of[name], seconds=0.5, concurrency=args.concurrency)  # warm up
        rounds = []
        names = list(ENDPOINTS)
        for number in range(args.rounds):
            order = names[number % len(names) :] + names[: number % len(names)]
            rounds.append(
                {
                    name: run_load(port, ENDPOINTS[name], tokens_of[name], args.seconds, args.concurrency, workers)
                    for name in order
                }
            )
        report_http(rounds, args)
    finally:
        server.terminate()
        server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get_once(port, ENDPOINTS["trivial"], {"Host": "127.0.0.1"}) == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "Host": "127.0.0.1"}


def get_once(port: int, path: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run_load(port: int, path: str, access_tokens: list[str], seconds: float, concurrency: int, workers=()) -> dict:
    """Keep ``concurrency`` keep-alive connections busy for ``seconds``; return rate, latencies, CPU.

    Each connection sends the access tokens in turn, starting at its own place in the list.
    The CPU time the gunicorn ``workers`` spent is taken too: on a machine that other work
    slows down, it varies much less than requests per second.
    """
    cpu_before = cpu_seconds(workers)
    all_headers = [bearer(access_token) for access_token in access_tokens]
    latencies: list[float] = []
    failures: list[int] = []
    start = time.perf_counter()
    deadline = start + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        turn = offset
        while (began := time.perf_counter()) < deadline:
            connection.request("GET", path, headers=all_headers[turn % len(all_headers)])
            turn += 1
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                failures.append(response.status)
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.close()
        latencies.extend(mine)

    spread = max(1, len(all_headers) // concurrency)
    threads = [threading.Thread(target=client, args=(number * spread,)) for number in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{path}: {len(failures)} answers were not 200 (first: {failures[0]})")
    cpu_per_request = (cpu_seconds(workers) - cpu_before) / max(1, len(latencies))
    return {"rps": len(latencies) / (time.perf_counter() - start), "latencies": latencies, "cpu": cpu_per_request}


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def cpu_seconds(pids) -> float:
    """Return the user + system CPU seconds the processes ``pids`` have used so far (Linux)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def report_http(rounds: list[dict], args: argparse.Namespace) -> None:
    print(
        f"\nHTTP: gunicorn 2 workers (config/gunicorn.py), {args.concurrency} keep-alive client connections, "
        f"{args.rounds} interleaved rounds of {args.seconds:g} s per endpoint"
    )
    print(f"{'endpoint':<16} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/req':>11}   req/s per round")
    for name in ENDPOINTS:
        rates = [round_[name]["rps"] for round_ in rounds]
        cpu = statistics.median(round_[name]["cpu"] for round_ in rounds) * 1e6
        latencies = sorted(latency for round_ in rounds for latency in round_[name]["latencies"])
        p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
        per_round = " ".join(f"{rate:6.0f}" for rate in rates)
        print(f"{name:<16} {statistics.median(rates):>7.0f} {p50:>8.2f} {p99:>8.2f} {cpu:>11.0f}   {per_round}")
    print("\n(req/s and CPU µs/req are medians over the rounds; p50/p99 pool every request)")
    print_ratios(rounds, "req/s", lambda result: result["rps"])
    print_ratios(rounds, "requests per server CPU second", lambda result: 1 / result["cpu"])


def print_ratios(rounds: list[dict], what: str, measure) -> None:
    print(f"\nratios of {what}, within each round:")
    for label, top, bottom, target in RATIOS:
        ratios = [measure(round_[top]) / measure(round_[bottom]) for round_ in rounds]
        median = statistics.median(ratios)
        verdict = "" if target is None else f"  target >= {target:.2f}: {'met' if median >= target else 'MISSED'}"
        per_round = " ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"  {label:<30} median {median:.2f}  (rounds: {per_round}){verdict}")


def percentile(sorted_values: list[float], pct: float) -> float:
    index = min(len(sorted_values) - 1, round(pct / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


# In process


def measure_tokens(access_token: str) -> None:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from django.conf import settings

    from accounts.models import User
    from tokens import families, keys, tokens

    signing = keys.signing_key()
    public_key = signing.private_key.public_key()
    claims = tokens.verify_access_token(access_token)
    headers = {"kid": signing.kid, "typ": "at+jwt"}
    user = User.objects.get(username="bench")

    print("\nper token, in this process (median of 5 runs):")
    rows = [
        ("verify: ours, token seen before (cached)", 2000, lambda: tokens.verify_access_token(access_token)),
        ("verify: ours, first sight of the token", 2000, lambda: verify_afresh(access_token)),
        (
            "verify: raw PyJWT, loaded key",
            2000,
            lambda: jwt.decode(access_token, public_key, algorithms=["RS256"], issuer=settings.SIMPLE_JWT["ISSUER"]),
        ),
        ("sign:   ours (one access token)", 300, lambda: tokens.backend().encode(claims)),
        ("sign:   raw PyJWT, loaded key", 300, lambda: jwt.encode(claims, signing.private_key, "RS256", headers)),
        ("issue:  ours, a pair + its database row", 100, lambda: families.issue_tokens(user)),
        (
            "sign:   PyJWT re-parsing the PEM each time",
            5,
            lambda: jwt.encode(
                claims,
                serialization.load_pem_private_key(settings.SIMPLE_JWT["SIGNING_KEY"].encode(), password=None),
                "RS256",
                headers,
            ),
        ),
    ]

    def verify_afresh(token: str) -> None:
        tokens._verified_claims.cache_clear()
        tokens.verify_access_token(token)

    for label, loops, call in rows:
        print(f"  {label:<45} {time_per_call(call, loops) * 1e6:>10.0f} µs")

    # The target compares two calls measured side by side, alternating, so a busy machine slows both alike.
    ratios = []
    for _ in range(7):
        ours, raw = time_per_call(rows[1][2], 300), time_per_call(rows[2][2], 300)
        ratios.append(ours / raw)
    ratio = statistics.median(ratios)
    verdict = "met" if ratio <= 1.5 else "missed"
    print(f"  first sight / raw PyJWT: median {ratio:.2f} of 7 alternating runs  target <= 1.50: {verdict}")


def time_per_call(call, loops: int) -> float:
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(loops):
            call()
        runs.append((time.perf_counter() - began) / loops)
    return statistics.median(runs)


if __name__ == "__main__":
    main()
