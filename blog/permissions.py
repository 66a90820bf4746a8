"""Who may change what: a post's or comment's author, or staff."""

from django.db.models import Model


def can_change(user, obj: Model) -> bool:
    """Return True when ``user`` may edit or delete ``obj`` (a post or a comment)."""
    return bool(user.is_authenticated and (user.is_staff or obj.author_id == user.pk))


# What an API key must hold for each method (apikeys/permissions.py): reading is one scope, writing is per kind.
POST_SCOPES = {"GET": "posts:read", "HEAD": "posts:read", "POST": "posts:write", "PUT": "posts:write", "PATCH": "posts:write", "DELETE": "posts:write"}
COMMENT_SCOPES = {**POST_SCOPES, **dict.fromkeys(["POST", "PUT", "PATCH", "DELETE"], "comments:write")}
