"""Settings for bench/api_auth.py only: the site's settings plus stock simplejwt, for comparison."""

from cryptography.hazmat.primitives import serialization

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_auth_urls"

# Stock simplejwt's backend verifies with VERIFYING_KEY: the public half of our key, so the
# benchmark compares authentication classes, not tokens (bench/api_auth_urls.py).
SIMPLE_JWT = {
    **SIMPLE_JWT,  # noqa: F405
    "VERIFYING_KEY": (
        serialization.load_pem_private_key(SIMPLE_JWT["SIGNING_KEY"].encode(), password=None)  # noqa: F405
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    ),
}
