"""The API's house rules, shared by every endpoint: bounded JSON in, one error shape out.

Every error under /api/ is JSON with ``detail`` (a sentence in the reader's language) and
``code`` (a stable word a client can branch on: ``token_expired``, ``rate_limited``...).
A validation error also names each refused field at the top level with its messages.
docs/api-errors.md lists the codes.
"""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Our bodies are flat objects; anything deeper is a mistake or an attack on the parser.
MAX_JSON_DEPTH = 16


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser, bounded: a RecursionError of deep JSON escaped it as a 500 (DRF reads no size limit either)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            # RFC 8259: JSON between systems is UTF-8, whatever charset the Content-Type names.
            text = raw.decode("utf-8")
            data = json.loads(text, object_pairs_hook=_object_without_duplicates, parse_constant=_no_constants)
        except RecursionError:
            raise exceptions.ParseError(_("JSON nested too deeply."), code="json_too_deep") from None
        except ValueError as error:
            raise exceptions.ParseError(
                _("JSON parse error: %(error)s") % {"error": error}, code="parse_error"
            ) from None
        _check_shape(data)
        return data


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers may keep different copies of a duplicated key; we keep neither.
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("duplicate key in an object")
    return data


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _check_shape(data: Any) -> None:
    """Refuse JSON deeper than MAX_JSON_DEPTH (the text in it is each field's business: StrictCharField)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(_("JSON nested too deeply."), code="json_too_deep")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Answer DRF's errors with ``detail`` and ``code`` in every body (DRF gives only ``detail``, or only the fields)."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an error DRF knows: the site's 500 (or 503) handling takes it
    request = context.get("request")
    if request is not None:
        # Errors are JSON even where the answer would be YAML (the schema) or HTML (Swagger UI).
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(exc)
    elif isinstance(response.data, dict) and "detail" in response.data:
        # Some refusals carry more for the client to act on (a refused signature: the server's canonical request).
        response.data = {
            **getattr(exc, "extra", {}),
            "detail": str(response.data["detail"]),
            "code": _code_of(exc, response),
        }
    return response


def validation_error_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    """Return a validation error as ``{"detail", "code", <field>: [messages]...}``."""
    fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    first = next(iter(fields.values()), [""])
    message = first[0] if isinstance(first, list) and first else first
    # Every field is under "errors"; beside detail and code too, unless it is named like them.
    beside = {name: messages for name, messages in fields.items() if name not in {"detail", "code", "errors"}}
    return {**beside, "detail": str(message) or str(_("Invalid input.")), "code": "invalid", "errors": fields}


def _code_of(exc: Exception, response: Response) -> str:
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(codes, str):
        return codes
    return {status.HTTP_404_NOT_FOUND: "not_found", status.HTTP_403_FORBIDDEN: "permission_denied"}.get(
        response.status_code, "error"
    )


# What Django itself answers under /api/ when no view is reached (unmatched URLs, a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE, an unexpected error): the same JSON shape as DRF's errors.
DJANGO_ERRORS = {
    400: ("bad_request", _("The request could not be read.")),
    403: ("permission_denied", _("You do not have permission to do this.")),
    404: ("not_found", _("Nothing is here. See /api/docs/ for the API's addresses.")),
    413: (PayloadTooLarge.default_code, PayloadTooLarge.default_detail),
    500: ("server_error", _("Something went wrong on our side. Please try again.")),
}


def django_error(status_code: int) -> JsonResponse:
    """Return the JSON answer to an error Django meets under /api/ before any API view."""
    code, detail = DJANGO_ERRORS[status_code]
    return JsonResponse({"detail": str(detail), "code": code}, status=status_code)


def error_handler(status_code: int, page_view: str) -> Callable[..., HttpResponse]:
    """Return a Django error handler (handler404...): JSON under /api/, the site's page elsewhere."""

    def handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        view = import_string(page_view)
        if status_code == 500:
            response = view(request)  # it may know better: an outage is a 503, JSON under /api/ too
            if response.status_code != 500 or not request.path.startswith("/api/"):
                return response
        elif not request.path.startswith("/api/"):
            return view(request, exception)
        return django_error(413 if isinstance(exception, RequestDataTooBig) else status_code)

    return handler


@csrf_exempt  # as every API view: a POST to an address that does not exist is a 404, not a CSRF failure
def no_such_address(request: HttpRequest) -> JsonResponse:
    """Answer an /api/ address that no route matched, in debug mode too, where Django would draw its HTML page."""
    return django_error(404)


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: detail for people, code for programs; a validation error adds each refused field.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "A validation error's messages by field",
            "additionalProperties": {},
        },
    },
    "required": ["detail", "code"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
UNSAFE_METHODS = {"post", "put", "patch", "delete"}
# What text fields accept (config/text.py): no C0 control characters but tab, line feed and carriage return.
STORABLE_TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Document every error an operation can answer, so clients generated from the schema expect them.

    A drf-spectacular postprocessing hook: it only lists what views declare, while
    authentication (a bad Bearer token is 401 anywhere), CSRF and permissions (403), path
    ids (404), the rate limits (429) and our own outages (503) answer on every route.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name, component in schemas.items():
        if name.endswith("Request"):
            for field in component.get("properties", {}).values():
                if field.get("type") == "string" and "pattern" not in field and not field.get("readOnly"):
                    field["pattern"] = STORABLE_TEXT
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = {"401": "Missing, invalid or expired token", "503": "Our database or cache is down; retry"}
            if operation.get("parameters") or operation.get("requestBody"):
                statuses["400"] = "Malformed request"
            if method in UNSAFE_METHODS:
                statuses["403"] = "Not allowed (not the author, or a CSRF failure with cookies)"
            if any("sigv4" in requirement for requirement in operation.get("security", [])):
                statuses["403"] = "Not allowed; or a signed request refused (apikeys/sigv4.py), a scope missing"
            if "{" in path or any(parameter.get("name") == "page" for parameter in operation.get("parameters", [])):
                statuses["404"] = "No such object, or no such page"
            if operation.get("requestBody"):
                statuses["413"] = "The request body is too large"
            if path.startswith("/api/auth/"):
                statuses["429"] = "Too many requests: see Retry-After"
            if operation.get("requestBody") and method in {"post", "put"}:
                operation["requestBody"]["required"] = True  # a oneOf body is otherwise optional
            responses = operation.setdefault("responses", {})
            for status_code, description in statuses.items():
                responses.setdefault(status_code, {"description": description})
            for status_code, response in responses.items():
                if status_code >= "400" and "content" not in response:
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
    return result
