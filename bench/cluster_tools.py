"""What the cluster benchmarks share: a quiet cluster, seeded posts, extra instances and a second nginx."""

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.loadgen import ROOT, free_port
from tests.cluster.cluster import Cluster, api_login

# Production settings, minus what would measure something else: access logs, the rate
# limiter (a benchmark is one client hammering), the 5-minute access token lifetime.
QUIET = {
    "GUNICORN_ACCESS_LOG": "",
    "GUNICORN_MAX_REQUESTS": "0",  # recycling workers would reset the client's connections mid-run
    "LOG_LEVEL": "WARNING",
    "RATE_LIMIT_LOGIN": "off",
    "RATE_LIMIT_API_AUTH": "off",
    "JWT_ACCESS_TOKEN_LIFETIME": "3600",
}


def start_cluster(**env: str) -> Cluster:
    print(f"starting the cluster ({', '.join(f'{k}={v}' for k, v in env.items())})...", flush=True)
    return Cluster.start(**{**QUIET, **env})


def seed(cluster: Cluster, *, posts: int = 12) -> tuple[str, list[int]]:
    """Log in through the API; write some posts with comments. Return the access token and the post ids."""
    access_token = api_login(cluster)["access"]
    auth = {"Authorization": f"Bearer {access_token}"}
    body = "## 오늘 배운 것\n\nThe **authorization code** flow, with `state` and PKCE.\n\n" * 8
    ids = []
    for number in range(posts):
        post = requests.post(
            f"{cluster.site_url}/api/posts/", json={"title": f"글 {number}", "body": body}, headers=auth, timeout=10
        )
        post.raise_for_status()
        ids.append(post.json()["id"])
        for _ in range(3):
            requests.post(
                f"{cluster.site_url}/api/posts/{ids[-1]}/comments/", json={"body": "좋은 글!"}, headers=auth, timeout=10
            ).raise_for_status()
    return access_token, ids


def instance_environment(cluster: Cluster) -> dict[str, str]:
    """Return the instances' environment that cluster.sh wrote to DIR/app.env."""
    return cluster.environment()


@dataclass
class ExtraInstance:
    name: str
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)


def start_instance(cluster: Cluster, name: str, *gunicorn_args: str, **env: str) -> ExtraInstance:
    """Start one more gunicorn on the cluster's database with some settings changed."""
    port = free_port()
    log = open(cluster.directory / f"{name}.log", "w")  # noqa: SIM115 - the process writes to it until stopped
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--config",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            *gunicorn_args,
            "config.wsgi",
        ],
        cwd=ROOT,
        env={**os.environ, **instance_environment(cluster), **QUIET, "INSTANCE_NAME": name, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url)
    return ExtraInstance(name, url, process)


def start_single_nginx(cluster: Cluster) -> ExtraInstance:
    """Start a second nginx like the cluster's, with app1 as its only upstream."""
    config = (cluster.directory / "nginx" / "nginx.conf").read_text()
    app1 = cluster.instances["app1"].removeprefix("http://")
    port = free_port()
    folder = cluster.directory / "nginx-single"
    folder.mkdir()
    config = re.sub(r"    server (?!" + re.escape(app1) + r")\S+ [^\n]*\n", "", config)
    config = re.sub(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{port};", config)
    config = config.replace(f"{cluster.directory}/nginx", str(folder)).replace("nginx.pid.nginx", "nginx-single.pid")
    (folder / "nginx.conf").write_text(config)
    process = subprocess.Popen(
        ["/usr/sbin/nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log"),
         "-g", "daemon off;"],
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url)
    return ExtraInstance("nginx-single", url, process)


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not start")


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def memory_mb(pid: int) -> tuple[float, float]:
    """Return (RSS, PSS) of a process in MB. PSS counts pages shared with the master only in part."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def reload_nginx(cluster: Cluster, config: str) -> None:
    """Give the cluster's nginx a new configuration; return once its old workers are gone."""
    (cluster.directory / "nginx" / "nginx.conf").write_text(config)
    master = int((cluster.directory / "nginx.pid").read_text())
    old_workers = worker_pids(master)
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{pid}").exists() for pid in old_workers):
        if time.monotonic() > deadline:
            raise SystemExit("nginx's old workers did not exit within 60 s")
        time.sleep(0.05)
