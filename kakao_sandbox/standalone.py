"""The sandbox as a server of its own: only Kakao's paths, at the root, on a threaded wsgiref server."""

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

URLCONF = "kakao_sandbox.standalone_urls"


class SandboxWSGIHandler(WSGIHandler):
    """Django's WSGI handler answering from the sandbox's URLconf instead of ROOT_URLCONF."""

    def get_response(self, request):
        # Django resolves with request.urlconf when set; the blog's URLs stay unreachable.
        request.urlconf = URLCONF
        return super().get_response(request)


def application() -> WSGIHandler:
    """Return the sandbox's WSGI application, serving its CSS and pictures too in debug mode."""
    handler = SandboxWSGIHandler()
    # As runserver does: in production settings WhiteNoise serves the collected static files.
    return StaticFilesHandler(handler) if settings.DEBUG else handler


def make_server(host: str, port: int) -> ThreadedWSGIServer:
    """Return a bound, threaded HTTP server for the sandbox (port 0: any free port)."""
    server = ThreadedWSGIServer((host, port), WSGIRequestHandler, ipv6=":" in host)
    server.set_app(application())
    return server
