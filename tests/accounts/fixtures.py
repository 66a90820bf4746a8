"""Realistic Kakao answers, as the wire carries them (see docs: shared/reference/KAKAO.md).

``/v2/user/me`` bodies are JSON text, not dicts, so that the 64-bit ``id`` goes through the
same parsing as in production. ``user_me(...)`` returns one parsed, for unit tests.
"""

import json
from typing import Any

# Kakao's official "all info" sample from the REST API docs.
USER_ME_FULL = """
{"id":123456789,"connected_at":"2022-04-11T01:45:28Z",
 "kakao_account":{
   "profile_nickname_needs_agreement":false,"profile_image_needs_agreement":false,
   "profile":{"nickname":"홍길동","thumbnail_image_url":"http://yyy.kakao.com/.../img_110x110.jpg",
              "profile_image_url":"http://yyy.kakao.com/dn/.../img_640x640.jpg","is_default_image":false},
   "email_needs_agreement":false,"is_email_valid":true,"is_email_verified":true,
   "email":"sample@sample.com"},
 "properties":{"nickname":"홍길동"}}
"""

# An older-style answer: the nickname only in ``properties``, an email that is not an address
# and no verification flags at all.
USER_ME_PROPERTIES_ONLY = """
{"id":2000000001,"properties":{"nickname":"옛날사람","profile_image":"http://k.kakaocdn.net/dn/old/img_640x640.jpg",
 "thumbnail_image":"http://k.kakaocdn.net/dn/old/img_110x110.jpg"},
 "kakao_account":{"email":"a"}}
"""

# Only the nickname consent item is set up in the console.
USER_ME_NICKNAME_ONLY = """
{"id":2000000002,"connected_at":"2024-01-02T03:04:05Z",
 "kakao_account":{"profile_nickname_needs_agreement":false,"profile":{"nickname":"닉네임만","is_default_nickname":false}}}
"""

# No consent items at all: Kakao sends the id and nothing else.
USER_ME_NO_ACCOUNT = """{"id":2000000003,"connected_at":"2024-01-02T03:04:05Z"}"""

# A 64-bit id: past 2**53, so a float (JavaScript, a careless JSON parser) would round it.
BIG_ID = "1376016924429759228"
USER_ME_BIG_ID = (
    '{"id":1376016924429759228,"connected_at":"2024-05-06T07:08:09Z",'
    '"kakao_account":{"profile":{"nickname":"큰번호","is_default_image":true,'
    '"profile_image_url":"http://k.kakaocdn.net/dn/default_profile.jpeg"}}}'
)

# The user typed an address at Kakao but never confirmed it.
USER_ME_UNVERIFIED_EMAIL = """
{"id":2000000004,"kakao_account":{"profile":{"nickname":"미인증"},
 "email_needs_agreement":false,"is_email_valid":true,"is_email_verified":false,"email":"shared@example.com"}}
"""

# The address was verified once but now belongs to another Kakao account.
USER_ME_INVALID_EMAIL = """
{"id":2000000005,"kakao_account":{"profile":{"nickname":"옛주소"},
 "email_needs_agreement":false,"is_email_valid":false,"is_email_verified":true,"email":"shared@example.com"}}
"""

# Verified and valid: the only case in which Kakao vouches for the address.
USER_ME_TRUSTED_EMAIL = """
{"id":2000000006,"kakao_account":{"profile":{"nickname":"인증됨"},
 "email_needs_agreement":false,"is_email_valid":true,"is_email_verified":true,"email":"shared@example.com"}}
"""

# The user refused to share the email: Kakao says agreement is needed and sends no address.
USER_ME_EMAIL_REFUSED = """
{"id":2000000007,"kakao_account":{"profile":{"nickname":"비공개"},"email_needs_agreement":true}}
"""


def user_me(text: str, **changes: Any) -> dict[str, Any]:
    """Return a ``/v2/user/me`` sample parsed, with top-level keys replaced by ``changes``."""
    return {**json.loads(text), **changes}


# /oauth/token
KAKAO_ACCESS_TOKEN = "kakao-access-token-Zx81qPq0aN3hV7"
KAKAO_REFRESH_TOKEN = "kakao-refresh-token-Lm20dkQ7wYb9sT"
TOKEN_SUCCESS = {
    "token_type": "bearer",
    "access_token": KAKAO_ACCESS_TOKEN,
    "expires_in": 21599,
    "refresh_token": KAKAO_REFRESH_TOKEN,
    "refresh_token_expires_in": 5183999,
    "scope": "account_email profile_image profile_nickname",
}


def token_error(error_code: str, error: str, description: str) -> dict[str, str]:
    """Return Kakao's token error body: ``{"error", "error_description", "error_code"}``."""
    return {"error": error, "error_description": description, "error_code": error_code}


# (KOE code, HTTP status Kakao answers with, body)
TOKEN_ERRORS = [
    ("KOE006", 401, token_error("KOE006", "misconfigured", "invalid redirect_uri.")),
    ("KOE010", 401, token_error("KOE010", "invalid_client", "Bad client credentials")),
    ("KOE101", 401, token_error("KOE101", "invalid_client", "invalid client_id")),
    ("KOE205", 400, token_error("KOE205", "invalid_scope", "not supported scope: account_email")),
    ("KOE237", 429, token_error("KOE237", "invalid_request", "token request rate limit exceeded")),
    ("KOE320", 400, token_error("KOE320", "invalid_grant", "authorization code not found for code=CODE")),
]


def access_token_info(app_id: int | str, kakao_id: str = BIG_ID) -> str:
    """Return ``/v1/user/access_token_info`` for a token of app ``app_id`` (the 64-bit id as JSON text)."""
    return f'{{"id":{kakao_id},"expires_in":21599,"app_id":{app_id}}}'


# kapi's error shape, e.g. /v2/user/me with a token Kakao does not know.
REFRESH_TOKEN_INVALID = token_error("KOE322", "invalid_grant", "refresh token not found for refresh_token=abcd...")
KAPI_INVALID_TOKEN = {"msg": "this access token does not exist", "code": -401}
KAPI_SERVER_ERROR = {"msg": "internal server error", "code": -1}
