"""The blog's pages. ``<id:...>`` (blog/converters.py) matches only ids a database can hold: others are a 404."""

from django.urls import path

from blog import views

app_name = "blog"

urlpatterns = [
    path("", views.PostListView.as_view(), name="post_list"),
    path("posts/new/", views.PostCreateView.as_view(), name="post_create"),
    path("posts/<id:pk>/", views.PostDetailView.as_view(), name="post_detail"),
    path("posts/<id:pk>/edit/", views.PostUpdateView.as_view(), name="post_update"),
    path("posts/<id:pk>/delete/", views.PostDeleteView.as_view(), name="post_delete"),
    path("posts/<id:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<id:pk>/delete/", views.CommentDeleteView.as_view(), name="comment_delete"),
]
