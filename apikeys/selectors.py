"""Reads."""

from django.db.models import QuerySet

from apikeys.models import ApiKey

LIST_LIMIT = 200


def api_key_list() -> list[ApiKey]:
    """Return the newest keys with their users, for the staff page."""
    queryset: QuerySet[ApiKey] = ApiKey.objects.select_related("user").order_by("-created_at")
    return list(queryset[:LIST_LIMIT])
