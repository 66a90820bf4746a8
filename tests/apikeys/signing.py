"""Sign requests as a real client would: botocore's SigV4Auth, an independent implementation of AWS's."""

import json
from datetime import UTC, datetime
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.conf import settings
from django.test import Client


def botocore_headers(
    method: str,
    url: str,
    *,
    key_id: str,
    secret: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    region: str | None = None,
    service: str = "blog",
    when: datetime | None = None,
) -> dict[str, str]:
    """Return the headers botocore sends for this request: Authorization, X-Amz-Date, and those given."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = SigV4Auth(Credentials(key_id, secret), service, region or settings.SIGV4_REGION)
    # botocore reads its clock in add_auth: a test that signs "10 minutes ago" sets that clock.
    with mock.patch(
        "botocore.auth.get_current_datetime", return_value=(when or datetime.now(UTC)).replace(tzinfo=None)
    ):
        signer.add_auth(request)
    # botocore signs the URL's host; the HTTP library sends it, so the test client must too.
    return {"Host": urlsplit(url).netloc, **dict(request.headers.items())}


def as_meta(headers: dict[str, str]) -> dict[str, str]:
    """Return headers as the Django test client takes them (HTTP_X_AMZ_DATE=...), Content-Type apart."""
    meta = {}
    for name, value in headers.items():
        if name.lower() == "content-type":
            meta["content_type"] = value
        else:
            meta["HTTP_" + name.upper().replace("-", "_")] = value
    return meta


def signed_call(
    client: Client,
    method: str,
    path: str,
    *,
    key_id: str,
    secret: str,
    data: dict | None = None,
    query: str = "",
    **options,
):
    """Send ``method path`` through the test client, signed by botocore, with a JSON body if ``data``."""
    body = json.dumps(data).encode() if data is not None else b""
    headers = {"Content-Type": "application/json"} if data is not None else {}
    url = f"http://testserver{path}" + (f"?{query}" if query else "")
    signed = botocore_headers(method, url, key_id=key_id, secret=secret, body=body, headers=headers, **options)
    meta = as_meta(signed)
    content_type = meta.pop("content_type", "application/octet-stream")
    return client.generic(method, path + (f"?{query}" if query else ""), body, content_type=content_type, **meta)
