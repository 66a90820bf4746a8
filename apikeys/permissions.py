"""The scopes a signed request needs: each view names them per method in ``api_key_scopes``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from apikeys.models import ApiKey


class MissingScope(exceptions.PermissionDenied):
    default_code = "scope_missing"


class HasApiKeyScope(BasePermission):
    """A request signed with an API key needs the scope its view names for the method; others pass through."""

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # a Bearer token or a cookie: the view's other permissions decide, as before
        needed = view.api_key_scopes.get(request.method)
        if needed is None:
            raise MissingScope(_("Signed requests may not use %(method)s here.") % {"method": request.method})
        if needed not in key.scope_list:
            raise MissingScope(
                _("This API key lacks the scope %(scope)s, which %(method)s here needs.")
                % {"scope": needed, "method": request.method}
            )
        return True
