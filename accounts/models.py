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
