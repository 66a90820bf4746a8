"""Writes for the blog: every change to posts and comments goes through here."""

from blog.models import Comment, Post


def post_create(*, author, title: str, body: str) -> Post:
    return Post.objects.create(author=author, title=title, body=body)


def post_update(*, post: Post, title: str, body: str) -> Post:
    post.title = title
    post.body = body
    post.save(update_fields=["title", "body", "updated_at"])
    return post


def comment_create(*, post: Post, author, body: str) -> Comment:
    return Comment.objects.create(post=post, author=author, body=body)


def comment_update(*, comment: Comment, body: str) -> Comment:
    comment.body = body
    comment.save(update_fields=["body"])
    return comment
