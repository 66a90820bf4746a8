"""What the auth API accepts and answers, field by field."""

from collections.abc import Mapping
from typing import Any

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import kakao
from accounts.models import User
from config.text import StrictCharField
from tokens.serializers import TokenPairSerializer

KAKAO_TOKEN_SHAPE = RegexValidator(
    rf"\A{kakao.KAKAO_TOKEN.pattern}\Z",
    _("Kakao's tokens and codes are printable ASCII without spaces."),
    code="invalid_format",
)
# RFC 7636 section 4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
CODE_VERIFIER_SHAPE = RegexValidator(
    r"\A[A-Za-z0-9._~-]{43,128}\Z",
    _("A PKCE code verifier is 43 to 128 of A-Z a-z 0-9 - . _ ~."),
    code="invalid_format",
)


# The URI registered at Kakao; Kakao itself compares it exactly (KOE006, KOE303).
REDIRECT_URI_SHAPE = RegexValidator(
    r"\Ahttps?://[!-~]{1,2040}\Z", _("Send the http(s) redirect URI registered at Kakao."), code="invalid_format"
)


class KakaoAccessTokenLoginSerializer(serializers.Serializer):
    """A native app used Kakao's SDK and holds Kakao's access token."""

    access_token = StrictCharField(
        max_length=2048,
        validators=[KAKAO_TOKEN_SHAPE],
        help_text=_("Kakao's access token"),
        error_messages={"required": _("This field is required, unless you send code, redirect_uri and code_verifier.")},
    )


class KakaoCodeLoginSerializer(serializers.Serializer):
    """An SPA ran the authorization-code flow with PKCE and holds Kakao's code."""

    code = StrictCharField(max_length=2048, validators=[KAKAO_TOKEN_SHAPE], help_text=_("Kakao's authorization code"))
    redirect_uri = StrictCharField(
        max_length=2048,
        validators=[REDIRECT_URI_SHAPE],
        error_messages={"required": _("This field is required with code.")},
    )
    code_verifier = StrictCharField(
        max_length=128,
        validators=[CODE_VERIFIER_SHAPE],
        help_text=_("The PKCE code verifier"),
        error_messages={"required": _("This field is required with code.")},
    )


# Three base64url parts: the shape of a signed JWT (a JWE or an unsigned token is refused here).
ID_TOKEN_SHAPE = RegexValidator(
    r"\A[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\Z",
    _("An ID token is a signed JWT: three base64url parts joined by dots."),
    code="invalid_format",
)


class KakaoIdTokenLoginSerializer(serializers.Serializer):
    """A native app used Kakao's SDK with OpenID Connect and holds Kakao's ID token."""

    id_token = StrictCharField(
        max_length=8192, validators=[ID_TOKEN_SHAPE], help_text=_("Kakao's OpenID Connect ID token")
    )
    nonce = StrictCharField(
        max_length=255,
        validators=[KAKAO_TOKEN_SHAPE],
        required=False,
        allow_null=True,
        help_text=_(
            "The nonce the app sent to Kakao. Leave it out only if the app sent none: "
            "then the ID token must be at most a few minutes old."
        ),
    )
    access_token = StrictCharField(
        max_length=2048,
        validators=[KAKAO_TOKEN_SHAPE],
        required=False,
        help_text=_("Kakao's access token of the same login, to read the full profile"),
    )


def kakao_login_serializer(data: Any) -> serializers.Serializer:
    """Return the serializer for the kind of Kakao login ``data`` is: an ID token, an access token, or a code."""
    if isinstance(data, Mapping) and "access_token" in data and "code" in data:
        raise serializers.ValidationError({"non_field_errors": [_("Send either access_token or code, not both.")]})
    if isinstance(data, Mapping) and "id_token" in data:
        if "code" in data:
            raise serializers.ValidationError({"non_field_errors": [_("Send either id_token or code, not both.")]})
        return KakaoIdTokenLoginSerializer(data=data)
    if isinstance(data, Mapping) and "code" in data:
        return KakaoCodeLoginSerializer(data=data)
    return KakaoAccessTokenLoginSerializer(data=data)


class UserSerializer(serializers.Serializer):
    """An account as the API shows it; ``user_data`` writes it out, the fields describe it for the schema."""

    id = serializers.IntegerField(read_only=True)
    nickname = serializers.CharField(read_only=True)
    email = serializers.SerializerMethodField()
    kakao_id = serializers.CharField(read_only=True, allow_null=True, help_text=_("Kakao's user id, as a string"))
    # Not a URLField: an account without a picture has "", which is no URI (the schema must say so).
    profile_image_url = serializers.CharField(read_only=True, help_text=_("An http(s) URL, or empty without a picture"))
    date_joined = serializers.DateTimeField(read_only=True)

    def get_email(self, user: User) -> str | None:
        return user.email or None

    def to_representation(self, account: Mapping[str, Any]) -> dict[str, Any]:
        return user_data(account)


class KakaoLoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


_date_time = serializers.DateTimeField()


def user_data(account: Mapping[str, Any]) -> dict[str, Any]:
    """Return an account read by selectors.api_account as UserSerializer describes it.

    Written out by hand because /api/me/ answers every call an app makes to check who is
    logged in: a Serializer deep-copies its fields for each object, which took longer than
    the query. The date keeps DRF's format (ISO 8601 in the current time zone).
    """
    return {
        "id": account["id"],
        "nickname": account["nickname"],
        "email": account["email"] or None,
        "kakao_id": account["kakao_id"],
        "profile_image_url": account["profile_image_url"],
        "date_joined": _date_time.to_representation(account["date_joined"]),
    }
