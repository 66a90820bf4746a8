"""URLs of the standalone sandbox server: Kakao's paths at the root, as on kauth/kapi.kakao.com."""

from django.urls import include, path

urlpatterns = [path("", include("kakao_sandbox.urls"))]
