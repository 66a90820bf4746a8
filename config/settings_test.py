"""Test settings: the development configuration, made faster."""

import os
import tempfile

os.environ.setdefault("DEBUG", "1")
# The test client's host: URLs the server builds (redirect URI, sandbox endpoints, JWT issuer)
# match the requests it makes. live_server tests point SITE_URL at the live server (tests/conftest.py).
os.environ["SITE_URL"] = "http://testserver"

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# SQLite's in-memory test database is shared between threads with table locks that fail
# at once ("database table is locked"); a file waits for the lock as production does.
# One file per process, so that test runs side by side never share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"blog-test-{os.getpid()}.sqlite3")}  # noqa: F405

# One process, no table to create.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The limiter counts in the database or Redis (state, never a cache that may forget): tests that
# are about limits set RATE_LIMITS themselves (tests/ratelimit/), the rest run without them.
RATE_LIMITS = {}
