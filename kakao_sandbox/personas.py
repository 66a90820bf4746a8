"""The sandbox's test accounts: one per shape of ``/v2/user/me`` and one per failure of Kakao.

A failure account behaves like a normal one on the consent page; the failure travels with
the authorization code and tokens issued for it, so every error page of the blog can be
reached by hand from the browser.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Failures of the token endpoint and of /v2/user/me, named by the account key that causes them.
TOKEN_500 = "token-500"
TOKEN_NOT_JSON = "token-not-json"
TOKEN_HANG = "token-hang"
TOKEN_RATE_LIMIT = "token-rate-limit"
USER_ME_401 = "me-401"
USER_ME_500 = "me-500"
USER_ME_NOT_JSON = "me-not-json"
# Failures of the OpenID Connect ID token; the rest of the login works (when scope has openid).
ID_TOKEN_WRONG_AUDIENCE = "id-token-wrong-aud"
ID_TOKEN_EXPIRED = "id-token-expired"
ID_TOKEN_BAD_SIGNATURE = "id-token-bad-signature"
ID_TOKEN_NO_NONCE = "id-token-no-nonce"
ID_TOKEN_UNKNOWN_KID = "id-token-unknown-kid"
ID_TOKEN_WRONG_SUB = "id-token-wrong-sub"

HONG_IMAGE = "kakao_sandbox/avatar-hong.svg"
FRIEND_IMAGE = "kakao_sandbox/avatar-friend.svg"
DEFAULT_IMAGE = "kakao_sandbox/avatar-default.svg"


@dataclass(frozen=True)
class SandboxAccount:
    key: str
    id: int
    title_ko: str
    title_en: str
    nickname: str
    image: str = ""  # a static path; empty: the profile has no picture at all
    is_default_image: bool = False
    email: str = ""
    email_needs_agreement: bool = False
    is_email_valid: bool = True
    is_email_verified: bool = True
    # Responses from before kakao_account existed carry the nickname in properties only.
    properties_only: bool = False
    failure: str = ""
    connected_at: str = "2024-03-01T09:00:00Z"


ACCOUNTS = [
    SandboxAccount(
        key="full",
        id=4000000001,
        title_ko="전체 프로필: 닉네임, 프로필 사진, 인증된 이메일",
        title_en="Full profile: nickname, picture, verified email",
        nickname="홍길동",
        image=HONG_IMAGE,
        email="hong@example.com",
    ),
    SandboxAccount(
        key="nickname-only",
        id=4000000002,
        title_ko="닉네임만 동의",
        title_en="Nickname only, no email fields at all",
        nickname="김하늘",
    ),
    SandboxAccount(
        key="no-email",
        id=4000000003,
        title_ko="이메일 제공에 동의하지 않음",
        title_en="Email not shared (email_needs_agreement)",
        nickname="박서준",
        image=FRIEND_IMAGE,
        email_needs_agreement=True,
    ),
    SandboxAccount(
        key="unverified-email",
        id=4000000004,
        title_ko="인증되지 않은 이메일",
        title_en="Unverified email (is_email_verified false)",
        nickname="최유나",
        image=FRIEND_IMAGE,
        email="choi@example.com",
        is_email_verified=False,
    ),
    SandboxAccount(
        key="big-id",
        id=1376016924429759228,
        title_ko="64비트 회원번호, 영어 닉네임, 기본 프로필 사진",
        title_en="64-bit id, English nickname, default picture",
        nickname="Alex Kim",
        image=DEFAULT_IMAGE,
        is_default_image=True,
        email="alex@example.com",
    ),
    SandboxAccount(
        key="properties-only",
        id=4000000006,
        title_ko="옛 응답 형식: properties.nickname만",
        title_en="Old shape: properties.nickname only, no kakao_account",
        nickname="옛날사용자",
        properties_only=True,
    ),
    SandboxAccount(
        key="invalid-email",
        id=4000000007,
        title_ko="다른 카카오계정으로 옮겨진 이메일",
        title_en="Email no longer valid (is_email_valid false)",
        nickname="정다은",
        image=FRIEND_IMAGE,
        email="jung@example.com",
        is_email_valid=False,
    ),
    SandboxAccount(
        key=TOKEN_500,
        id=4000000101,
        title_ko="토큰 요청에 500 오류 (HTML)",
        title_en="Token endpoint answers 500 with an HTML body",
        nickname="토큰 오류",
        failure=TOKEN_500,
    ),
    SandboxAccount(
        key=TOKEN_NOT_JSON,
        id=4000000102,
        title_ko="토큰 응답이 JSON이 아님",
        title_en="Token endpoint answers 200 with HTML, not JSON",
        nickname="토큰 형식 오류",
        failure=TOKEN_NOT_JSON,
    ),
    SandboxAccount(
        key=TOKEN_HANG,
        id=4000000103,
        title_ko="토큰 요청이 응답하지 않음",
        title_en="Token endpoint hangs longer than the client's timeout",
        nickname="토큰 지연",
        failure=TOKEN_HANG,
    ),
    SandboxAccount(
        key=TOKEN_RATE_LIMIT,
        id=4000000104,
        title_ko="토큰 발급 한도 초과 (KOE237)",
        title_en="Token rate limit exceeded (KOE237)",
        nickname="토큰 한도",
        failure=TOKEN_RATE_LIMIT,
    ),
    SandboxAccount(
        key=USER_ME_401,
        id=4000000105,
        title_ko="사용자 정보 요청에 401 (-401)",
        title_en="User info answers 401 (code -401)",
        nickname="사용자 정보 401",
        failure=USER_ME_401,
    ),
    SandboxAccount(
        key=USER_ME_500,
        id=4000000106,
        title_ko="사용자 정보 요청에 500 오류",
        title_en="User info answers 500",
        nickname="사용자 정보 500",
        failure=USER_ME_500,
    ),
    SandboxAccount(
        key=USER_ME_NOT_JSON,
        id=4000000107,
        title_ko="사용자 정보 응답이 JSON이 아님",
        title_en="User info answers 200 with HTML, not JSON",
        nickname="사용자 정보 형식 오류",
        failure=USER_ME_NOT_JSON,
    ),
    SandboxAccount(
        key=ID_TOKEN_WRONG_AUDIENCE,
        id=4000000201,
        title_ko="ID 토큰의 aud가 다른 앱의 키 (OIDC)",
        title_en="ID token issued to another app's key (aud, OIDC)",
        nickname="ID 토큰 aud",
        failure=ID_TOKEN_WRONG_AUDIENCE,
    ),
    SandboxAccount(
        key=ID_TOKEN_EXPIRED,
        id=4000000202,
        title_ko="만료된 ID 토큰 (OIDC)",
        title_en="Expired ID token (exp, OIDC)",
        nickname="ID 토큰 만료",
        failure=ID_TOKEN_EXPIRED,
    ),
    SandboxAccount(
        key=ID_TOKEN_BAD_SIGNATURE,
        id=4000000203,
        title_ko="다른 키로 서명한 ID 토큰, kid는 그대로 (OIDC)",
        title_en="ID token signed by a foreign key under the published kid (OIDC)",
        nickname="ID 토큰 서명",
        failure=ID_TOKEN_BAD_SIGNATURE,
    ),
    SandboxAccount(
        key=ID_TOKEN_NO_NONCE,
        id=4000000204,
        title_ko="nonce가 빠진 ID 토큰 (OIDC)",
        title_en="ID token without the nonce (OIDC)",
        nickname="ID 토큰 nonce",
        failure=ID_TOKEN_NO_NONCE,
    ),
    SandboxAccount(
        key=ID_TOKEN_UNKNOWN_KID,
        id=4000000205,
        title_ko="JWKS에 없는 kid로 서명한 ID 토큰 (OIDC)",
        title_en="ID token signed with a kid not in the JWKS (OIDC)",
        nickname="ID 토큰 kid",
        failure=ID_TOKEN_UNKNOWN_KID,
    ),
    SandboxAccount(
        key=ID_TOKEN_WRONG_SUB,
        id=4000000206,
        title_ko="ID 토큰의 sub가 사용자 정보의 id와 다름 (OIDC)",
        title_en="ID token names another user (sub) than user info (OIDC)",
        nickname="ID 토큰 sub",
        failure=ID_TOKEN_WRONG_SUB,
    ),
]
_BY_KEY = {account.key: account for account in ACCOUNTS}
_BY_ID = {account.id: account for account in ACCOUNTS}


def account_get(key: str) -> SandboxAccount | None:
    return _BY_KEY.get(key)


def account_by_id(kakao_id: int) -> SandboxAccount | None:
    return _BY_ID.get(kakao_id)


def granted_scope(account: SandboxAccount) -> str:
    """Return the consent items the account shares, space separated as Kakao's token answer has them."""
    items = ["profile_nickname"]
    if account.image:
        items.append("profile_image")
    if account.email:
        items.append("account_email")
    return " ".join(sorted(items))


def user_me(account: SandboxAccount, *, absolute_url: Callable[[str], str]) -> dict[str, Any]:
    """Return ``/v2/user/me`` for ``account``; ``absolute_url`` turns a static path into a URL."""
    data: dict[str, Any] = {"id": account.id, "connected_at": account.connected_at}
    properties: dict[str, Any] = {"nickname": account.nickname}
    if account.properties_only:
        data["properties"] = properties
        return data

    kakao_account: dict[str, Any] = {"profile_nickname_needs_agreement": False}
    profile: dict[str, Any] = {"nickname": account.nickname}
    if account.image:
        image_url = absolute_url(account.image)
        kakao_account["profile_image_needs_agreement"] = False
        profile.update(
            thumbnail_image_url=image_url, profile_image_url=image_url, is_default_image=account.is_default_image
        )
        properties.update(profile_image=image_url, thumbnail_image=image_url)
    kakao_account["profile"] = profile
    if account.email or account.email_needs_agreement:
        kakao_account.update(has_email=True, email_needs_agreement=account.email_needs_agreement)
    if account.email:
        kakao_account.update(
            is_email_valid=account.is_email_valid, is_email_verified=account.is_email_verified, email=account.email
        )
    data["kakao_account"] = kakao_account
    data["properties"] = properties
    return data
