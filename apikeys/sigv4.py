"""AWS Signature Version 4, the verifying side: rebuild what the client signed and compare.

The client and the server share a secret. The client hashes a canonical form of its
request (method, path, sorted query, the headers it chose to sign, a hash of the body),
signs that hash with a key derived from the secret, the date, the region and the
service, and sends the signature in ``Authorization``. The server builds the same
canonical request from what arrived, derives the same key from its copy of the secret,
and compares. Any change in transit changes the canonical request, hence the signature.

This module knows nothing of the models: it reads a ``SignedRequest`` and a secret.
"""

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from django.http import HttpRequest
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext_lazy as _

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
SERVICE = "blog"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
CLOCK_SKEW = timedelta(minutes=5)
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# An Authorization header of ours is about 200 characters; 20 signed headers is plenty for any client.
MAX_AUTHORIZATION_LENGTH = 2048
MAX_SIGNED_HEADERS = 20
REQUIRED_SIGNED_HEADERS = ("host", "x-amz-date")

_CREDENTIAL = r"(?P<key_id>[A-Z0-9]{16,32})/(?P<date>\d{8})/(?P<region>[a-z0-9-]{1,32})/(?P<service>[a-z0-9-]{1,32})/(?P<terminator>[a-z0-9_]{1,32})"
_SIGNED_HEADERS = rf"(?P<signed_headers>[a-z0-9-]{{1,64}}(?:;[a-z0-9-]{{1,64}}){{0,{MAX_SIGNED_HEADERS - 1}}})"
_SIGNATURE = r"(?P<signature>[0-9a-f]{64})"
# Exactly the three parts, in the order every SDK and curl sends them, comma and optional spaces between.
AUTHORIZATION = re.compile(
    rf"{ALGORITHM} Credential={_CREDENTIAL}, ?SignedHeaders={_SIGNED_HEADERS}, ?Signature={_SIGNATURE}",
    re.ASCII,
)
AMZ_DATE = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
SHA256_HEX = re.compile(r"[0-9a-f]{64}", re.ASCII)


class SignatureError(Exception):
    """A signed request we refuse: ``message`` for people, ``code`` for programs, ``extra`` for the client to diff.

    ``status`` is 403, as AWS answers a refused signature, but for a request that is malformed
    whoever signed it (400).
    """

    def __init__(self, message: str, code: str, *, status: int = 403, **extra: str) -> None:
        self.message = message
        self.code = code
        self.status = status
        self.extra = extra
        super().__init__(message)


@dataclass(frozen=True)
class Authorization:
    key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


@dataclass(frozen=True)
class SignedRequest:
    """What arrived: the method, the decoded path, the raw query string, headers by lower-case name, the body."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes


def signed_request(request: HttpRequest) -> SignedRequest:
    """Return what arrived, as SigV4 reads it: headers by their lower-case names."""
    headers = {
        name[5:].replace("_", "-").lower(): value for name, value in request.META.items() if name.startswith("HTTP_")
    }
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if request.META.get(name):
            headers[name.replace("_", "-").lower()] = request.META[name]
    return SignedRequest(
        method=request.method,
        path=request.path,
        query_string=request.META.get("QUERY_STRING", ""),
        headers=headers,
        body=request.body,
    )


def is_sigv4(header: str) -> bool:
    """Return True if an ``Authorization`` value claims to be a SigV4 signature (ours to judge)."""
    return header[: len(ALGORITHM) + 1] == f"{ALGORITHM} "


def parse_authorization(header: str) -> Authorization:
    """Return the parts of a SigV4 ``Authorization`` value, or raise SignatureError if it is not one exactly."""
    if len(header) > MAX_AUTHORIZATION_LENGTH:
        raise SignatureError(_("The Authorization header is too long."), "signature_malformed")
    match = AUTHORIZATION.fullmatch(header)
    if match is None:
        raise SignatureError(
            _(
                "Send the header as: Authorization: AWS4-HMAC-SHA256 Credential=KEY_ID/DATE/REGION/blog/aws4_request, "
                "SignedHeaders=host;x-amz-date, Signature=<64 hex digits>."
            ),
            "signature_malformed",
        )
    if match["terminator"] != TERMINATOR:
        raise SignatureError(_("The credential scope must end in aws4_request."), "signature_malformed")
    signed_headers = tuple(match["signed_headers"].split(";"))
    if list(signed_headers) != sorted(set(signed_headers)):
        raise SignatureError(_("SignedHeaders must be sorted and name each header once."), "signature_malformed")
    return Authorization(
        key_id=match["key_id"],
        date=match["date"],
        region=match["region"],
        service=match["service"],
        signed_headers=signed_headers,
        signature=match["signature"],
    )


def check_scope(authorization: Authorization, *, region: str, request_time: datetime, now: datetime) -> None:
    """Refuse a credential scope for another region or service, or a request outside the clock skew."""
    if authorization.region != region or authorization.service != SERVICE:
        raise SignatureError(
            _("This credential is for %(region)s/%(service)s; this server is %(expected)s.")
            % {"region": authorization.region, "service": authorization.service, "expected": f"{region}/{SERVICE}"},
            "credential_scope_mismatch",
        )
    if authorization.date != request_time.strftime("%Y%m%d"):
        raise SignatureError(_("The credential's date is not the date of X-Amz-Date."), "credential_scope_mismatch")
    if abs(now - request_time) > CLOCK_SKEW:
        raise SignatureError(
            _("The request was signed at %(signed)s, more than 5 minutes from the server's time %(now)s.")
            % {"signed": request_time.strftime(DATE_FORMAT), "now": now.strftime(DATE_FORMAT)},
            "request_time_skewed",
        )


def request_time(request: SignedRequest) -> datetime:
    """Return the signing time the client put in X-Amz-Date, or raise SignatureError."""
    value = request.headers.get("x-amz-date", "")
    if AMZ_DATE.fullmatch(value) is None:
        raise SignatureError(_("Send X-Amz-Date as YYYYMMDDTHHMMSSZ (UTC)."), "date_missing")
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(_("Send X-Amz-Date as YYYYMMDDTHHMMSSZ (UTC)."), "date_missing") from None


def check_signed_headers(authorization: Authorization, request: SignedRequest) -> None:
    """Refuse a signature that leaves out host or x-amz-date, or names a header that did not arrive."""
    if "host" not in authorization.signed_headers:
        raise SignatureError(
            _("Sign the Host header: without it, a signature for another site would pass here."), "host_not_signed"
        )
    if "x-amz-date" not in authorization.signed_headers:
        raise SignatureError(
            _("Sign the X-Amz-Date header: without it, the request's age cannot be trusted."), "date_not_signed"
        )
    missing = [name for name in authorization.signed_headers if name not in request.headers]
    if missing:
        raise SignatureError(
            _("A signed header did not arrive: %(names)s.") % {"names": ", ".join(missing)}, "signed_header_missing"
        )


def payload_hash(request: SignedRequest) -> str:
    """Return the body's SHA-256; refuse an X-Amz-Content-SHA256 that does not match the body that arrived."""
    actual = hashlib.sha256(request.body).hexdigest()
    claimed = request.headers.get("x-amz-content-sha256")
    if claimed is None:
        return actual
    if claimed == UNSIGNED_PAYLOAD or SHA256_HEX.fullmatch(claimed) is None:
        raise SignatureError(_("X-Amz-Content-SHA256 must be the body's SHA-256 in hex."), "payload_hash_invalid")
    if not hmac.compare_digest(claimed, actual):
        raise SignatureError(
            _("The body is not the one that was signed: its SHA-256 differs from X-Amz-Content-SHA256."),
            "payload_hash_mismatch",
            payload_hash_received=claimed,
            payload_hash_computed=actual,
        )
    return actual


def canonical_uri(path: str) -> str:
    """Return the path as SigV4 signs it: dot segments and empty segments removed, then URI-encoded twice.

    Every AWS service but S3 encodes the path twice: SDKs encode the path they send, and
    encode that again to sign it. ``path`` is the decoded path Django routed, so it is
    encoded here twice as well. Dot segments go as botocore removes them.
    """
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    normalized = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        normalized += "/"
    return _uri_encode(_uri_encode(normalized, keep_slash=True), keep_slash=True)


def query_parameters(query_string: str) -> list[tuple[str, str]]:
    """Return the query's names and values as SigV4 reads them: split at ``&`` and the first ``=``, %XX decoded."""
    pairs = []
    for item in query_string.split("&"):
        if item:
            name, _equals, value = item.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query(query_string: str) -> str:
    """Return the query as SigV4 signs it: each name and value URI-encoded, sorted by name, then value."""
    pairs = sorted((_uri_encode(name), _uri_encode(value)) for name, value in query_parameters(query_string))
    return "&".join(f"{name}={value}" for name, value in pairs)


def check_query(query_string: str) -> None:
    """Refuse a query that the signature and Django would read as two meanings (400 ``query_ambiguous``).

    The signature covers the canonical query; the view acts on Django's QueryDict. The two
    readings are one but for a raw ``+`` (a plus to SigV4, a space to Django), a name given
    twice (SigV4 signs every value, sorted; Django reads the last) and a raw character outside
    ASCII (WSGI hands the query over as Latin-1, which Django decodes again as UTF-8).
    Refused rather than guessed: whoever changes ``%2B`` into ``+`` on the way, or swaps two
    values, keeps the signature valid and changes what the view reads.
    """
    if not query_string.isascii():
        raise SignatureError(
            _(
                "Percent-encode the query's non-ASCII characters (their UTF-8 bytes): sent raw, the signature and "
                "the server read them differently."
            ),
            "query_ambiguous",
            status=400,
        )
    if "+" in query_string:
        raise SignatureError(
            _(
                "The query has a raw +, which the signature reads as a plus and the server as a space: send a plus "
                "as %2B, a space as %20."
            ),
            "query_ambiguous",
            status=400,
        )
    counts = Counter(name for name, _value in query_parameters(query_string))
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise SignatureError(
            _(
                "Send each query parameter once: %(names)s came more than once; the signature covers every value, "
                "the server would read only the last."
            )
            % {"names": ", ".join(repeated)},
            "query_ambiguous",
            status=400,
        )


def canonical_headers(authorization: Authorization, request: SignedRequest) -> str:
    """Return ``name:value`` lines of the signed headers, values trimmed and inner spaces squeezed."""
    return "".join(f"{name}:{' '.join(request.headers[name].split())}\n" for name in authorization.signed_headers)


def canonical_request(authorization: Authorization, request: SignedRequest, body_hash: str) -> str:
    """Return the canonical request: the text both sides hash, line by line."""
    return "\n".join(
        [
            request.method,
            canonical_uri(request.path),
            canonical_query(request.query_string),
            canonical_headers(authorization, request),
            ";".join(authorization.signed_headers),
            body_hash,
        ]
    )


def string_to_sign(authorization: Authorization, amz_date: str, canonical: str) -> str:
    """Return the string to sign: the algorithm, the time, the credential scope, the canonical request's hash."""
    return "\n".join([ALGORITHM, amz_date, authorization.scope, hashlib.sha256(canonical.encode()).hexdigest()])


def signing_key(secret: str, *, date: str, region: str, service: str) -> bytes:
    """Return the key derived from the secret, one HMAC per part of the scope: a leak is worth one day, region and service."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def signature(secret: str, authorization: Authorization, to_sign: str) -> str:
    """Return the hex signature of ``to_sign`` under the key derived for ``authorization``'s scope."""
    key = signing_key(secret, date=authorization.date, region=authorization.region, service=authorization.service)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def check_charset(content_type: str) -> None:
    """Refuse a declared charset other than UTF-8: Django would decode the query (and form fields) with it.

    SigV4 signs the query's bytes; Django turns them into text with the request's charset, and a
    Content-Type the client did not sign (botocore signs none on a GET) could make ``?page=2``
    read as something else. UTF-8 and its ASCII subset read the same on both sides.
    """
    _media_type, params = parse_header_parameters(content_type)
    charset = params.get("charset", "utf-8").strip().lower().replace("_", "-")
    if charset not in {"utf-8", "utf8", "us-ascii", "ascii"}:
        raise SignatureError(
            _("Send signed requests in UTF-8: with another charset the server would read the query differently."),
            "query_ambiguous",
            status=400,
        )


def verify(authorization: Authorization, request: SignedRequest, secret: str) -> None:
    """Refuse ``request`` unless its query has one meaning and ``authorization``'s signature is what ``secret`` gives.

    Call after ``check_scope`` and ``check_signed_headers``. A mismatch carries the server's
    canonical request and string to sign, as AWS does, so the client can find what differs
    from its own: a MAC says only "not equal", never where.
    """
    check_query(request.query_string)
    canonical = canonical_request(authorization, request, payload_hash(request))
    to_sign = string_to_sign(authorization, request.headers["x-amz-date"], canonical)
    expected = signature(secret, authorization, to_sign)
    if not hmac.compare_digest(expected, authorization.signature):
        raise SignatureError(
            _(
                "The signature does not match: the request changed after signing (body, path, query or a signed "
                "header), or the secret is not this key's. Compare your canonical request with ours."
            ),
            "signature_mismatch",
            canonical_request=canonical,
            string_to_sign=to_sign,
        )
    # After the signature: a signed Content-Type changed on the way is a mismatch, said as such.
    check_charset(request.headers.get("content-type", ""))


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _uri_encode(value: str, *, keep_slash: bool = False) -> str:
    # RFC 3986 unreserved characters stay; everything else is %XX in upper case, as SigV4 requires.
    return quote(value, safe="-_.~/" if keep_slash else "-_.~")
