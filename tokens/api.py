"""The token API: refresh a pair, log out, say who you are, and publish our public keys."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens import families, keys
from tokens.authentication import refuse, www_authenticate
from tokens.serializers import RefreshTokenSerializer, TokenPairSerializer
from tokens.tokens import TokenError

ERROR = inline_serializer("Error", fields={"detail": serializers.CharField(), "code": serializers.CharField()})


class NoStore:
    """Mark the answer ``Cache-Control: no-store``: it carries tokens or what they say (RFC 6749 section 5.1)."""

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Set directly: add_never_cache_headers() also dates and expires the answer, a tenth of whoami's time.
        response["Cache-Control"] = "no-store"
        return response


class TokenEndpoint(NoStore, APIView):
    """An endpoint that reads its token from the body: no authentication, yet its 401s say Bearer."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        # Without this DRF would turn our 401s into 403s (it has no authenticator to ask).
        return www_authenticate(request)


class TokenRefreshView(TokenEndpoint):
    @extend_schema(request=RefreshTokenSerializer, responses={200: TokenPairSerializer, 401: ERROR})
    def post(self, request: Request) -> Response:
        """Trade a refresh token for a new pair. The old refresh token is used up."""
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pair = families.rotate(serializer.validated_data["refresh"])
        except TokenError as error:
            refuse(request, error.message, error.code)
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(TokenEndpoint):
    @extend_schema(request=RefreshTokenSerializer, responses={204: None, 401: ERROR})
    def post(self, request: Request) -> Response:
        """Revoke a refresh token and every token refreshed from the same login."""
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            families.revoke(serializer.validated_data["refresh"])
        except TokenError as error:
            refuse(request, error.message, error.code)
        return Response(status=204)


class WhoAmIView(NoStore, APIView):
    @extend_schema(responses={200: inline_serializer("Claims", fields={"sub": serializers.CharField()}), 401: ERROR})
    def get(self, request: Request) -> Response:
        """Return the verified claims of your access token: all the server knows without a database."""
        return Response(request.auth)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """Publish our public keys (RFC 7517), so anyone can verify our tokens."""
    response = JsonResponse(keys.jwks())
    # Keys change rarely and old ones stay listed after a change: caching is safe.
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
