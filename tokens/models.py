"""Refresh-token families, and the user an access token speaks for."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import models as simplejwt_models


class RefreshTokenFamily(models.Model):
    """One login's chain of refresh tokens, each replacing the last (tokens/families.py).

    Only the newest token of the chain may be used. We keep its ``jti``, never the token
    itself: a database leak gives nobody a usable refresh token.
    """

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", _("logged out")
        REUSE = "reuse", _("an old refresh token was used again")
        INACTIVE = "inactive", _("the account is deactivated")

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_token_families")
    current_jti = models.CharField(max_length=64)
    # The jti current_jti replaced, honoured for a short grace period (tokens/families.py).
    previous_jti = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True)

    class Meta:
        verbose_name_plural = "refresh token families"

    def __str__(self) -> str:
        return f"{self.user_id}:{self.pk}"


class TokenUser(simplejwt_models.TokenUser):
    """simplejwt's stateless user with our user's primary key and our roles claim.

    Gap: simplejwt's ``id`` is the claim string, so ``post.author_id == request.user.pk``
    would be False; and it reads ``is_staff`` from a claim we do not issue.
    """

    @cached_property
    def id(self) -> int:
        return get_user_model()._meta.pk.to_python(self.token["sub"])

    @cached_property
    def is_staff(self) -> bool:
        return "staff" in self.token.get("roles", ())

    def __str__(self) -> str:
        return f"user {self.pk}"
