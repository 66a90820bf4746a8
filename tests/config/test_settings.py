"""Settings as an operator meets them: what start-up demands in production, what debug mode makes up."""

import os
import secrets
import socket
import stat
import subprocess
import sys
import threading
import time
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config.devfiles import generate_private_key_pem, read_or_create

BASE_DIR = Path(__file__).resolve().parents[2]
# Only what the operating system needs: any setting left in the caller's environment
# (a developer's DATABASE_URL, REDIS_URL, KAKAO_*...) would change what is tested.
SYSTEM_VARIABLES = {"PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "SYSTEMROOT"}
PRINT_SECRET_KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
PRINT_ADMIN_KEY = "import django; django.setup(); from django.conf import settings; print(settings.KAKAO_ADMIN_KEY)"
PRINT_SITE_URL_AND_ISSUER = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL, settings.SIMPLE_JWT['ISSUER'])"
OPEN_DATABASE = "import django; django.setup(); from django.db import connection; connection.ensure_connection()"


def clean_environment(**variables: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name in SYSTEM_VARIABLES or name.startswith("LC_")}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    # The usual umask, under which files are created readable by everyone unless the app says otherwise.
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, umask=0o022
    )


def modes_in(folder: Path) -> dict[str, int]:
    return {entry.name: stat.S_IMODE(entry.stat().st_mode) for entry in folder.iterdir()}


@cache
def rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def production(tmp_path) -> dict[str, str]:
    """Every variable a production deploy sets."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "blog.example.com",
        "KAKAO_CLIENT_ID": "kakao-rest-api-key",
        "KAKAO_APP_ID": "1234567",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "JWT_PRIVATE_KEY": rsa_private_key_pem(),
    }


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "KAKAO_CLIENT_ID", "KAKAO_APP_ID", "JWT_PRIVATE_KEY"]
)
def test_production_without_required_variable_stops_naming_it(production, missing):
    env = clean_environment(**{name: value for name, value in production.items() if name != missing})
    result = run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    # The exception's message (the last line), not just the settings source quoted in the traceback.
    assert missing in result.stderr.strip().splitlines()[-1]


def test_production_with_full_environment_passes_deploy_check(production):
    # check --deploy warns about missing HSTS, SSL redirect and non-Secure cookies, so a
    # clean run at WARNING level means all of them are on.
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], clean_environment(**production))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("mode", "variables", "expected"),
    [
        ("debug", {}, "http://127.0.0.1:8000"),
        ("debug", {"SITE_URL": "http://127.0.0.1:8123/"}, "http://127.0.0.1:8123"),
        ("production", {}, "https://blog.example.com"),
        ("production", {"ALLOWED_HOSTS": ".example.com"}, "https://example.com"),
        ("production", {"SITE_URL": "https://www.example.com"}, "https://www.example.com"),
    ],
)
def test_site_url_comes_from_the_environment_or_a_safe_default_and_names_the_issuer(
    tmp_path, production, mode, variables, expected
):
    base = production if mode == "production" else {"DEBUG": "1", "VAR_DIR": str(tmp_path)}

    result = run(["-c", PRINT_SITE_URL_AND_ISSUER], clean_environment(**{**base, **variables}))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected, expected]


@pytest.mark.parametrize(
    "variables",
    [
        {"SITE_URL": "blog.example.com"},
        {"SITE_URL": "ftp://blog.example.com"},
        {"SITE_URL": "https://blog.example.com/blog/"},
        {"SITE_URL": "https://blog.example.com/?next=/"},
        {"SITE_URL": "https://[::1"},
        {"ALLOWED_HOSTS": "*"},
    ],
    ids=["no-scheme", "ftp", "path", "query", "broken-ipv6", "wildcard-host"],
)
def test_production_without_a_usable_site_url_stops_naming_it(production, variables):
    result = run(["-c", "import django; django.setup()"], clean_environment(**{**production, **variables}))

    assert result.returncode != 0
    assert "SITE_URL" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("value", "starts"), [("", True), ("0", True), ("60", True), ("61", False), ("-1", False)])
def test_jwt_leeway_defaults_to_30_s_and_more_than_60_s_stops_start_up_naming_it(production, value, starts):
    variables = {"JWT_LEEWAY": value} if value else {}
    show_leeway = (
        "import django; django.setup(); from django.conf import settings; print(settings.SIMPLE_JWT['LEEWAY'])"
    )

    result = run(["-c", show_leeway], clean_environment(**{**production, **variables}))

    if starts:
        assert result.stdout.strip() == (value or "30"), result.stderr
    else:
        assert result.returncode != 0
        assert "JWT_LEEWAY" in result.stderr.strip().splitlines()[-1]


def test_public_keys_for_a_key_change_are_read_from_the_files_named_and_a_missing_file_stops_start_up(
    tmp_path, production
):
    private_key = serialization.load_pem_private_key(rsa_private_key_pem().encode(), password=None)
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "next.pem").write_bytes(pem)
    (tmp_path / "previous.pem").write_text("")
    show_keys = "import django; django.setup(); from tokens import keys; print(len(keys.jwks()['keys']))"
    files = {
        "JWT_NEXT_PUBLIC_KEYS_FILE": str(tmp_path / "next.pem"),
        "JWT_PREVIOUS_PUBLIC_KEYS_FILE": str(tmp_path / "previous.pem"),
    }
    other_key = {"JWT_PRIVATE_KEY": generate_private_key_pem().decode()}

    listed = run(["-c", show_keys], clean_environment(**{**production, **other_key, **files}))
    missing = run(
        ["-c", show_keys], clean_environment(**{**production, "JWT_NEXT_PUBLIC_KEYS_FILE": str(tmp_path / "gone.pem")})
    )

    assert listed.stdout.strip() == "2", listed.stderr  # the signing key's and the next one
    assert missing.returncode != 0
    assert "JWT_NEXT_PUBLIC_KEYS_FILE" in missing.stderr.strip().splitlines()[-1]


def test_debug_mode_generates_one_dev_secret_shared_by_processes(tmp_path):
    env = clean_environment(DEBUG="1", VAR_DIR=str(tmp_path))
    commands = [["-c", PRINT_SECRET_KEY] for _ in range(2)]
    processes = [
        subprocess.Popen([sys.executable, *args], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True)
        for args in commands
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    secret_file = tmp_path / "dev-secret-key"
    assert keys == {secret_file.read_text()}
    assert len(secret_file.read_text()) >= 50
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    # A later process (runserver after migrate, say) reads the same key.
    assert run(["-c", PRINT_SECRET_KEY], env).stdout.strip() in keys


def test_debug_mode_writes_var_files_readable_by_the_user_alone(tmp_path):
    var = tmp_path / "var"

    result = run(["-c", OPEN_DATABASE], clean_environment(DEBUG="1", VAR_DIR=str(var)))

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert modes_in(var) == {
        "db.sqlite3": 0o600,
        "dev-secret-key": 0o600,
        "dev-jwt-private-key.pem": 0o600,
        "dev-sandbox-admin-key": 0o600,
    }


def test_start_up_takes_others_access_away_from_existing_var_files(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o755)
    for name, mode in {"db.sqlite3": 0o644, "db.sqlite3-journal": 0o664, "notes.txt": 0o640}.items():
        (var / name).write_bytes(b"")
        (var / name).chmod(mode)

    result = run(["-c", "import django; django.setup()"], clean_environment(DEBUG="1", VAR_DIR=str(var)))

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert {name: mode for name, mode in modes_in(var).items() if mode != 0o600} == {}


def test_shared_sticky_folder_as_var_dir_stops_start_up_and_keeps_its_mode(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp

    result = run(["-c", "import django; django.setup()"], clean_environment(DEBUG="1", VAR_DIR=str(shared)))

    assert result.returncode != 0
    assert "VAR_DIR" in result.stderr.strip().splitlines()[-1]
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_sandbox_admin_key_is_generated_once_per_var_dir_not_a_constant(tmp_path):
    env = clean_environment(DEBUG="1", VAR_DIR=str(tmp_path / "one"))

    keys = {run(["-c", PRINT_ADMIN_KEY], env).stdout.strip() for _ in range(2)}
    elsewhere = run(["-c", PRINT_ADMIN_KEY], clean_environment(DEBUG="1", VAR_DIR=str(tmp_path / "two")))

    assert keys == {(tmp_path / "one" / "dev-sandbox-admin-key").read_text()}
    assert len(keys.pop()) >= 40
    assert elsewhere.stdout.strip() not in {"", "sandbox-admin-key", *keys}


def test_read_or_create_from_racing_threads_yields_one_value(tmp_path):
    path = tmp_path / "secret"
    barrier = threading.Barrier(8)
    results = []

    def worker(number: int) -> None:
        barrier.wait()
        results.append(read_or_create(path, lambda: f"value-{number}".encode()))

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1
    assert results[0] == path.read_bytes()
    assert [entry.name for entry in tmp_path.iterdir()] == ["secret"]


def test_read_or_create_from_racing_processes_yields_one_value(tmp_path):
    path = tmp_path / "secret"
    script = (
        "import os, sys; from pathlib import Path; from config.devfiles import generate_private_key_pem, read_or_create; "
        "print(read_or_create(Path(sys.argv[1]), lambda: str(os.getpid()).encode()).decode())"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=BASE_DIR, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    values = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert values == {path.read_text()}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_read_or_create_keeps_existing_value(tmp_path):
    path = tmp_path / "nested" / "secret"
    assert read_or_create(path, lambda: b"first") == b"first"
    assert read_or_create(path, lambda: b"second") == b"first"


def test_postgresql_host_that_accepts_but_never_answers_fails_the_connection_within_the_connect_timeout(tmp_path):
    # A listening socket nobody reads from: the TCP handshake succeeds, then nothing, as with a frozen server.
    with socket.create_server(("127.0.0.1", 0)) as frozen:
        port = frozen.getsockname()[1]
        env = clean_environment(
            DEBUG="1",
            VAR_DIR=str(tmp_path),
            DATABASE_URL=f"postgres://blog:secret@127.0.0.1:{port}/blog",
            DATABASE_CONNECT_TIMEOUT="1",
        )
        began = time.monotonic()
        result = run(["-c", OPEN_DATABASE], env)
        took = time.monotonic() - began

    assert result.returncode != 0
    assert "timeout" in result.stderr.lower()
    assert took < 20  # Python start-up plus one second; without the timeout libpq waits for the kernel, minutes


USE_CACHE_AND_STATE = (
    "import django; django.setup(); from django.core.cache import cache; from core import state; import redis\n"
    "for use in (lambda: cache.get('x'), lambda: state.get('x')):\n"
    "    try:\n"
    "        use()\n"
    "    except redis.TimeoutError:\n"
    "        print('timeout')\n"
)


def test_a_redis_that_accepts_but_never_answers_is_given_up_on_by_the_cache_and_the_state_store(tmp_path):
    # As with a paused or frozen Redis: without a socket timeout each use would wait for ever.
    with socket.create_server(("127.0.0.1", 0)) as frozen:
        url = f"redis://127.0.0.1:{frozen.getsockname()[1]}/0"
        env = clean_environment(
            DEBUG="1", VAR_DIR=str(tmp_path), REDIS_URL=url, STATE_STORE_URL=url, REDIS_TIMEOUT_SECONDS="0.5"
        )
        result = run(["-c", USE_CACHE_AND_STATE], env)

    assert result.stdout.split() == ["timeout", "timeout"], result.stderr


def test_the_wsgi_application_loads_its_middleware_before_anything_imported_the_urls(tmp_path):
    # As gunicorn does: a middleware module that imports DRF's views before config.api is whole
    # stops every worker from starting (the cluster saw it; the test client imports the URLs first).
    env = clean_environment(DEBUG="1", VAR_DIR=str(tmp_path))
    result = run(["-c", "from config.wsgi import application; application.load_middleware(); print('ready')"], env)

    assert result.stdout.split() == ["ready"], result.stderr
