"""The Kakao login and the account, under /api/."""

from django.urls import path

from accounts import api

app_name = "accounts_api"

urlpatterns = [
    path("auth/kakao/", api.KakaoLoginView.as_view(), name="kakao_login"),
    path("me/", api.MeView.as_view(), name="me"),
]
