"""Throughput through nginx with one versus two instances, and the production choices behind it.

    .venv/bin/python bench/throughput.py [--rounds 5] [--seconds 3] [--concurrency 8]

Starts scripts/cluster.sh (PostgreSQL, the sandbox, two instances of one gunicorn worker
each, nginx), logs in through the API and writes a few posts. Then, rounds interleaved so
that a noisy machine slows every variant alike:

1. Scale-out: GET /api/me/ with a bearer token (JWT check + one query, a light call) and
   GET /api/posts/ (a page of posts rendered from Markdown, a heavier one) through the
   cluster's nginx (2 instances) and through a second nginx whose only upstream is app1.
2. CONN_MAX_AGE: the same call and the home page, straight to app1 (CONN_MAX_AGE=60,
   the default) and to an extra instance with CONN_MAX_AGE=0 (a new PostgreSQL
   connection per request).
3. Threads: while two login callbacks wait on a Kakao that does not answer (the sandbox's
   token-hang account; KAKAO_TIMEOUT=2 here), how long GET /api/me/ takes on a gthread
   worker with 4 threads (config/gunicorn.py) and on a sync worker.

The load generator, nginx, PostgreSQL and gunicorn share this machine's CPUs.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench.cluster_tools import seed, start_cluster, start_instance, start_single_nginx
from bench.loadgen import LoadResult, machine, run_load
from tests.cluster.cluster import Cluster, login_until_callback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="per variant per round")
    parser.add_argument("--concurrency", type=int, default=8, help="client keep-alive connections")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    cluster = start_cluster(CLUSTER_INSTANCES="2", WEB_CONCURRENCY="1")
    extras = []
    try:
        access_token, _post_ids = seed(cluster)
        headers = {"Authorization": f"Bearer {access_token}"}
        extras.append(single := start_single_nginx(cluster))
        extras.append(fresh_connections := start_instance(cluster, "conn-max-age-0", CONN_MAX_AGE="0"))
        extras.append(threaded := start_instance(cluster, "gthread-4", KAKAO_TIMEOUT="2"))
        extras.append(
            sync := start_instance(cluster, "sync", "--worker-class", "sync", "--threads", "1", KAKAO_TIMEOUT="2")
        )

        print("\n1. Scale-out through nginx, 1 gunicorn worker per instance, bearer token")
        for label, path in (("GET /api/me/", "/api/me/"), ("GET /api/posts/ (10 posts, Markdown)", "/api/posts/")):
            print(f"   {label}")
            compare(
                {"1 instance": (single.url, [path]), "2 instances": (cluster.site_url, [path])},
                headers,
                args,
                ratio=("2 instances", "1 instance"),
            )

        print("\n2. CONN_MAX_AGE on PostgreSQL, straight to one instance (1 worker, 4 threads)")
        for label, path in (("GET /api/me/", "/api/me/"), ("GET / (home page)", "/")):
            print(f"   {label}")
            compare(
                {
                    "CONN_MAX_AGE=0": (fresh_connections.url, [path]),
                    "CONN_MAX_AGE=60": (cluster.instances["app1"], [path]),
                },
                headers,
                args,
                ratio=("CONN_MAX_AGE=60", "CONN_MAX_AGE=0"),
                concurrency=4,
            )

        print("\n3. GET /api/me/ while 2 login callbacks wait on a Kakao that does not answer (KAKAO_TIMEOUT=2 s)")
        for instance in (sync, threaded):
            waits = during_stuck_logins(cluster, instance.url, headers)
            print(
                f"   {instance.name:<10} (1 worker): median {statistics.median(waits) * 1000:8.1f} ms,"
                f" slowest {max(waits) * 1000:8.1f} ms over {len(waits)} sequential calls"
            )
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other jobs on this machine slow every variant)")
    finally:
        for extra in extras:
            extra.stop()
        cluster.stop()


def compare(
    variants: dict[str, tuple[str, list[str]]],
    headers: dict[str, str],
    args: argparse.Namespace,
    *,
    ratio: tuple[str, str],
    concurrency: int | None = None,
) -> None:
    """Run the variants in interleaved rounds; print req/s, p50, p99 and the ratio of req/s."""
    concurrency = concurrency or args.concurrency
    names = list(variants)
    for url, paths in variants.values():
        run_load(url, paths, headers=headers, concurrency=concurrency, seconds=1)  # warm up
    rounds: list[dict[str, LoadResult]] = []
    for number in range(args.rounds):
        order = names[number % len(names) :] + names[: number % len(names)]
        result = {}
        for name in order:
            url, paths = variants[name]
            result[name] = run_load(url, paths, headers=headers, concurrency=concurrency, seconds=args.seconds)
            if set(result[name].statuses) != {200}:
                raise SystemExit(f"{name}: answers other than 200: {result[name].statuses}")
        rounds.append(result)
    print(f"   {'variant':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   req/s per round ({concurrency} connections)")
    for name in names:
        rates = [r[name].rps for r in rounds]
        latencies = sorted(latency for r in rounds for latency in r[name].latencies)
        merged = LoadResult(len(latencies), 1, latencies, {})
        per_round = " ".join(f"{rate:5.0f}" for rate in rates)
        print(
            f"   {name:<16} {statistics.median(rates):>8.0f} {merged.ms(50):>8.2f} {merged.ms(99):>8.2f}   {per_round}"
        )
    top, bottom = ratio
    ratios = [r[top].rps / r[bottom].rps for r in rounds]
    print(f"   {top} / {bottom}: {statistics.median(ratios):.2f}x  (rounds: {' '.join(f'{x:.2f}' for x in ratios)})")


def during_stuck_logins(cluster: Cluster, instance_url: str, headers: dict[str, str]) -> list[float]:
    """Send two login callbacks that hang at Kakao to the instance, then time /api/me/ calls on it."""
    callbacks = []
    for _ in range(2):
        session = requests.Session()
        _start, callback_url = login_until_callback(session, cluster.site_url, account="token-hang")
        callbacks.append((session, callback_url.replace(cluster.site_url, instance_url, 1)))
    answers: list[int] = []

    def callback(session: requests.Session, url: str) -> None:
        answers.append(session.get(url, allow_redirects=False, timeout=30).status_code)

    stuck = [threading.Thread(target=callback, args=pair) for pair in callbacks]
    for thread in stuck:
        thread.start()
    time.sleep(0.3)  # the callbacks are now waiting on the sandbox
    waits = []
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        began = time.perf_counter()
        requests.get(f"{instance_url}/api/me/", headers=headers, timeout=30).raise_for_status()
        waits.append(time.perf_counter() - began)
    for thread in stuck:
        thread.join()
    if answers != [502, 502]:
        raise SystemExit(f"the stuck callbacks answered {answers}, not the timeout page (502)")
    return waits


if __name__ == "__main__":
    main()
