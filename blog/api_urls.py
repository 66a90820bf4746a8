"""The posts API, under /api/."""

from django.urls import path

from blog import api

app_name = "blog_api"

urlpatterns = [
    path("posts/", api.PostListView.as_view(), name="post_list"),
    path("posts/<int:pk>/", api.PostDetailView.as_view(), name="post_detail"),
    path("posts/<int:post_id>/comments/", api.CommentListView.as_view(), name="comment_list"),
    path("posts/<int:post_id>/comments/<int:pk>/", api.CommentDetailView.as_view(), name="comment_detail"),
]
