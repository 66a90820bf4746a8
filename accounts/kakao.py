"""Kakao's HTTP contract: endpoint URLs, the authorize URL, the code exchange, the profile.

No ORM here. Every failure of Kakao (network, HTTP status, KOE codes, malformed JSON)
becomes one exception, ``KakaoError``, carrying a message a person can read.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import outbound

# Paths below KAKAO_AUTH_URL (kauth.kakao.com) and KAKAO_API_URL (kapi.kakao.com).
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
ACCOUNT_LOGOUT_PATH = "/oauth/logout"
USER_ME_PATH = "/v2/user/me"
LOGOUT_PATH = "/v1/user/logout"
UNLINK_PATH = "/v1/user/unlink"
SANDBOX_PATH = "/sandbox/kakao"

KAKAO_ID = re.compile(r"[0-9]{1,20}")
# Kakao's tokens and codes are printable ASCII (base64url-like, about 60 to 90 characters):
# anything else is the client's mistake, refused before we call Kakao with it.
KAKAO_TOKEN = re.compile(r"[!-~]{1,2048}")
ACCESS_TOKEN_INFO_PATH = "/v1/user/access_token_info"
# The lengths of User.email and User.profile_image_url: a longer value would fail to save.
EMAIL_MAX_LENGTH = 254
IMAGE_URL_MAX_LENGTH = 500

# What each failure tells the person looking at the error page.
MESSAGES = {
    "invalid_state": _("This login link is not valid any more. Please start the login again."),
    "access_denied": _("You cancelled the Kakao login, so nothing was shared with us."),
    "consent_required": _("Kakao needs your consent before you can log in."),
    "missing_code": _("Kakao sent you back without a login code. Please try again."),
    "invalid_callback": _("This return from Kakao carries an error Kakao does not send. Please start the login again."),
    "KOE006": _(
        "This site's return address is not registered at Kakao (KOE006). The site owner must add it in the Kakao console."
    ),
    "KOE010": _(
        "Kakao did not accept this site's client secret (KOE010). The site owner must check KAKAO_CLIENT_SECRET."
    ),
    "KOE008": _("Kakao does not know this site's app key (KOE008). The site owner must check KAKAO_CLIENT_ID."),
    "KOE101": _("Kakao does not know this site's app key (KOE101). The site owner must check KAKAO_CLIENT_ID."),
    "KOE205": _(
        "This site asked Kakao for information it is not set up to share (KOE205). The site owner must check the consent items."
    ),
    "KOE237": _("Too many logins in a short time (KOE237). Please wait a few minutes and try again."),
    "KOE303": _("The return address changed during login (KOE303). Please start the login again."),
    "KOE320": _("This login link was already used or has expired (KOE320). Please start the login again."),
    "kakao_token_rejected": _("Kakao did not accept the access token."),
    "kakao_token_foreign": _("This Kakao access token was issued to another app, not to this site."),
    "timeout": _("Kakao did not answer in time. Please try again in a moment."),
    "unreachable": _("We could not reach Kakao. Please try again in a moment."),
    "server_error": _("Kakao is having trouble right now. Please try again in a moment."),
    "bad_response": _("Kakao sent an answer we could not read. Please try again in a moment."),
    "kakao_error": _("Kakao refused the login. Please try again."),
    "account_disabled": _("This account is disabled. Please contact the site owner."),
    # accounts/kakao_oidc.py: one code for every refused ID token; each check has its own message there.
    "kakao_id_token_invalid": _("Kakao's ID token did not pass our checks, so we did not log you in."),
    "kakao_oidc_off": _("This site does not accept Kakao ID tokens: OpenID Connect is off (KAKAO_OIDC)."),
    "kakao_jwks_unavailable": _(
        "We could not fetch Kakao's public keys to check the login. Please try again in a moment."
    ),
}
# The HTTP status our page or API answers with: the visitor's fault is 4xx, Kakao's is 502.
STATUSES = {
    "invalid_state": 400,
    "invalid_callback": 400,
    "access_denied": 400,
    "consent_required": 400,
    "missing_code": 400,
    "KOE237": 429,
    "KOE303": 400,
    "KOE320": 400,
    "kakao_token_rejected": 401,
    "kakao_token_foreign": 401,
    "account_disabled": 403,
    "kakao_id_token_invalid": 401,
    "kakao_oidc_off": 403,
}


# The errors an authorization server sends back to the redirect URI (RFC 6749 section 4.1.2.1),
# plus Kakao's own: any other value was written by whoever made the link, not by Kakao.
CALLBACK_ERRORS = {
    *("access_denied", "consent_required", "invalid_request", "invalid_scope", "unauthorized_client"),
    *("unsupported_response_type", "server_error", "temporarily_unavailable", "login_required"),
}


def callback_error(error: str) -> "KakaoError":
    """Return the KakaoError for the ``error`` a callback carries; a value Kakao never sends is the link's fault (400)."""
    if error in CALLBACK_ERRORS or re.fullmatch(r"KOE\d{3}", error):
        return KakaoError(error)
    return KakaoError("invalid_callback")


class KakaoError(Exception):
    """A failure talking to Kakao, with a message safe to show and a status to answer."""

    def __init__(self, code: str, detail: str = "") -> None:
        # Codes may come from a query string: keep only a short, plain word for logs.
        code = code if re.fullmatch(r"[A-Za-z0-9_]{1,40}", code or "") else "unknown"
        self.code = code if code in MESSAGES else "kakao_error"
        self.message = MESSAGES[self.code]
        self.status = STATUSES.get(self.code, 502)
        # ``detail`` is for logs: it never contains a token, code or secret.
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class KakaoProfile:
    """The parts of ``/v2/user/me`` we use. Every field but ``id`` may be empty."""

    id: str
    nickname: str
    profile_image_url: str
    email: str
    is_email_verified: bool
    is_email_valid: bool
    # Kakao's JSON as received, for the flow inspector; not part of the identity.
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def email_trusted(self) -> bool:
        """Return True when Kakao vouches that the address belongs to this user now."""
        return bool(self.email and self.is_email_verified and self.is_email_valid)


@dataclass(frozen=True)
class KakaoEndpoints:
    auth_url: str
    api_url: str


def endpoints(request: HttpRequest) -> KakaoEndpoints:
    """Return Kakao's base URLs; in sandbox mode, this site's own /sandbox/kakao at SITE_URL.

    Nothing comes from ``request``: its Host header is the client's to choose, and the code
    exchange would send our client secret and PKCE verifier to whatever server it names.
    """
    if settings.KAKAO_SANDBOX:
        sandbox = settings.SITE_URL + SANDBOX_PATH
        return KakaoEndpoints(auth_url=sandbox, api_url=sandbox)
    return KakaoEndpoints(auth_url=settings.KAKAO_AUTH_URL, api_url=settings.KAKAO_API_URL)


def redirect_uri(request: HttpRequest) -> str:
    """Return the one registered redirect URI; nothing in the request (parameter or Host) can change it."""
    return settings.KAKAO_REDIRECT_URI or settings.SITE_URL + reverse("accounts:kakao_callback")


def _oauth_session(*, redirect_uri: str = "") -> OAuth2Session:
    session = OAuth2Session(
        client_id=settings.KAKAO_CLIENT_ID,
        client_secret=settings.KAKAO_CLIENT_SECRET or None,
        # Kakao takes the secret in the form body only; Basic auth gets KOE010.
        token_endpoint_auth_method="client_secret_post" if settings.KAKAO_CLIENT_SECRET else "none",
        redirect_uri=redirect_uri or None,
        scope=settings.KAKAO_SCOPE or None,
        code_challenge_method="S256",
        default_timeout=settings.KAKAO_TIMEOUT,
    )
    return outbound.mount(session)


def authorization_url(
    *, endpoints: KakaoEndpoints, redirect_uri: str, state: str, code_verifier: str, nonce: str = ""
) -> str:
    """Return Kakao's authorize URL carrying ``state`` and the S256 ``code_challenge``.

    With a ``nonce`` it asks for OpenID Connect too: ``openid`` joins the scope, and Kakao
    puts the nonce into the ID token it issues.
    """
    oidc = {"scope": openid_scope(settings.KAKAO_SCOPE), "nonce": nonce} if nonce else {}
    url, _state = _oauth_session(redirect_uri=redirect_uri).create_authorization_url(
        endpoints.auth_url + AUTHORIZE_PATH, state=state, code_verifier=code_verifier, **oidc
    )
    return url


def openid_scope(scope: str) -> str:
    """Return ``scope`` with ``openid`` in it, comma separated as Kakao's consent ids are."""
    items = [item for item in re.split(r"[\s,]+", scope) if item]
    return ",".join(items if "openid" in items else [*items, "openid"])


def _read_json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python recurses
        raise KakaoError("bad_response", f"HTTP {response.status_code}, not JSON") from None
    if not isinstance(data, dict):
        raise KakaoError("bad_response", f"HTTP {response.status_code}, JSON is not an object")
    return data


def _check_token_response(response: requests.Response) -> requests.Response:
    """Turn Kakao's token errors into KakaoError before Authlib drops the KOE code."""
    if response.status_code >= 500:
        raise KakaoError("server_error", f"token endpoint HTTP {response.status_code}")
    data = _read_json(response)
    if response.status_code >= 400 or "error" in data:
        raise KakaoError(data.get("error_code") or data.get("error") or "kakao_error", str(data.get("error")))
    if not data.get("access_token"):
        raise KakaoError("bad_response", "token response without access_token")
    return response


def _network_errors(call):
    """Run ``call`` within KAKAO_TIMEOUT in all, and turn network failures into KakaoError."""
    try:
        return outbound.within(settings.KAKAO_TIMEOUT, call)
    except KakaoError:
        raise
    except requests.Timeout:
        raise KakaoError("timeout") from None
    except outbound.AnswerTooLarge:
        raise KakaoError("bad_response", "answer too large") from None
    except requests.RequestException as exc:
        raise KakaoError("unreachable", type(exc).__name__) from None
    except AuthlibBaseError as exc:
        raise KakaoError(exc.error or "kakao_error") from None
    except (ValueError, RecursionError):
        raise KakaoError("bad_response", "unreadable JSON") from None


def exchange_code(
    *, endpoints: KakaoEndpoints, authorization_code: str, redirect_uri: str, code_verifier: str
) -> dict[str, Any]:
    """Exchange an authorization code for Kakao's tokens (client_secret_post + PKCE)."""
    session = _oauth_session(redirect_uri=redirect_uri)
    session.register_compliance_hook("access_token_response", _check_token_response)
    with session:
        token = _network_errors(
            lambda: session.fetch_token(
                endpoints.auth_url + TOKEN_PATH,
                grant_type="authorization_code",
                code=authorization_code,
                code_verifier=code_verifier,
            )
        )
    return dict(token)


def refresh_access_token(*, endpoints: KakaoEndpoints, kakao_refresh_token: str) -> dict[str, Any]:
    """Trade Kakao's refresh token for a new access token (and, near its end, a new refresh token)."""
    session = _oauth_session()
    session.register_compliance_hook("refresh_token_response", _check_token_response)
    with session:
        token = _network_errors(
            lambda: session.refresh_token(endpoints.auth_url + TOKEN_PATH, refresh_token=kakao_refresh_token)
        )
    return dict(token)


def fetch_profile(*, endpoints: KakaoEndpoints, kakao_access_token: str) -> KakaoProfile:
    """Return the user's profile from ``/v2/user/me``."""
    return parse_profile(_user_api("GET", endpoints, USER_ME_PATH, headers=_bearer(kakao_access_token)))


def check_token_is_ours(*, endpoints: KakaoEndpoints, kakao_access_token: str) -> None:
    """Refuse a Kakao access token issued to another Kakao app (token substitution).

    ``/v2/user/me`` answers for any app's token; ``access_token_info`` says which app it
    was issued to. Tokens from our own code exchange are ours by construction.
    """
    info = _user_api("GET", endpoints, ACCESS_TOKEN_INFO_PATH, headers=_bearer(kakao_access_token))
    app_id = info.get("app_id")
    if isinstance(app_id, bool) or not isinstance(app_id, int):
        raise KakaoError("bad_response", "access_token_info without a numeric app_id")
    if str(app_id) != str(settings.KAKAO_APP_ID):
        raise KakaoError("kakao_token_foreign", f"token of app {app_id}")


def parse_profile(data: dict[str, Any]) -> KakaoProfile:
    """Map Kakao's ``/v2/user/me`` JSON to a KakaoProfile, tolerating any missing part."""
    kakao_id = data.get("id")
    # A 64-bit integer has at most 20 digits; str.isdigit() would also let "١٢٣" through.
    if isinstance(kakao_id, bool) or not isinstance(kakao_id, int | str) or not KAKAO_ID.fullmatch(str(kakao_id)):
        raise KakaoError("bad_response", "user/me without a numeric id")
    kakao_id = str(kakao_id)
    account = data.get("kakao_account") if isinstance(data.get("kakao_account"), dict) else {}
    profile = account.get("profile") if isinstance(account.get("profile"), dict) else {}
    properties = data.get("properties") if isinstance(data.get("properties"), dict) else {}

    nickname = _clean_text(profile.get("nickname")) or _clean_text(properties.get("nickname"))
    nickname = nickname or f"카카오 사용자 {kakao_id[-4:]}"
    image = "" if profile.get("is_default_image") else profile.get("profile_image_url")
    image = image or properties.get("profile_image") or ""
    email = account.get("email")
    return KakaoProfile(
        id=kakao_id,
        nickname=str(nickname)[:50],
        profile_image_url=image if _is_http_url(image) else "",
        email=email.strip() if _is_email(email) else "",
        is_email_verified=account.get("is_email_verified") is True,
        is_email_valid=account.get("is_email_valid") is True,
        raw=data,
    )


def _clean_text(value: Any) -> str:
    """Return ``value`` as display text: NFC, without control, zero-width or bidi-override characters.

    PostgreSQL refuses NUL in text, and invisible or direction-flipping characters let a
    nickname impersonate another one.
    """
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFC", value)
    # Cc: control characters (NUL, newlines); Cf: format characters (U+200B, U+202E, BOM);
    # Cs: lone surrogates, which no database can store.
    text = "".join(char for char in text if unicodedata.category(char) not in {"Cc", "Cf", "Cs"})
    return " ".join(text.split())


def _is_http_url(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(("https://", "http://"))
        and len(value) <= IMAGE_URL_MAX_LENGTH
        and value.isprintable()
        and value.isascii()
        and " " not in value
    )


def _is_email(value: Any) -> bool:
    """Return True for an address the User.email column can hold; Kakao may send "a"."""
    if not isinstance(value, str) or len(value.strip()) > EMAIL_MAX_LENGTH:
        return False
    try:
        validate_email(value.strip())
    except ValidationError:
        return False
    return True


def account_logout_url(*, endpoints: KakaoEndpoints, logout_redirect_uri: str) -> str:
    """Return the URL that also logs the browser out of its Kakao account."""
    query = urlencode({"client_id": settings.KAKAO_CLIENT_ID, "logout_redirect_uri": logout_redirect_uri})
    return f"{endpoints.auth_url}{ACCOUNT_LOGOUT_PATH}?{query}"


def logout(*, endpoints: KakaoEndpoints, kakao_access_token: str) -> None:
    """Expire this app's Kakao tokens for the user (``/v1/user/logout``)."""
    _user_api("POST", endpoints, LOGOUT_PATH, headers=_bearer(kakao_access_token))


def unlink(*, endpoints: KakaoEndpoints, kakao_access_token: str = "", kakao_id: str = "") -> None:
    """Disconnect the user from this app at Kakao, with their token or else the admin key.

    The admin key also serves when Kakao no longer knows the user's token (they logged
    out at Kakao, or it expired) and ``kakao_id`` says whom to unlink.
    """
    if kakao_access_token:
        try:
            _user_api("POST", endpoints, UNLINK_PATH, headers=_bearer(kakao_access_token))
            return
        except KakaoError as error:
            if error.code != "kakao_token_rejected" or not settings.KAKAO_ADMIN_KEY or not kakao_id:
                raise
    if not settings.KAKAO_ADMIN_KEY:
        raise KakaoError("kakao_token_rejected", "no Kakao token and no admin key to unlink with")
    _user_api(
        "POST",
        endpoints,
        UNLINK_PATH,
        headers={"Authorization": f"KakaoAK {settings.KAKAO_ADMIN_KEY}"},
        data={"target_id_type": "user_id", "target_id": kakao_id},
    )


def _bearer(kakao_access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {kakao_access_token}"}


def _user_api(method: str, endpoints: KakaoEndpoints, path: str, *, headers: dict, data: dict | None = None) -> dict:
    """Call one of kapi's user endpoints; its 400/401 mean Kakao refused the token."""
    response = _network_errors(
        lambda: outbound.request(
            method, endpoints.api_url + path, headers=headers, data=data, timeout=settings.KAKAO_TIMEOUT
        )
    )
    if response.status_code in (400, 401):
        raise KakaoError("kakao_token_rejected", f"{path} HTTP {response.status_code}")
    if response.status_code >= 300:
        raise KakaoError("server_error", f"{path} HTTP {response.status_code}")
    return _read_json(response)
