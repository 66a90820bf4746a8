"""Token introspection (RFC 7662): a service signed in with an API key asks whether a token of ours is active now.

A JWT verifies without the database, and that is its point; but then a logout shows only
when the access token expires. Introspection is the opposite trade: one database read per
question, and the answer is true now (the family revoked at logout answers ``active: false``).
"""

import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import tokens
from accounts.models import RefreshTokenFamily
from accounts.serializers import StrictCharField
from apikeys.authentication import SigV4Authentication
from apikeys.permissions import HasApiKeyScope
from config.api import BoundedJSONParser

INACTIVE = {"active": False}
SHOWN_CLAIMS = ("iss", "sub", "aud", "iat", "exp", "jti", "roles")


class IntrospectionSerializer(serializers.Serializer):
    token = StrictCharField(max_length=4096, help_text=_("Our access or refresh token"))
    token_type_hint = StrictCharField(
        max_length=32, required=False, help_text=_("access_token or refresh_token (optional; both are tried)")
    )


IntrospectionResponse = inline_serializer(
    "IntrospectionAnswer",
    fields={
        "active": serializers.BooleanField(),
        "token_type": serializers.CharField(required=False),
        "sub": serializers.CharField(required=False),
        "exp": serializers.IntegerField(required=False),
    },
)


class IntrospectView(APIView):
    authentication_classes = [SigV4Authentication]
    permission_classes = [IsAuthenticated, HasApiKeyScope]
    parser_classes = [FormParser, BoundedJSONParser]
    api_key_scopes = {"POST": "introspect"}

    @extend_schema(
        request={
            "application/x-www-form-urlencoded": IntrospectionSerializer,
            "application/json": IntrospectionSerializer,
        },
        responses={
            200: IntrospectionResponse,
            403: OpenApiResponse(description="Refused signature, or no introspect scope"),
        },
    )
    def post(self, request: Request) -> Response:
        """Say whether one of our tokens is active now, with its claims (RFC 7662); sign the request with a key that has the introspect scope."""
        serializer = IntrospectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(introspect(serializer.validated_data["token"]))


def introspect(token: str) -> dict[str, Any]:
    """Return RFC 7662's answer for ``token``: its claims if it is ours, valid and its family is live; else inactive."""
    try:
        claims, token_type = tokens.verify_access_token(token), "access_token"
    except tokens.TokenError:
        try:
            claims, token_type = tokens.verify_refresh_token(token), "refresh_token"
        except tokens.TokenError:
            return INACTIVE
    try:
        family_id = uuid.UUID(str(claims["fam"]))
    except (KeyError, ValueError):
        return INACTIVE  # issued before access tokens named their family: nothing to check it against
    family = RefreshTokenFamily.objects.select_related("user").filter(pk=family_id, user_id=claims["sub"]).first()
    if family is None or family.revoked_at is not None or not family.user.is_active:
        return INACTIVE
    if token_type == "refresh_token" and (family.current_jti != claims["jti"] or family.expires_at <= timezone.now()):
        return INACTIVE  # replaced by a newer one: using it would be a reuse
    shown = {name: claims[name] for name in SHOWN_CLAIMS if name in claims}
    return {"active": True, "token_type": token_type, "username": family.user.username, **shown}
