"""Reads for the blog pages: each returns a queryset with what its page shows, in a fixed number of queries."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from blog.models import Comment, Post


def post_list() -> QuerySet[Post]:
    """Return posts newest first, with their authors and comment counts."""
    # A correlated subquery, not Count("comments"): a JOIN ... GROUP BY would count the
    # comments of every post before the page's LIMIT; this counts only the rows shown, so
    # the home page costs the same at 10 or 10,000 posts (docs/performance.md).
    comment_count = (
        Comment.objects.filter(post=OuterRef("pk")).order_by().values("post").annotate(n=Count("id")).values("n")
    )
    return (
        Post.objects.select_related("author")
        .annotate(comment_count=Coalesce(Subquery(comment_count, output_field=IntegerField()), 0))
        .order_by("-created_at", "-id")
    )


def post_summaries() -> QuerySet[Post]:
    """Return posts as the home page and the API list them: the excerpt, without the body or its HTML."""
    # A body may be tens of thousands of characters, its HTML more: the cards show neither.
    return post_list().defer("body", "body_html")


def post_comments(*, post: Post) -> QuerySet[Comment]:
    """Return a post's comments, oldest first, with their authors."""
    return post.comments.select_related("author")
