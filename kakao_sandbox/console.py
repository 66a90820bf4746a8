"""The app "registered in the Kakao console" that the sandbox accepts: keys and redirect URIs.

Mounted in the blog, the sandbox reads the blog's own settings at call time. The standalone
server (``run_kakao_sandbox``) may replace them with its command-line options through
``register``; everything else asks ``registered_app()`` and so works the same in both modes.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CALLBACK_PATH = "/accounts/kakao/callback/"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class RegisteredApp:
    client_id: str
    client_secret: str
    admin_key: str
    app_id: str = ""  # the numeric app ID that access_token_info reports for this app's tokens
    # None: any http(s) URL on this host or a loopback host whose path is CALLBACK_PATH.
    redirect_uris: tuple[str, ...] | None = None

    def allows_redirect_uri(self, uri: str, *, request_host: str) -> bool:
        """Return True if ``uri`` may receive authorization codes."""
        if self.redirect_uris is not None:
            return uri in self.redirect_uris
        return _on_allowed_host(uri, request_host) and urlsplit(uri).path == CALLBACK_PATH

    def allows_logout_redirect_uri(self, uri: str, *, request_host: str) -> bool:
        """Return True if ``uri`` may receive the browser after a Kakao account logout."""
        if self.redirect_uris is not None:
            return _origin(uri) in {_origin(registered) for registered in self.redirect_uris}
        return _on_allowed_host(uri, request_host)


_override: RegisteredApp | None = None


def register(app: RegisteredApp | None) -> None:
    """Make ``app`` the registered app for this process (None: back to the settings)."""
    global _override
    _override = app


def registered_app() -> RegisteredApp:
    """Return the app the sandbox accepts now."""
    return _override if _override is not None else app_from_settings()


def app_from_settings() -> RegisteredApp:
    """Return the app described by the blog's own KAKAO_* settings."""
    redirect_uris = getattr(settings, "KAKAO_SANDBOX_REDIRECT_URIS", None)
    return RegisteredApp(
        client_id=settings.KAKAO_CLIENT_ID,
        client_secret=settings.KAKAO_CLIENT_SECRET,
        admin_key=settings.KAKAO_ADMIN_KEY,
        app_id=str(getattr(settings, "KAKAO_APP_ID", "")),
        redirect_uris=tuple(redirect_uris) if redirect_uris is not None else None,
    )


def _origin(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    return parts.scheme, parts.netloc


def _on_allowed_host(uri: str, request_host: str) -> bool:
    # urlsplit drops tabs and newlines that a redirect would then carry: refuse them outright.
    if re.search(r"[\x00-\x20\x7f]", uri):
        return False
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
    except ValueError:  # a malformed IPv6 literal or port
        return False
    if parts.scheme not in {"http", "https"} or not hostname or parts.username or parts.password:
        return False
    return parts.netloc.lower() == request_host.lower() or hostname in LOOPBACK_HOSTS
