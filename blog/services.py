"""Writes for the blog: every change to posts and comments goes through here."""

from accounts.models import User
from blog import markdown
from blog.models import Comment, Post


def post_create(*, author: User, title: str, body: str) -> Post:
    """Write a new post, its Markdown rendered once here so that no read has to."""
    post = Post(author=author, title=title)
    post_render_body(post=post, body=body)
    post.save()
    return post


def post_update(*, post: Post, title: str, body: str) -> Post:
    """Write a post's new title and body, the body rendered again."""
    post.title = title
    post_render_body(post=post, body=body)
    # One UPDATE writes the body and its rendering together: of two edits at once, the last
    # one wins whole, and the HTML on the page is always that of the stored body.
    post.save(update_fields=["title", "body", "body_html", "excerpt", "updated_at"])
    return post


def post_render_body(*, post: Post, body: str) -> None:
    """Set ``post``'s Markdown ``body`` and what is rendered from it, for the caller to save."""
    rendered = markdown.render(body)
    post.body, post.body_html, post.excerpt = body, rendered.html, rendered.excerpt


def comment_create(*, post: Post, author: User, body: str) -> Comment:
    return Comment.objects.create(post=post, author=author, body=body)


def comment_update(*, comment: Comment, body: str) -> Comment:
    comment.body = body
    comment.save(update_fields=["body"])
    return comment
