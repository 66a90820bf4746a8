"""Introspection under /api/auth/, and the staff page under the profile (/accounts/me/)."""

from django.urls import path

from apikeys import api, views

app_name = "apikeys"

urlpatterns = [
    path("api/auth/introspect/", api.IntrospectView.as_view(), name="introspect"),
    path("accounts/me/api-keys/", views.key_list, name="key_list"),
    path("accounts/me/api-keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
]
