"""Token introspection (RFC 7662): a service signed in with an API key asks whether a token of ours is active now.

A JWT verifies without the database, and that is its point; but then a logout shows only
when the access token expires. Introspection is the opposite trade: one database read per
question, and the answer is true now (the family revoked at logout answers ``active: false``).
"""


from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys.authentication import SigV4Authentication
from apikeys.permissions import HasApiKeyScope
from config.api import BoundedJSONParser
from config.text import StrictCharField
from tokens import families
from tokens.api import NoStore


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


class IntrospectView(NoStore, APIView):
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
        return Response(families.introspect(serializer.validated_data["token"]))
