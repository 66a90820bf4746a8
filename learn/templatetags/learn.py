"""``{% code_link "accounts/views.py" "kakao_callback" %}``: a link to the code that does it."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from learn import source

register = template.Library()


@register.simple_tag
def code_link(path: str, name: str = "") -> str:
    """Return a link whose text is the file path (and the function), pointing at its source."""
    if not source.is_shown(path):
        raise ValueError(f"{path} is not one of the files the teaching pages may show")
    url = reverse("learn:source_file", args=[path])
    line = source.definition_line(path, name) if name else None
    if line:
        url = f"{url}#L{line}"
    if name:
        return format_html('<a class="code-link" href="{}"><code>{}</code> · <code>{}</code></a>', url, path, name)
    return format_html('<a class="code-link" href="{}"><code>{}</code></a>', url, path)
