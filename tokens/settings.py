"""simplejwt's settings (``SIMPLE_JWT``), read at call time."""

from rest_framework_simplejwt import settings as simplejwt_settings


def jwt_settings() -> simplejwt_settings.APISettings:
    """Return simplejwt's settings as they are now.

    Gap: simplejwt rebuilds ``api_settings`` when ``SIMPLE_JWT`` changes (``override_settings``),
    but its own modules keep the object they imported first. Reading the module attribute on
    every call sees the change.
    """
    return simplejwt_settings.api_settings
