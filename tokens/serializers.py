"""What the token API accepts and answers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.text import StrictCharField


class RefreshTokenSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=4096, help_text=_("Our refresh token"))


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text=_("Our access token (a JWT, valid for minutes)"))
    refresh = serializers.CharField(help_text=_("Our refresh token (single use, valid for days)"))
