"""The token API, under /api/auth/."""

from django.urls import path

from tokens import api

app_name = "tokens_api"

urlpatterns = [
    path("token/refresh/", api.TokenRefreshView.as_view(), name="token_refresh"),
    path("logout/", api.LogoutView.as_view(), name="logout"),
    path("whoami/", api.WhoAmIView.as_view(), name="whoami"),
]
