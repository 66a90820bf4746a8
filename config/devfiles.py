"""Create development-only secrets once, shared by every process that reads them."""

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """Return the contents of ``path``, writing ``make()`` there first if it is missing.

    The new file is written under a temporary name and linked into place, so two
    processes starting at once (``migrate`` and ``runserver``, say) agree on one value:
    the loser of the race reads the winner's file.
    """
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
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
