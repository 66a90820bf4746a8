"""URLs for bench/api_auth.py only: the site, a trivial endpoint, and stock simplejwt views."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication, JWTStatelessUserAuthentication
from rest_framework_simplejwt.tokens import AccessToken

from accounts.api import MeView
from config.urls import urlpatterns as site_urlpatterns


class TrivialView(APIView):
    """The floor: DRF and the middleware stack, no authentication, no database."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"ok": True})


class StockTokenClass:
    """simplejwt's own AccessToken and backend (the site's SIMPLE_JWT names our classes)."""

    def get_validated_token(self, raw_token):
        return AccessToken(raw_token)


class StockJWTAuthentication(StockTokenClass, JWTAuthentication):
    pass


class StockStatelessAuthentication(StockTokenClass, JWTStatelessUserAuthentication):
    pass


class StockMeView(MeView):
    """Our /api/me/ behind stock simplejwt: it loads the user row on every request."""

    authentication_classes = (StockJWTAuthentication,)


class StockStatelessWhoAmIView(APIView):
    """whoami behind simplejwt's stateless authentication."""

    authentication_classes = (StockStatelessAuthentication,)

    def get(self, request):
        return Response(request.auth.payload)


urlpatterns = [
    path("bench/trivial/", TrivialView.as_view()),
    path("bench/me-simplejwt/", StockMeView.as_view()),
    path("bench/whoami-simplejwt-stateless/", StockStatelessWhoAmIView.as_view()),
    *site_urlpatterns,
]
