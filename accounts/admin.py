from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models

from accounts.models import Identity, User


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    # Kakao's tokens are encrypted and never shown, not even to staff.
    fields = ["provider", "uid", "created_at", "last_login_at"]
    readonly_fields = fields


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "nickname", "email", "email_verified", "is_staff", "is_active"]
    search_fields = ["username", "nickname", "email"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Kakao", {"fields": ["nickname", "profile_image_url", "email_verified"]}))
    inlines = [IdentityInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
