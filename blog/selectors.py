"""Reads for the blog pages: each returns a queryset with what its page shows, in a fixed number of queries."""

from django.db.models import Count, QuerySet

from blog.models import Comment, Post


def post_list() -> QuerySet[Post]:
    """Return posts newest first, with their authors and comment counts joined in."""
    return (
        Post.objects.select_related("author")
        .annotate(comment_count=Count("comments"))
        .order_by("-created_at", "-id")
    )


def post_comments(*, post: Post) -> QuerySet[Comment]:
    """Return a post's comments, oldest first, with their authors."""
    return post.comments.select_related("author")
