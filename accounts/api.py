"""The Kakao part of the API: trade a Kakao login for our JWTs, and say whose account this is."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import kakao, kakao_oidc, selectors, services
from accounts.kakao import KakaoError
from accounts.serializers import (
    KakaoAccessTokenLoginSerializer,
    KakaoCodeLoginSerializer,
    KakaoIdTokenLoginSerializer,
    KakaoLoginResponseSerializer,
    UserSerializer,
    kakao_login_serializer,
    user_data,
)
from tokens.api import ERROR, NoStore, TokenEndpoint
from tokens.authentication import ACCOUNT_GONE, refuse, www_authenticate
from tokens.families import issue_tokens


class KakaoLoginView(TokenEndpoint):
    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="KakaoLogin",
            serializers=[KakaoAccessTokenLoginSerializer, KakaoCodeLoginSerializer, KakaoIdTokenLoginSerializer],
            resource_type_field_name=None,
        ),
        responses={
            200: KakaoLoginResponseSerializer,
            400: OpenApiResponse(description="Malformed body, or Kakao refused the code"),
            401: OpenApiResponse(
                ERROR, description="Kakao does not accept the access token, or the ID token failed a check"
            ),
            403: OpenApiResponse(ERROR, description="An ID token, but this site has OpenID Connect off"),
            502: OpenApiResponse(ERROR, description="Kakao failed or could not be reached"),
        },
    )
    def post(self, request: Request) -> Response:
        """Log in with Kakao: send Kakao's access token, an authorization code with its PKCE verifier, or an ID token."""
        serializer = kakao_login_serializer(request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "id_token" in data and not settings.KAKAO_OIDC:
            return kakao_error_response(request, KakaoError("kakao_oidc_off"))
        endpoints = kakao.endpoints(request)
        kakao_tokens = None
        try:
            if "id_token" in data:
                profile = _id_token_profile(endpoints, data)
            else:
                if "code" in data:
                    kakao_tokens = kakao.exchange_code(
                        endpoints=endpoints,
                        authorization_code=data["code"],
                        redirect_uri=data["redirect_uri"],
                        code_verifier=data["code_verifier"],
                    )
                else:
                    kakao.check_token_is_ours(endpoints=endpoints, kakao_access_token=data["access_token"])
                kakao_access_token = kakao_tokens["access_token"] if kakao_tokens else data["access_token"]
                profile = kakao.fetch_profile(endpoints=endpoints, kakao_access_token=kakao_access_token)
        except KakaoError as error:
            return kakao_error_response(request, error)
        user, _created = services.user_get_or_create_from_kakao(profile=profile, kakao_tokens=kakao_tokens)
        if not user.is_active:
            return kakao_error_response(request, KakaoError("account_disabled"))
        pair = issue_tokens(user)
        return Response({"access": pair.access, "refresh": pair.refresh, "user": _user_data(request, user.pk)})


def _id_token_profile(endpoints: kakao.KakaoEndpoints, data: dict) -> kakao.KakaoProfile:
    """Return who Kakao's ID token says logged in; with Kakao's access token too, their full profile."""
    verified = kakao_oidc.verify_id_token(
        endpoints=endpoints, id_token=data["id_token"], nonce=data.get("nonce"), audiences=kakao_oidc.audiences()
    )
    if not data.get("access_token"):
        kakao_oidc.use_once(data["id_token"], verified)
        return kakao_oidc.profile_from_claims(verified)
    kakao.check_token_is_ours(endpoints=endpoints, kakao_access_token=data["access_token"])
    profile = kakao.fetch_profile(endpoints=endpoints, kakao_access_token=data["access_token"])
    kakao_oidc.check_subject(verified, profile)
    kakao_oidc.use_once(data["id_token"], verified)
    return profile


class MeView(NoStore, APIView):
    @extend_schema(responses={200: UserSerializer, 401: ERROR})
    def get(self, request: Request) -> Response:
        """Return your account."""
        return Response(_user_data(request))


# Kakao refusing the code a client sent (used, expired, another redirect URI): to our API's
# client that is a credential refused, 401, though Kakao's own token endpoint says 400.
REFUSED_GRANTS = {"KOE320", "KOE303"}


def kakao_error_response(request: Request, error: KakaoError) -> Response:
    """Answer a failed Kakao step with its status and a message that never carries a token."""
    status = 401 if error.code in REFUSED_GRANTS else error.status
    headers = {"WWW-Authenticate": www_authenticate(request)} if status == 401 else None
    body = {"detail": error.message, "code": error.code}
    if isinstance(error, kakao_oidc.IdTokenRefused):
        body["reason"] = error.reason
    return Response(body, status=status, headers=headers)


def _user_data(request: Request, user_id: int | None = None) -> dict:
    """Return the active account as the API shows it, with its Kakao id; 401 when it is gone."""
    account = selectors.api_account(user_id=user_id or request.user.pk)
    if account is None:
        refuse(request, ACCOUNT_GONE, "account_inactive")
    return user_data(account)
