from functools import partial

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apikeys import services
from apikeys.forms import ApiKeyCreateForm
from apikeys.models import ApiKey


class ApiKeyAdminForm(ApiKeyCreateForm):
    """The page's form, shaped as the admin's add form expects (a ModelForm's save_m2m and meta)."""

    def __init__(self, *args, instance=None, **kwargs) -> None:
        kwargs.pop("prefix", None)
        super().__init__(*args, **kwargs)
        self.instance = instance or ApiKey()

    def save(self, commit: bool = True) -> ApiKey:
        return self.instance

    def save_m2m(self) -> None:
        return None


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff create keys here too (the secret shows once, on the answer to the add form) and revoke them; nothing else changes."""

    list_display = ["key_id", "user", "label", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["key_id", "user__username", "label"]
    readonly_fields = ["key_id", "user", "label", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            # The admin builds its form from (data, files, instance): the creator is bound here.
            return partial(ApiKeyAdminForm, creator=request.user)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["username", "scopes", "days", "label"]})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        data = form.cleaned_data
        key, _secret = services.api_key_create(
            creator=request.user, user=data["username"], scopes=data["scopes"], days=data["days"], label=data["label"]
        )
        # The admin goes on with obj (its log entry, then response_add): make it the key just created.
        obj.pk, obj.key_id, obj.user, obj.secret_encrypted = key.pk, key.key_id, key.user, key.secret_encrypted

    def response_add(self, request, obj, post_url_continue=None) -> TemplateResponse:
        """Show the new secret on this answer only: a message would carry it in the messages cookie, signed but readable."""
        # Every admin view is never_cache already: this answer is sent with Cache-Control: no-store.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": obj.key_id,
            "key": obj,
            "secret": obj.secret,
        }
        return TemplateResponse(request, "apikeys/admin_key_created.html", context)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset) -> None:
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
