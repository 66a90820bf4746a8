"""The smallest WSGI application, for tests that run gunicorn itself (tests/config/test_workers.py)."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]
