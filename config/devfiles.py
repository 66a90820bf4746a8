"""The app's own files under VAR_DIR: readable by its user alone, created once, shared by every process."""

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured


def private_folder(path: Path) -> Path:
    """Return ``path``, made a folder for this user alone (0700) whose files no one else may read."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & stat.S_ISVTX:
        # A sticky folder such as /tmp belongs to everyone: making it 0700 would break the machine.
        raise ImproperlyConfigured(f"VAR_DIR={path} is a shared folder; give the app a folder of its own.")
    path.chmod(0o700)
    # Files written before this rule, or by a tool with a looser umask (SQLite's journal, say).
    for entry in path.iterdir():
        mode = entry.lstat().st_mode
        if stat.S_ISREG(mode) and mode & 0o077:
            entry.chmod(stat.S_IMODE(mode) & 0o700)
    return path


def private_file(path: Path) -> Path:
    """Return ``path``, created empty and readable by this user alone (0600) if it is missing.

    SQLite creates its database file with the process's umask (usually 0644, readable by
    everyone); a file that already exists keeps its mode, and SQLite gives its journal the same.
    """
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """Return the contents of ``path``, writing ``make()`` there first if it is missing.

    The new file is written under a temporary name and linked into place, so two
    processes starting at once (``migrate`` and ``runserver``, say) agree on one value:
    the loser of the race reads the winner's file.
    """
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(make())
        os.chmod(tmp_name, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp_name, path)
    finally:
        os.unlink(tmp_name)
    return path.read_bytes()


def generate_private_key_pem() -> bytes:
    """Return a new 2048-bit RSA private key in PEM, for development (it signs our JWTs)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
