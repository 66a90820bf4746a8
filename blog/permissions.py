"""Who may change what: a post's or comment's author, or staff."""

from django.db.models import Model


def can_change(user, obj: Model) -> bool:
    """Return True when ``user`` may edit or delete ``obj`` (a post or a comment)."""
    return bool(user.is_authenticated and (user.is_staff or obj.author_id == user.pk))
