"""Gunicorn settings for production (`make serve`, scripts/cluster.sh). docs/production.md explains them.

Every value can be changed from the environment without editing this file; gunicorn's own
command-line options (``--bind``, ``--workers``) win over both.
"""

import logging
import os
import sys

from config.logging import RedactSecretsFilter

# One listening address; behind nginx, a loopback port or a unix socket ("unix:/run/blog.sock").
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")

# Processes do the CPU work (templates, JSON, RSA signatures), so about one per core.
# Threads let a process keep serving while a request waits on Kakao (up to KAKAO_TIMEOUT)
# or on PostgreSQL, instead of parking a whole worker; docs/performance.md has the figures.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
# gthread, serving what it accepted before it stops (config/workers.py says what it adds).
worker_class = "config.workers.DrainingThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A login callback makes two calls to Kakao of at most KAKAO_TIMEOUT (5 s) each: 30 s is
# far above any healthy request and still kills a stuck worker before nginx gives up (60 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# nginx keeps idle upstream connections open (`keepalive` in its upstream block).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Replace each worker after about 1,000 requests: a slow leak (ours or a library's) can
# never grow without bound. The jitter spreads the restarts so workers never all restart
# at once and the instance keeps answering.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))

# Load Django once in the master: a broken setting stops start-up at once with its message
# instead of in a loop of dying workers, and workers share the loaded code's memory.
preload_app = True

# Heartbeat files in memory: a slow or full disk must not make gunicorn kill healthy workers.
# gunicorn creates them itself with unique names, so a shared folder is safe here.
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None

# Logs to stdout/stderr, for systemd or the container runtime to collect. "" turns access logs off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
# Never log query strings: an authorization code rides in the callback's.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def on_starting(server) -> None:
    """Redact codes and tokens from gunicorn's own logs too: its error log prints a failed request's URI."""
    # On the loggers, not their handlers: gunicorn replaces the handlers when it reopens log files.
    for name in ("gunicorn.access", "gunicorn.error"):
        logging.getLogger(name).addFilter(RedactSecretsFilter())


def when_ready(server) -> None:
    """Import every view in the master before it forks: a worker that replaces another starts warm."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


def worker_exit(server, worker) -> None:
    """End a worker that served every request it accepted now, without Python's slow shutdown."""
    # The master forks the replacement once the process is gone, and tearing down a Django
    # process takes about 0.3 s here: with one worker per instance, 0.3 s with nobody accepting.
    if getattr(worker, "served_all", False):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
