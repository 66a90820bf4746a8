"""What nginx's cached authorizer costs and saves: requests/s with cache HIT vs MISS vs no authorizer.

    .venv/bin/python bench/authorizer.py [--rounds 5] [--seconds 3] [--concurrency 8]

Starts scripts/cluster.sh (the blog, the token verifier, the members-only demo, nginx with
AUTHORIZER_RESULT_TTL_SECONDS=300), logs in through the API, and starts a second nginx
written by the same script with the cache off (AUTHORIZER_RESULT_TTL_SECONDS=0) in front of
the same verifier and service. Then, rounds interleaved so that a noisy machine slows every
variant alike:

  no authorizer   GET /public/hello    nginx -> the demo service, nobody asks who you are
  cache HIT       GET /members/hello   nginx answers auth_request from its cache
  MISS            GET /members/hello   every call asks the verifier (RS256 check, no database)

Ratios are taken within each round; the median is printed. The load generator, nginx,
the verifier and the demo service share this machine's CPUs.
"""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cluster_tools import ExtraInstance, start_cluster, wait_until_up
from bench.loadgen import ROOT, LoadResult, free_port, machine, run_load
from tests.cluster.cluster import Cluster, api_login

PATHS = {"no authorizer": "/public/hello", "cache HIT": "/members/hello", "MISS": "/members/hello"}
RATIOS = [("cache HIT", "MISS"), ("no authorizer", "cache HIT"), ("no authorizer", "MISS")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="per variant per round")
    parser.add_argument("--concurrency", type=int, default=8, help="client keep-alive connections")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    cluster = start_cluster(CLUSTER_INSTANCES="1", AUTHORIZER_RESULT_TTL_SECONDS="300")
    uncached = None
    try:
        headers = {"Authorization": f"Bearer {api_login(cluster)['access']}"}
        uncached = start_uncached_nginx(cluster)
        urls = {"no authorizer": cluster.site_url, "cache HIT": cluster.site_url, "MISS": uncached.url}
        check_cache_headers(urls, headers)
        for name, url in urls.items():
            run_load(url, [PATHS[name]], headers=headers, concurrency=args.concurrency, seconds=1)  # warm up
        rounds = []
        for number in range(args.rounds):
            names = list(urls)
            result: dict[str, LoadResult] = {}
            for name in names[number % 3 :] + names[: number % 3]:
                result[name] = run_load(
                    urls[name], [PATHS[name]], headers=headers, concurrency=args.concurrency, seconds=args.seconds
                )
                if set(result[name].statuses) != {200}:
                    raise SystemExit(f"{name}: answers other than 200: {result[name].statuses}")
            rounds.append(result)
        report(rounds, args.concurrency)
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other jobs on this machine slow every variant)")
    finally:
        if uncached is not None:
            uncached.stop()
        cluster.stop()


def start_uncached_nginx(cluster: Cluster) -> ExtraInstance:
    """Start a second nginx, written by cluster.sh with the authorizer's cache off, before the same services."""
    folder = cluster.directory / "nginx-uncached"
    folder.mkdir()
    folder.chmod(0o755)
    port = free_port()
    env = {
        **os.environ,
        "AUTHORIZER_RESULT_TTL_SECONDS": "0",
        "VERIFIER_UPSTREAM": cluster.verifier_url.removeprefix("http://"),
        "MEMBERS_UPSTREAM": cluster.members_url.removeprefix("http://"),
    }
    upstreams = [url.removeprefix("http://") for url in cluster.instances.values()]
    script = str(ROOT / "scripts" / "cluster.sh")
    subprocess.run([script, "nginx-conf", str(folder), str(port), *upstreams], env=env, check=True, timeout=30)
    conf = folder / "nginx"
    (conf / "nginx.conf").write_text((conf / "nginx.conf").read_text().replace("nginx.pid.nginx", "nginx-uncached.pid"))
    process = subprocess.Popen(
        ["/usr/sbin/nginx", "-p", str(conf), "-c", str(conf / "nginx.conf"), "-e", str(conf / "error.log"),
         "-g", "daemon off;"],
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url)
    return ExtraInstance("nginx-uncached", url, process)


def check_cache_headers(urls: dict[str, str], headers: dict[str, str]) -> None:
    """Refuse to measure unless the cached nginx says HIT and the uncached one MISS."""
    for name in ("cache HIT", "MISS"):
        seen = {
            requests.get(f"{urls[name]}{PATHS[name]}", headers=headers, timeout=10).headers.get("X-Authorizer-Cache")
            for _ in range(3)
        }
        expected = {"HIT"} if name == "cache HIT" else {"MISS"}
        if not seen & expected or (name == "MISS" and seen != expected):
            raise SystemExit(f"{name}: X-Authorizer-Cache was {seen}")


def report(rounds: list[dict[str, LoadResult]], concurrency: int) -> None:
    print(f"\n{'variant':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   req/s per round ({concurrency} connections)")
    for name in PATHS:
        rates = [r[name].rps for r in rounds]
        latencies = sorted(latency for r in rounds for latency in r[name].latencies)
        merged = LoadResult(len(latencies), 1, latencies, {})
        per_round = " ".join(f"{rate:5.0f}" for rate in rates)
        print(f"{name:<16} {statistics.median(rates):>8.0f} {merged.ms(50):>8.2f} {merged.ms(99):>8.2f}   {per_round}")
    print()
    for top, bottom in RATIOS:
        ratios = [r[top].rps / r[bottom].rps for r in rounds]
        print(f"{top} / {bottom}: {statistics.median(ratios):.2f}x  (rounds: {' '.join(f'{x:.2f}' for x in ratios)})")


if __name__ == "__main__":
    main()
