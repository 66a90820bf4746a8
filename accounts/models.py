"""Who you are: the local user and the Kakao identity it logs in with."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A local account. Kakao users have no usable password; they log in through Kakao."""

    nickname = models.CharField(_("nickname"), max_length=50, blank=True)
    profile_image_url = models.URLField(_("profile image"), max_length=500, blank=True)
    email_verified = models.BooleanField(
        _("email verified"),
        default=False,
        help_text=_("True only when the address was proven to belong to this user."),
    )

    @property
    def display_name(self) -> str:
        return self.nickname or self.get_full_name() or self.username


class Identity(models.Model):
    """A login at an outside provider (Kakao), keyed on the provider's own user id."""

    class Provider(models.TextChoices):
        KAKAO = "kakao", "Kakao"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identities")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    # Kakao ids are 64-bit integers; a string keeps every digit in every database and JSON.
    uid = models.CharField(max_length=64)
    # Kakao's tokens, encrypted with a key derived from SECRET_KEY (accounts/crypto.py).
    kakao_access_token = models.TextField(blank=True)
    kakao_refresh_token = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["provider", "uid"], name="unique_identity_per_provider"),
            models.UniqueConstraint(fields=["user", "provider"], name="one_identity_per_user_and_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.uid}"


class RefreshTokenFamily(models.Model):
    """One login's chain of refresh tokens, each replacing the last (accounts/tokens.py).

    Only the newest token of the chain may be used. We keep its ``jti``, never the token
    itself: a database leak gives nobody a usable refresh token.
    """

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", _("logged out")
        REUSE = "reuse", _("an old refresh token was used again")
        INACTIVE = "inactive", _("the account is deactivated")

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_token_families")
    current_jti = models.CharField(max_length=64)
    # The jti current_jti replaced, honoured for a short grace period (accounts/tokens.py).
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


class RateLimitCounter(models.Model):
    """The requests one client made to one rate-limited prefix in one window (accounts/ratelimit.py)."""

    key = models.CharField(max_length=255)
    # Unix time in whole seconds, as the limiter computes windows: the row counts nothing after it.
    expires_at = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        # A constraint rather than unique=True: on PostgreSQL that would add a second index,
        # for LIKE queries, that no lookup here makes.
        constraints = [models.UniqueConstraint(fields=["key"], name="unique_rate_limit_counter_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
