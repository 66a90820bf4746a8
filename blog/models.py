"""What you write: posts in Markdown and the comments under them."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from blog.markdown import EXCERPT_CHARS, MAX_BODY_CHARS
from blog.validators import validate_no_control_characters


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(_("title"), max_length=200, validators=[validate_no_control_characters])
    body = models.TextField(
        _("body"), max_length=MAX_BODY_CHARS, help_text=_("Markdown"), validators=[validate_no_control_characters]
    )
    # Rendered from body when it is written (blog/services.py): pages and the API never parse Markdown.
    body_html = models.TextField(editable=False, default="")
    excerpt = models.CharField(max_length=EXCERPT_CHARS, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("blog:post_detail", args=[self.pk])

    @property
    def was_edited(self) -> bool:
        # created_at and updated_at are both set on insert, microseconds apart.
        return self.updated_at - self.created_at > timedelta(seconds=1)


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(_("comment"), max_length=2000, validators=[validate_no_control_characters])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.post}"
