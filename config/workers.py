"""The gunicorn worker of config/gunicorn.py: gthread, finishing every connection it accepted before it exits."""

import errno
import selectors
import socket
import time
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

DRAIN_POLL_SECONDS = 0.05


class DrainingThreadWorker(ThreadWorker):
    """gthread closes unread the connections it accepted last when it stops: this one serves them first.

    A worker stops after ``max_requests`` or on SIGTERM. gthread then leaves its loop at once,
    and a connection it had accepted whose request was still on its way is closed unread:
    nginx reads "connection reset by peer", which is a 502 for a POST and counts against the
    instance (``max_fails``). Here the worker stops accepting first (the master and the other
    workers keep the listening socket, so new connections wait there for the next worker),
    serves the requests of what it accepted, and only then exits.
    """

    def init_process(self) -> None:
        self.unread: set[TConn] = set()  # accepted, their request not read yet
        self.served_all = False  # read by config/gunicorn.py's worker_exit
        super().init_process()

    def run(self) -> None:
        for listener in self.sockets:
            listener.setblocking(False)
            self.poller.register(listener, selectors.EVENT_READ, partial(self.accept, listener.getsockname()))
        while self.alive and self.is_parent_alive():
            self.notify()
            self.serve(timeout=1.0)
            self.murder_keepalived()
        deadline = time.monotonic() + self.cfg.graceful_timeout
        self.drain(deadline)
        self.tpool.shutdown(wait=False)
        self.poller.close()
        unfinished = futures.wait(self.futures, timeout=max(0.0, deadline - time.monotonic())).not_done
        self.served_all = not self.unread and not unfinished

    def serve(self, *, timeout: float) -> None:
        """Accept connections and hand those with a request to a thread; forget the finished requests."""
        if self.nr_conns < self.worker_connections:
            for key, _events in self.poller.select(timeout):
                key.data(key.fileobj)
            timeout = 0
        done = futures.wait(self.futures, timeout=timeout, return_when=futures.FIRST_COMPLETED).done
        for future in done:
            self.futures.remove(future)

    def drain(self, deadline: float) -> None:
        """Stop accepting; close the idle keep-alive connections; serve the accepted ones' requests until ``deadline``."""
        for listener in self.sockets:
            self.poller.unregister(listener)
            listener.close()  # this process's copy only
        # An idle keep-alive connection carries no request yet, and nothing tells a client to
        # stop using it but closing it. nginx opens one connection per request to the blog,
        # so behind it there are none.
        with self._lock:
            for conn in self._keep:
                conn.timeout = 0
        self.murder_keepalived()
        while self.unread and time.monotonic() < deadline:
            self.notify()
            self.serve(timeout=DRAIN_POLL_SECONDS)

    def accept(self, server: tuple, listener: socket.socket) -> None:
        try:
            sock, client = listener.accept()
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        conn = TConn(self.cfg, sock, client, server)
        self.nr_conns += 1
        self.unread.add(conn)
        with self._lock:
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn))

    def on_client_socket_readable(self, conn: TConn, client: socket.socket) -> None:
        self.unread.discard(conn)
        super().on_client_socket_readable(conn, client)
