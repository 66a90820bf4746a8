from django.contrib import admin

from tokens.models import RefreshTokenFamily


@admin.register(RefreshTokenFamily)
class RefreshTokenFamilyAdmin(admin.ModelAdmin):
    """Logins as staff see them: who, when, and whether the chain was revoked. Read-only."""

    list_display = ["user", "created_at", "rotated_at", "expires_at", "revoked_at", "revoke_reason"]
    list_filter = ["revoke_reason"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__nickname"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
