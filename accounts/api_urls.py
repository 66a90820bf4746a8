"""The auth API, under /api/."""

from django.urls import path

from accounts import api

app_name = "accounts_api"

urlpatterns = [
    path("auth/kakao/", api.KakaoLoginView.as_view(), name="kakao_login"),
    path("auth/token/refresh/", api.TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout/", api.LogoutView.as_view(), name="logout"),
    path("auth/whoami/", api.WhoAmIView.as_view(), name="whoami"),
    path("me/", api.MeView.as_view(), name="me"),
]
