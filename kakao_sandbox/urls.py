"""Kakao's paths, below /sandbox/kakao/ in the blog or at the root of the standalone server."""

from django.urls import path

from kakao_sandbox import views

app_name = "kakao_sandbox"

urlpatterns = [
    path("oauth/authorize", views.authorize, name="authorize"),
    path("oauth/token", views.token, name="token"),
    path("oauth/logout", views.account_logout, name="account_logout"),
    path(".well-known/openid-configuration", views.openid_configuration, name="openid_configuration"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("v2/user/me", views.user_me, name="user_me"),
    path("v1/user/access_token_info", views.access_token_info, name="access_token_info"),
    path("v1/user/logout", views.logout, name="logout"),
    path("v1/user/unlink", views.unlink, name="unlink"),
    # Not Kakao's: tokens for a test account without a browser, for curl and scripts.
    path("dev/token", views.dev_token, name="dev_token"),
]
