"""Serve only the Kakao sandbox, for a blog in production mode pointed at it.

    python manage.py run_kakao_sandbox --port 9100 --redirect-uri http://127.0.0.1:8000/accounts/kakao/callback/

then start the blog with KAKAO_AUTH_URL=KAKAO_API_URL=http://127.0.0.1:9100 and the same keys.
"""

import dataclasses
import signal

from django.core.management.base import BaseCommand

from kakao_sandbox.console import RegisteredApp, app_from_settings, register
from kakao_sandbox.standalone import make_server


class Command(BaseCommand):
    help = "Serve the Kakao sandbox alone (Kakao's paths at the root) until Ctrl-C or SIGTERM."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=9100, help="Port to listen on; 0 picks a free one.")
        parser.add_argument("--client-id", help="REST API key to accept (default: KAKAO_CLIENT_ID).")
        parser.add_argument(
            "--client-secret", help='Client secret to require; "" for none (default: KAKAO_CLIENT_SECRET).'
        )
        parser.add_argument("--admin-key", help="Admin key for unlink (default: KAKAO_ADMIN_KEY).")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            dest="redirect_uris",
            help="A registered redirect URI; repeat for more (default: KAKAO_SANDBOX_REDIRECT_URIS, "
            "else /accounts/kakao/callback/ on this host or a loopback host).",
        )

    def handle(self, *args, **options):
        register(_registered_app(options))
        server = make_server(options["host"], options["port"])
        host, port = server.server_address[:2]
        base_url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self.stdout.write(f"Kakao sandbox (not the real Kakao) listening on {base_url}/")
        self.stdout.write(f"Point the blog at it: KAKAO_AUTH_URL={base_url} KAKAO_API_URL={base_url}")
        self.stdout.flush()

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Kakao sandbox stopped.")
        finally:
            server.server_close()
            register(None)


def _registered_app(options: dict) -> RegisteredApp:
    """Return the app from the settings, with what the command line gives instead."""
    overrides = {
        name: options[name] for name in ("client_id", "client_secret", "admin_key") if options[name] is not None
    }
    if options["redirect_uris"]:
        overrides["redirect_uris"] = tuple(options["redirect_uris"])
    return dataclasses.replace(app_from_settings(), **overrides)
