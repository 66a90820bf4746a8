"""Settings for bench/api_auth.py only: the site's settings plus stock simplejwt, for comparison."""

from cryptography.hazmat.primitives import serialization

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_auth_urls"

# Stock simplejwt configured to accept our access tokens (same key, issuer and claims),
# so the benchmark compares authentication classes, not tokens.
_public_pem = (
    serialization.load_pem_private_key(JWT_PRIVATE_KEY.encode(), password=None)  # noqa: F405
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "SIGNING_KEY": JWT_PRIVATE_KEY,  # noqa: F405
    "VERIFYING_KEY": _public_pem,
    "ISSUER": JWT_ISSUER,  # noqa: F405
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "AUTH_HEADER_TYPES": ("Bearer",),
}
