from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("delete/", views.account_delete, name="account_delete"),
    path("me/", views.profile_page, name="profile"),
    path("flow/", views.flow_inspector, name="flow"),
    path("flow/failed/", views.failed_flow_inspector, name="flow_failed"),
    path("flow/token/", views.token_to_explainer, name="flow_token"),
    path("login/failed/", views.login_failed, name="login_failed"),
    path("kakao/login/", views.kakao_login, name="kakao_login"),
    path("kakao/callback/", views.kakao_callback, name="kakao_callback"),
    path("kakao/unlink/", views.kakao_unlink_callback, name="kakao_unlink"),
]
