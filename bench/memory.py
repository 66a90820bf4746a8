"""How much memory does a gunicorn worker hold after 10,000 requests? Target: <= 120 MB each.

    .venv/bin/python bench/memory.py [--requests 10000]

Starts scripts/cluster.sh with one instance of two workers (config/gunicorn.py, with
worker recycling turned off so that any growth shows), writes a few posts, then sends
requests straight to the instance in turn to the home page, a post's page, /api/me/,
/api/posts/ and /api/auth/whoami/ (bearer token on each), and prints each worker's
RSS and PSS as it goes. PSS shares pages with the master among the processes using them,
so the PSS of all processes adds up to what the instance really takes.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cluster_tools import memory_mb, seed, start_cluster, worker_pids
from bench.loadgen import machine, run_load

TARGET_MB = 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    print(f"machine: {machine()}")
    cluster = start_cluster(CLUSTER_INSTANCES="1", WEB_CONCURRENCY="2")
    try:
        access_token, post_ids = seed(cluster)
        url = cluster.instances["app1"]
        master = cluster.pid("app1")
        workers = worker_pids(master)
        paths = ["/", f"/posts/{post_ids[0]}/", "/api/me/", "/api/posts/", "/api/auth/whoami/"]
        headers = {"Authorization": f"Bearer {access_token}"}

        print(f"\n{'requests':>9} " + " ".join(f"{'worker ' + str(n + 1) + ' RSS/PSS MB':>22}" for n in range(2)))
        report(0, workers)
        done = 0
        for checkpoint in (100, *range(2_500, args.requests + 1, 2_500)):
            result = run_load(url, paths, headers=headers, concurrency=args.concurrency, total=checkpoint - done)
            if set(result.statuses) != {200}:
                raise SystemExit(f"answers other than 200: {result.statuses}")
            done = checkpoint
            report(done, workers)
        if worker_pids(master) != workers:
            raise SystemExit("a worker was replaced during the run; the figures above mix two processes")
        master_rss, master_pss = memory_mb(master)
        print(f"\nmaster: RSS {master_rss:.1f} MB, PSS {master_pss:.1f} MB")
        largest = max(memory_mb(pid)[0] for pid in workers)
        verdict = "met" if largest <= TARGET_MB else "MISSED"
        print(f"largest worker RSS after {done:,} requests: {largest:.1f} MB (target <= {TARGET_MB} MB: {verdict})")
    finally:
        cluster.stop()


def report(done: int, workers: list[int]) -> None:
    cells = []
    for pid in workers:
        rss, pss = memory_mb(pid)
        cells.append(f"{rss:>12.1f} / {pss:>6.1f}")
    print(f"{done:>9,} " + " ".join(f"{cell:>22}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
