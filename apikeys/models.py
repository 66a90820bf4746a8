"""API keys: a key id and a secret for scripts and bots, which sign each request (apikeys/sigv4.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import crypto


class Scope(models.TextChoices):
    POSTS_READ = "posts:read", _("read posts and comments")
    POSTS_WRITE = "posts:write", _("write posts")
    COMMENTS_WRITE = "comments:write", _("write comments")
    INTROSPECT = "introspect", _("ask whether a token is active (introspection)")


class ApiKey(models.Model):
    """One machine client's credential, acting as ``user`` within ``scopes``.

    SigV4 is symmetric: to check a signature the server computes it again, so it needs the
    secret itself, not a hash of it. The secret is kept encrypted with a key derived from
    SECRET_KEY (accounts/crypto.py): a copy of the database alone signs nothing.
    """

    key_id = models.CharField(_("key id"), max_length=32, unique=True, editable=False)
    secret_encrypted = models.TextField(editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    label = models.CharField(_("label"), max_length=100, blank=True)
    # Space-separated, as OAuth writes scopes: "posts:read comments:write".
    scopes = models.CharField(_("scopes"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key_id

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def secret(self) -> str:
        """Return the clear secret, or "" when it cannot be read any more (SECRET_KEY changed)."""
        return crypto.decrypt(self.secret_encrypted)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired
