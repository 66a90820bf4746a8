"""Settings for the Kakao Login Blog, read from the environment.

Development (``DEBUG=1``, the default for ``manage.py``) needs no setup: secrets are
generated once into ``var/``. Production (``DEBUG=0``, the default for WSGI/ASGI)
refuses to start without the variables it needs. ``docs/settings.md`` lists them all.
"""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.devfiles import generate_private_key_pem, private_file, private_folder, read_or_create

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Return an on/off environment variable (1/0, true/false, yes/no, on/off)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_required(name: str, purpose: str) -> str:
    """Return a variable production cannot run without, or stop start-up naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable ({purpose}); it is required when DEBUG=0.")
    return value


def split_pem_blocks(text: str) -> list[str]:
    """Return each ``-----BEGIN ...-----`` block in ``text`` (one variable may hold several keys)."""
    return re.findall(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", text.replace("\\n", "\n"), re.DOTALL)


def env_pem_list(name: str) -> list[str]:
    """Return the PEM blocks of variable ``name``, or of the file that ``<name>_FILE`` names (the file wins).

    A file is read again by a process that starts anew (a gunicorn USR2 reload): a variable is not.
    """
    path = os.environ.get(f"{name}_FILE", "").strip()
    if not path:
        return split_pem_blocks(os.environ.get(name, ""))
    try:
        return split_pem_blocks(Path(path).read_text())
    except OSError as error:
        raise ImproperlyConfigured(f"{name}_FILE names {path}, which cannot be read: {error.strerror}.") from None


def env_origin(name: str, default: str) -> str:
    """Return a variable holding an address like https://blog.example.com (no path), else ``default``."""
    value = os.environ.get(name, "").strip().rstrip("/") or default
    try:
        parts = urlsplit(value)
        usable = parts.scheme in {"http", "https"} and bool(parts.hostname) and "*" not in parts.netloc
    except ValueError:  # a malformed IPv6 literal or port
        usable = False
    if not usable or parts.path or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable to this site's scheme, host and port, "
            f"like https://blog.example.com (no path), not {value!r}."
        )
    return value


DEBUG = env_bool("DEBUG", default=False)

if DEBUG:
    private_folder(VAR_DIR)
    SECRET_KEY = (
        os.environ.get("SECRET_KEY")
        or read_or_create(VAR_DIR / "dev-secret-key", lambda: secrets.token_urlsafe(50).encode()).decode()
    )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
else:
    SECRET_KEY = env_required("SECRET_KEY", "a long random string that signs sessions and CSRF tokens")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or env_required(
        "ALLOWED_HOSTS", "this site's host names, comma separated"
    ).split(",")

# This site's own address, for the URLs the server builds without a request: the sandbox's
# endpoints, the default redirect URI, the JWT issuer. Never the request's Host header: the
# client chooses it, and ALLOWED_HOSTS does not check the port.
SITE_URL = env_origin("SITE_URL", "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "tokens",
    "ratelimit",
    "blog",
    "kakao_sandbox",
    "learn",
    "apikeys",
    "core",
]

MIDDLEWARE = [
    "config.instance.InstanceHeaderMiddleware",
    # Under /api/, JSON where Django would draw its debug pages (DEBUG=1).
    "config.json_errors.JsonErrorsUnderApiMiddleware",
    # Database or cache down: 503 with Retry-After, logged once per incident (config/outage.py).
    "config.outage.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.charset.RequestCharsetMiddleware",
    "config.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tokens.middleware.TokenCookieMiddleware",
    "ratelimit.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Http404 from a view: the styled page even with DEBUG on (Django's own only for no route).
    "config.not_found.StyledNotFoundMiddleware",
]

if not DEBUG:
    # Production serves static files itself, compressed and with far-future caching;
    # in debug mode runserver's staticfiles app serves them straight from static/.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Lower case: not a setting, so its password never shows among the settings on a debug page.
database_url = os.environ.get("DATABASE_URL", "").strip()
if not database_url:
    # SQLite creates its file with the umask (readable by everyone): create it for this user alone first.
    database_url = f"sqlite:///{private_file(private_folder(VAR_DIR) / 'db.sqlite3')}"
DATABASES = {
    "default": dj_database_url.parse(
        database_url,
        # Persistent connections save a TCP + auth round trip per request on PostgreSQL;
        # docs/performance.md has the figure.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts: two deferred transactions that both
    # read and then write (two first logins at once) deadlock with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that stops answering (frozen, or its packets dropped) would hold each
    # request until the kernel gives up, minutes later: give up on connecting after a few
    # seconds instead (503). Queries on a connection already open are not bounded by this.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
    )

# The cache and the rate-limit counters are shared by every instance: Redis when REDIS_URL is set,
# else a table in the database (created by `manage.py migrate`).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# Connecting to Redis and each command give up after this long: a Redis that stops answering is
# a quick 503 (or, for the rate limits, a request let through), never threads held until it answers.
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}

# Requests per client address on login and token paths (ratelimit/middleware.py), e.g.
# "30/m", "5/10s", "off". The first matching prefix applies.
RATE_LIMITS = {
    "/accounts/kakao/login/": os.environ.get("RATE_LIMIT_LOGIN", "30/m"),
    "/accounts/kakao/callback/": os.environ.get("RATE_LIMIT_LOGIN", "30/m"),
    "/api/auth/": os.environ.get("RATE_LIMIT_API_AUTH", "60/m"),
}
# Password guesses (the admin's login: anything that calls authenticate()), counted before the
# password is hashed (ratelimit/backends.py): per client address, and per username from every
# address together. Keep the address's count below the username's, so one address cannot lock a
# username out.
PASSWORD_RATE_LIMITS = {
    "address": os.environ.get("RATE_LIMIT_PASSWORD_ADDRESS", "10/15m"),
    "username": os.environ.get("RATE_LIMIT_PASSWORD_USERNAME", "30/15m"),
}
AUTHENTICATION_BACKENDS = ["ratelimit.backends.PasswordRateLimitBackend"]
RATE_LIMIT_CACHE = "default"
# What `manage.py housekeeping` deletes once it has expired (docs/production.md): each a
# function that deletes and returns how many rows it deleted.
HOUSEKEEPING = {
    "refresh-token families": "tokens.families.flush_expired",
    "sessions": "core.housekeeping.clear_expired_sessions",
    "state entries (login flow records, seen signatures, used ID tokens)": "core.state.purge_expired",
    "rate-limit counters": "ratelimit.middleware.purge_expired_counters",
}
# State that must outlive any cache pressure (seen signatures, used ID tokens, flow records; core/state.py):
# a table in the database (""), or a Redis that keeps every key (noeviction, an append-only file; checked).
STATE_STORE_URL = os.environ.get("STATE_STORE_URL", "").strip()
# How many proxies of ours append to X-Forwarded-For in front of the app (nginx: 1).
# 0 uses the TCP peer address; never set it higher than the proxies you really run.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
# Names this instance in an X-Instance response header (config/instance.py); empty: no header.
INSTANCE_NAME = os.environ.get("INSTANCE_NAME", "").strip()

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "blog:post_list"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Korean first, English available through the language switch.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Seoul")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CSRF_FAILURE_VIEW = "blog.views.csrf_failure"
# The admin's login; readers log in with our JWT cookies (accounts/sessions.py says why not Django's own).
SESSION_ENGINE = "accounts.sessions"

# Security headers. In production every cookie is Secure and HTTP is redirected to HTTPS;
# behind a proxy that ends TLS set SECURE_PROXY_SSL_HEADER (see docs/production.md).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A deploy asks each instance straight, over plain HTTP, whether it is ready (docs/production.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    # COOKIE_SECURE=0 only for plain-HTTP test setups on loopback (scripts/cluster.sh).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("COOKIE_SECURE", default=True)
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:", "http:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, "https://kauth.kakao.com"] if not DEBUG else [SELF, "http:", "https:"],
        "frame-ancestors": [NONE],
    },
}

# Every handler redacts codes, states and tokens from what it writes (config/logging.py):
# runserver's access log prints whole request lines, the callback's among them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "config.logging.RedactSecretsFilter"},
        "drop_service_unavailable": {"()": "config.logging.DropServiceUnavailableFilter"},
    },
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replace the handlers of Django's default logging (they have no filter): to the root's.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["drop_service_unavailable"]},
        "django.db.backends": {"level": "INFO"},
    },
}

# Kakao Login (accounts/kakao.py). With no KAKAO_CLIENT_ID in debug mode, the built-in
# sandbox (kakao_sandbox/) stands in for Kakao under /sandbox/kakao/ on this site.
KAKAO_CLIENT_ID = os.environ.get("KAKAO_CLIENT_ID", "").strip()
KAKAO_SANDBOX = DEBUG and not KAKAO_CLIENT_ID
if KAKAO_SANDBOX:
    KAKAO_CLIENT_ID = "sandbox-rest-api-key"
    KAKAO_CLIENT_SECRET = "sandbox-client-secret"
    # The admin key deactivates any user through the unlink callback: a secret, even in development.
    KAKAO_ADMIN_KEY = read_or_create(
        VAR_DIR / "dev-sandbox-admin-key", lambda: secrets.token_urlsafe(32).encode()
    ).decode()
    KAKAO_APP_ID = "1000001"  # the sandbox's app; its dev tokens can also be minted for app 1000002
    # Empty URLs mean "this site's /sandbox/kakao", at SITE_URL.
    KAKAO_AUTH_URL = ""
    KAKAO_API_URL = ""
else:
    if not KAKAO_CLIENT_ID:
        KAKAO_CLIENT_ID = env_required("KAKAO_CLIENT_ID", "the REST API key of your Kakao app")
    KAKAO_CLIENT_SECRET = os.environ.get("KAKAO_CLIENT_SECRET", "")
    KAKAO_ADMIN_KEY = os.environ.get("KAKAO_ADMIN_KEY", "")
    # The numeric app ID (console: 앱 설정 > 앱 키 > 앱 ID): a Kakao access token sent to
    # /api/auth/kakao/ must have been issued to this app (accounts/kakao.py check_token_is_ours).
    KAKAO_APP_ID = os.environ.get("KAKAO_APP_ID", "").strip()
    if not KAKAO_APP_ID.isdigit():
        raise ImproperlyConfigured(
            "Set the KAKAO_APP_ID environment variable (the numeric app ID of your Kakao app, beside its keys "
            "in the console); Kakao access tokens from other apps are refused against it."
        )
    KAKAO_AUTH_URL = os.environ.get("KAKAO_AUTH_URL", "https://kauth.kakao.com").rstrip("/")
    KAKAO_API_URL = os.environ.get("KAKAO_API_URL", "https://kapi.kakao.com").rstrip("/")
# Empty: SITE_URL's /accounts/kakao/callback/. In production set it to the exact URI
# registered in the Kakao console.
KAKAO_REDIRECT_URI = os.environ.get("KAKAO_REDIRECT_URI", "")
KAKAO_SCOPE = os.environ.get("KAKAO_SCOPE", "")
KAKAO_TIMEOUT = float(os.environ.get("KAKAO_TIMEOUT", "5"))
# OpenID Connect (accounts/kakao_oidc.py, docs/kakao-setup.md): turn it on in the Kakao console
# first. The login then asks for scope openid with a nonce and verifies Kakao's ID token.
KAKAO_OIDC = env_bool("KAKAO_OIDC", default=False)
# The app keys an ID token sent to /api/auth/kakao/ may be issued to (REST, native, JavaScript);
# empty: KAKAO_CLIENT_ID only.
KAKAO_OIDC_AUDIENCES = env_list("KAKAO_OIDC_AUDIENCES")
# An ID token sent without a nonce can be replayed by whoever copied it: accept it only this fresh.
KAKAO_OIDC_NONCELESS_MAX_AGE = int(os.environ.get("KAKAO_OIDC_NONCELESS_MAX_AGE", "300"))
# Kakao blocks clients that fetch its JWKS too often: an unknown kid refetches at most this often.
KAKAO_OIDC_JWKS_REFETCH_SECONDS = int(os.environ.get("KAKAO_OIDC_JWKS_REFETCH_SECONDS", "300"))

# Our JWTs (tokens/, docs/jwt.md), made by djangorestframework-simplejwt: signed RS256 with
# a private key only this site holds; anyone verifies them with the public keys at
# /.well-known/jwks.json.
if os.environ.get("JWT_PRIVATE_KEY_FILE"):
    jwt_private_key = Path(os.environ["JWT_PRIVATE_KEY_FILE"]).read_text()
elif os.environ.get("JWT_PRIVATE_KEY", "").strip():
    # A PEM squeezed onto one line (as some .env files need) keeps its newlines as "\n".
    jwt_private_key = os.environ["JWT_PRIVATE_KEY"].replace("\\n", "\n")
elif DEBUG:
    jwt_private_key = read_or_create(VAR_DIR / "dev-jwt-private-key.pem", generate_private_key_pem).decode()
else:
    jwt_private_key = env_required("JWT_PRIVATE_KEY", "the PEM RSA private key that signs our JWTs")
# RFC 7519 allows "some small leeway, usually no more than a few minutes"; ours is capped lower,
# since it also lets a token be used that long past its exp (docs/jwt.md).
jwt_leeway = int(os.environ.get("JWT_LEEWAY", "30"))
if not 0 <= jwt_leeway <= 60:
    raise ImproperlyConfigured(f"Set JWT_LEEWAY to a number of seconds from 0 to 60, not {jwt_leeway}.")
SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "SIGNING_KEY": jwt_private_key,  # the public half, by kid, is in tokens/keys.py
    "ISSUER": os.environ.get("JWT_ISSUER", "").strip() or SITE_URL,
    "AUDIENCE": os.environ.get("JWT_AUDIENCE", "").strip() or None,  # None: tokens carry no "aud"
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("JWT_ACCESS_TOKEN_LIFETIME", "300"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("JWT_REFRESH_TOKEN_LIFETIME", str(14 * 24 * 3600)))),
    # Seconds of clock difference tolerated between the servers that issue and verify tokens
    # (iat, nbf, exp): with none, an instance 0.5 s fast issues tokens the others call future.
    "LEEWAY": jwt_leeway,
    # Every refresh replaces the refresh token (tokens/families.py keeps the chain).
    "ROTATE_REFRESH_TOKENS": True,
    "USER_ID_CLAIM": "sub",  # RFC 7519's name, which any other verifier reads
    "AUTH_TOKEN_CLASSES": ("tokens.tokens.AccessToken",),
    "TOKEN_USER_CLASS": "tokens.models.TokenUser",
}
# What simplejwt has no setting for: the public keys verified and published beside the signing
# key's, during a key change (docs/jwt.md). NEXT: a key every instance must know before any signs
# with it. PREVIOUS: the key that signed until the change, until its last tokens expire.
JWT_NEXT_PUBLIC_KEYS = env_pem_list("JWT_NEXT_PUBLIC_KEYS")
JWT_PREVIOUS_PUBLIC_KEYS = env_pem_list("JWT_PREVIOUS_PUBLIC_KEYS")
# For this long after a rotation, the refresh token just replaced still gets the family's
# current one (a browser's parallel requests), instead of revoking the family as a reuse.
JWT_REFRESH_GRACE_PERIOD = timedelta(seconds=int(os.environ.get("JWT_REFRESH_GRACE_SECONDS", "30")))
# Browsers get the tokens in HttpOnly cookies; path "/" so every page can renew an expired access token.
JWT_ACCESS_COOKIE_NAME = "access_token"
JWT_REFRESH_COOKIE_NAME = "refresh_token"
JWT_COOKIE_SECURE = env_bool("JWT_COOKIE_SECURE", default=not DEBUG and env_bool("COOKIE_SECURE", default=True))

REST_FRAMEWORK = {
    # Bearer first: its WWW-Authenticate header is what makes DRF answer 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.BearerTokenAuthentication",
        "tokens.authentication.CookieTokenAuthentication",
        "apikeys.authentication.SigV4Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 10,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests signed with an API key (apikeys/sigv4.py): AWS Signature Version 4 for service "blog" in this region.
SIGV4_REGION = os.environ.get("SIGV4_REGION", "").strip() or "ap-northeast-2"

SPECTACULAR_SETTINGS = {
    "TITLE": "Kakao Login Blog API",
    "DESCRIPTION": "Log in with a Kakao token, then call the blog with our own JWTs (docs/jwt.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from this site's static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # blog/converters.py matches ids 1..2^63-1 as digits; in the schema they are integers.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807}},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.add_error_responses"],
}
