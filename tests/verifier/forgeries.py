"""The forged and broken access tokens both the blog and the verifier must refuse.

The blog's own list (tests/tokens/jwt_support.py), plus the ones a header or size check
must catch before any key is looked up.
"""

import time

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from tests.tokens.jwt_support import (
    BEYOND_LEEWAY,
    REFUSED_ACCESS_TOKENS,
    access_claims,
    forge,
    our_kid,
    stranger_private_pem,
)


def _rs512_signed_with_our_key() -> str:
    key = serialization.load_pem_private_key(settings.SIMPLE_JWT["SIGNING_KEY"].encode(), password=None)
    return jwt.encode(access_claims(), key, algorithm="RS512", headers={"kid": our_kid(), "typ": "at+jwt"})


# Every entry is called inside a test (the keys come from the settings of that moment).
FORGED_ACCESS_TOKENS = {
    **REFUSED_ACCESS_TOKENS,
    "crit_header": lambda: forge(access_claims(), headers={"crit": ["exp"]}),
    "x5c_header": lambda: forge(access_claims(), headers={"x5c": "MIIB"}),
    "rs512_signed_with_our_key": _rs512_signed_with_our_key,
    "oversized_header": lambda: forge(access_claims(), headers={"kid": "k" * 5000}),
    "oversized_token_signed_by_a_stranger": lambda: forge(
        access_claims(padding="p" * 20000), private_pem=stranger_private_pem()
    ),
    "issued_an_hour_ago_expired_two_minutes_ago": lambda: forge(
        access_claims(iat=int(time.time()) - 3600, exp=int(time.time()) - BEYOND_LEEWAY)
    ),
    "sub_as_number": lambda: forge(access_claims(sub=12)),
}
