from django.urls import path

from learn import views

app_name = "learn"

urlpatterns = [
    path("how-it-works/", views.how_it_works, name="how_it_works"),
    path("how-it-works/code/<path:path>", views.source_file, name="source_file"),
    path("jwt/", views.jwt_explainer, name="jwt_explainer"),
]
