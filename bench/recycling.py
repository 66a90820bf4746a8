"""Worker recycling under load: the knee of req/s and latency against connections, and the errors.

    .venv/bin/python bench/recycling.py [--max-requests 200] [--seconds 5] [--before]

Starts scripts/cluster.sh (2 instances of 1 gunicorn worker with 4 threads, nginx in front)
with each worker replaced every --max-requests requests (production: about 1,000; 200 makes
it happen many times per step), logs in through the API, then sends GET /api/me/ with a
bearer token over 2, 4, ... 256 keep-alive connections to nginx, --seconds per step, and
prints req/s, p50, p99, the answers other than 200 (0 = no answer at all) and how many
workers were replaced during the step (gunicorn's log). --max-requests 0 turns recycling off.

--before runs the configuration this replaced: gunicorn's own gthread worker and nginx
keeping connections to the instances (upstream keepalive 32).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cluster_tools import reload_nginx, start_cluster
from bench.loadgen import NO_ANSWER, machine, run_load
from tests.cluster.cluster import Cluster, api_login

CONNECTIONS = [2, 4, 8, 16, 32, 64, 128, 256]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0, help="per step")
    parser.add_argument("--before", action="store_true", help="gthread and nginx upstream keepalive, as before")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    env = {"GUNICORN_MAX_REQUESTS": str(args.max_requests), "GUNICORN_MAX_REQUESTS_JITTER": "20"}
    if args.before:
        os.environ["GUNICORN_CMD_ARGS"] = "--worker-class gthread"
    cluster = start_cluster(CLUSTER_INSTANCES="2", WEB_CONCURRENCY="1", GUNICORN_THREADS="4", **env)
    try:
        if args.before:
            reload_nginx(cluster, with_upstream_keepalive((cluster.directory / "nginx" / "nginx.conf").read_text()))
        headers = {"Authorization": f"Bearer {api_login(cluster)['access']}"}
        run_load(cluster.site_url, ["/api/me/"], headers=headers, concurrency=4, seconds=1)  # warm up
        print(f"\nGET /api/me/ through nginx, {args.seconds:g} s per step, GUNICORN_MAX_REQUESTS={args.max_requests}")
        print(f"{'connections':>11} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>14} {'replaced':>9}")
        for connections in CONNECTIONS:
            booted = workers_booted(cluster)
            result = run_load(
                cluster.site_url, ["/api/me/"], headers=headers, concurrency=connections, seconds=args.seconds
            )
            errors = {status: n for status, n in sorted(result.statuses.items()) if status != 200}
            failed = sum(errors.values())
            sent = result.requests + errors.get(NO_ANSWER, 0)
            share = f"{failed} ({failed / sent:.0%})" if failed else "0"
            print(
                f"{connections:>11} {result.rps:>7.0f} {result.ms(50):>8.1f} {result.ms(99):>8.1f} "
                f"{share:>14} {workers_booted(cluster) - booted:>9}" + (f"   {errors}" if errors else ""),
                flush=True,
            )
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        cluster.stop()


def workers_booted(cluster: Cluster) -> int:
    return sum(len(cluster.booted_workers(name)) for name in cluster.instances)


def with_upstream_keepalive(config: str) -> str:
    """Return nginx's configuration with connections to the blog kept open, as before."""
    config = config.replace("  upstream blog {\n", "  upstream blog {\n    keepalive 32;\n", 1)
    return config.replace("proxy_set_header Connection close;", 'proxy_set_header Connection "";')


if __name__ == "__main__":
    main()
