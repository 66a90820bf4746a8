from django import template
from django.template.defaultfilters import truncatechars
from django.utils.safestring import SafeString, mark_safe

from blog.markdown import plain_text, render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render Markdown to sanitized HTML (see blog/markdown.py)."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitized by nh3 above


@register.filter
def excerpt(text: str, length: int = 160) -> str:
    """Return the first ``length`` characters of a post's text, without markup."""
    return truncatechars(plain_text(text), length)
