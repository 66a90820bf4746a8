"""Top-level URLs: the blog at /, accounts under /accounts/, the API under /api/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from config import api
from config.schema import SchemaView
from core.health import healthz
from tokens.api import jwks

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("healthz", healthz, name="healthz"),
    path("api/auth/", include("tokens.urls")),
    path("api/", include("accounts.api_urls")),
    path("api/", include("blog.api_urls")),
    # GET only: OPTIONS would render DRF's metadata through the schema's and Swagger UI's renderers.
    path("api/schema/", SchemaView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="api/swagger_ui.html", http_method_names=["get", "head"]
        ),
        name="api_docs",
    ),
    path("", include("apikeys.urls")),
    path("", include("learn.urls")),
    path("", include("blog.urls")),
    # Last: an /api/ address no route above matched is the API's JSON 404 in debug mode as in production.
    re_path(r"^api/", api.no_such_address),
]

if settings.KAKAO_SANDBOX:
    urlpatterns.insert(0, path("sandbox/kakao/", include("kakao_sandbox.urls")))

handler400 = api.error_handler(400, "blog.views.bad_request")
handler403 = api.error_handler(403, "blog.views.permission_denied")
handler404 = api.error_handler(404, "blog.views.page_not_found")
# 503 when the database or cache is down (config/outage.py), else the blog's 500 page.
handler500 = api.error_handler(500, "config.outage.server_error")
