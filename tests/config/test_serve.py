"""`make serve`: gunicorn listens on loopback unless make's command line names another address."""

import os
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def gunicorn_command(*arguments: str, **env: str) -> str:
    """Return the gunicorn line `make serve` would run (make -n runs nothing)."""
    result = subprocess.run(
        ["make", "-n", "serve", *arguments],
        cwd=BASE_DIR,
        env={key: value for key, value in os.environ.items() if key not in {"HOST", "PORT"}} | env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return next(line for line in result.stdout.splitlines() if "gunicorn" in line and "--bind" in line)


def test_serve_listens_on_loopback_by_default():
    assert "--bind 127.0.0.1:8000 " in gunicorn_command()


@pytest.mark.parametrize("host", ["0.0.0.0", "blog-host.example"])
def test_a_host_in_the_environment_does_not_move_serve_off_loopback(host):
    assert "--bind 127.0.0.1:8000 " in gunicorn_command(HOST=host)


def test_host_on_make_s_command_line_is_where_serve_listens():
    assert "--bind 10.0.0.11:8080 " in gunicorn_command("HOST=10.0.0.11", "PORT=8080")
