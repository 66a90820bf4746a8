from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("delete/", views.account_delete, name="account_delete"),
    path("me/", views.profile_page, name="profile"),
    path("flow/", views.flow_inspector, name="flow"),
    path("kakao/login/", views.kakao_login, name="kakao_login"),
    path("kakao/callback/", views.kakao_callback, name="kakao_callback"),
    path("kakao/unlink/", views.kakao_unlink_callback, name="kakao_unlink"),
]
