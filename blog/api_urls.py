"""The posts API, under /api/. ``<id:...>`` is blog/converters.py: an id no database can hold is a 404."""

from django.urls import path

from blog import api

app_name = "blog_api"

urlpatterns = [
    path("posts/", api.PostListView.as_view(), name="post_list"),
    path("posts/<id:pk>/", api.PostDetailView.as_view(), name="post_detail"),
    path("posts/<id:post_id>/comments/", api.CommentListView.as_view(), name="comment_list"),
    path("posts/<id:post_id>/comments/<id:pk>/", api.CommentDetailView.as_view(), name="comment_detail"),
]
