"""DRF authentication with SigV4-signed requests: the key's user, limited to the key's scopes.

A bearer token proves only that the caller holds it; a signature proves that this exact
request (method, path, query, signed headers, body, time) was made by someone holding the
secret, which never travels. What a signature cannot stop by itself is the same request
sent twice: the state store (core/state.py, never a cache that may forget) refuses a signature
seen before inside the clock window.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from accounts.models import User
from apikeys import inspector, services, sigv4
from apikeys.models import ApiKey
from apikeys.sigv4 import SignatureError
from core import state

# A signature is good while its X-Amz-Date is within the skew of now: at most twice the skew in all.
REPLAY_WINDOW_SECONDS = int(2 * sigv4.CLOCK_SKEW.total_seconds()) + 60
REPLAY_KEY_PREFIX = "sigv4-seen:"


class SignedRequestRefused(exceptions.PermissionDenied):
    """403 as AWS answers it (400 for a malformed query); ``extra`` members (the server's canonical request) join the body."""

    def __init__(self, error: SignatureError) -> None:
        super().__init__(error.message, code=error.code)
        self.status_code = error.status
        self.extra = error.extra


class SigV4Authentication(BaseAuthentication):
    """``Authorization: AWS4-HMAC-SHA256 Credential=...``: requests signed with an API key's secret."""

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not sigv4.is_sigv4(header):
            return None
        view = (request.parser_context or {}).get("view")
        if not getattr(view, "api_key_scopes", None):
            raise SignedRequestRefused(
                SignatureError(_("Signed requests are not accepted at this address."), "api_key_not_accepted")
            )
        key = None
        try:
            authorization = sigv4.parse_authorization(header)
            key = ApiKey.objects.select_related("user").filter(key_id=authorization.key_id).first()
            user = _check_key(key)
            _verify(authorization, sigv4.signed_request(request._request), key.secret)
        except SignatureError as error:
            if key is not None:
                inspector.save_refusal(user_id=key.user_id, request=request._request, error=error)
            raise SignedRequestRefused(error) from None
        services.api_key_note_use(key=key)
        return user, key

    def authenticate_header(self, request: Request) -> str:
        return f'{sigv4.ALGORITHM} realm="api"'


def _check_key(key: ApiKey | None) -> User:
    if key is None:
        raise SignatureError(_("No API key has this key id."), "api_key_unknown")
    if key.revoked_at is not None:
        raise SignatureError(_("This API key was revoked."), "api_key_revoked")
    if key.is_expired:
        raise SignatureError(_("This API key has expired."), "api_key_expired")
    if not key.user.is_active:
        raise SignatureError(_("This API key's account is deactivated."), "account_inactive")
    if not key.secret:
        raise SignatureError(
            _("This API key's secret can no longer be read on this server (its SECRET_KEY changed): create a new key."),
            "api_key_unusable",
        )
    return key.user


def _verify(authorization: sigv4.Authorization, request: sigv4.SignedRequest, secret: str) -> None:
    sigv4.check_signed_headers(authorization, request)
    signed_at = sigv4.request_time(request)
    sigv4.check_scope(authorization, region=settings.SIGV4_REGION, request_time=signed_at, now=datetime.now(tz=UTC))
    sigv4.verify(authorization, request, secret)
    # After the signature checks out, so that nobody can burn a signature they only saw in passing.
    # state.add is atomic in every store: of two identical requests at once, one is first.
    if not state.add(REPLAY_KEY_PREFIX + authorization.signature, ttl=REPLAY_WINDOW_SECONDS):
        raise SignatureError(
            _("This signed request was already received: sign each request anew (replay refused)."),
            "signature_replayed",
        )


class SigV4Scheme(OpenApiAuthenticationExtension):
    target_class = SigV4Authentication
    name = "sigv4"

    def get_security_requirement(self, auto_schema):
        # Listed only where a scope lets a key in: elsewhere a signed request is refused.
        return {self.name: []} if auto_schema.method in getattr(auto_schema.view, "api_key_scopes", {}) else None

    def get_security_definition(self, auto_schema):
        # How API Gateway describes SigV4 in OpenAPI: an Authorization header with an extension naming the scheme.
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "AWS Signature Version 4 with an API key (service `blog`): see README, Signed requests.",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
