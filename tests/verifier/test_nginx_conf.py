"""The authorizer part of the nginx config scripts/cluster.sh writes: valid with the cache on or off."""

import subprocess
import tempfile
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")


def write_conf(ttl: str) -> tuple[subprocess.CompletedProcess, Path]:
    directory = Path(tempfile.mkdtemp(prefix="kakao-blog-nginx-conf-"))
    env = {"PATH": "/usr/bin:/bin", "VERIFIER_UPSTREAM": "127.0.0.1:1", "MEMBERS_UPSTREAM": "127.0.0.1:2",
           "AUTHORIZER_RESULT_TTL_SECONDS": ttl}  # fmt: skip
    result = subprocess.run(
        [BASE_DIR / "scripts" / "cluster.sh", "nginx-conf", directory, "8999", "127.0.0.1:3"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return result, directory / "nginx" / "nginx.conf"


@pytest.mark.skipif(not NGINX.exists(), reason="nginx is not installed")
@pytest.mark.parametrize(("ttl", "cached"), [("300", True), ("0", False)])
def test_authorizer_config_is_valid_nginx_with_the_cache_on_or_off(ttl, cached):
    result, conf = write_conf(ttl)
    check = subprocess.run(
        [NGINX, "-t", "-p", conf.parent, "-c", conf, "-e", conf.parent / "error.log"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert check.returncode == 0, check.stderr
    assert ("proxy_cache authorizer;" in conf.read_text()) is cached
    assert f"proxy_cache_valid 200 {ttl}s;" in conf.read_text() or not cached


@pytest.mark.parametrize("ttl", ["abc", "-1", "5s", "1e3"])
def test_ttl_that_is_not_a_number_of_seconds_is_refused(ttl):
    result, _conf = write_conf(ttl)

    assert result.returncode == 2
    assert "AUTHORIZER_RESULT_TTL_SECONDS" in result.stderr


def test_empty_ttl_means_the_default_300_seconds():
    result, conf = write_conf("")

    assert result.returncode == 0
    assert "proxy_cache_valid 200 300s;" in conf.read_text()
