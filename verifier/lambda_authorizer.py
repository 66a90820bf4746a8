"""The same check in the shape AWS uses: an API Gateway Lambda authorizer.

API Gateway calls ``handler`` with a TOKEN event (``authorizationToken``) or a REQUEST
event (``headers``) and the ``methodArn`` being called; it wants back a principal and an
IAM policy that allows or denies that ARN, plus a ``context`` it hands to the backend
(as nginx hands our X-User-* headers). Raising ``Exception("Unauthorized")`` is how an
authorizer makes API Gateway answer 401; a Deny policy makes it answer 403. When the blog's keys cannot be
had, the exception propagates and API Gateway answers 500: it cannot judge. API Gateway
caches the policy for ``AuthorizerResultTtlInSeconds``, keyed on the token, as our nginx does.

Configuration, read once per container (the key cache lives as long as it does):
VERIFIER_JWKS_URL, VERIFIER_ISSUER, VERIFIER_AUDIENCE (optional) and VERIFIER_LEEWAY (seconds of
clock difference tolerated, default 30, at most 60).
"""

import os
from functools import cache
from typing import Any

from verifier.tokens import DEFAULT_LEEWAY, AccessTokenVerifier, MissingToken, Refused

ANONYMOUS = "anonymous"


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Return API Gateway's authorizer answer for ``event``: Allow for a valid access token, else Deny."""
    try:
        identity = verifier().verify_authorization(_authorization(event))
    except MissingToken:
        raise Exception("Unauthorized") from None  # API Gateway's documented way to answer 401
    except Refused as refused:
        return _answer(ANONYMOUS, "Deny", event, {"error_description": refused.description})
    return _answer(identity.user_id, "Allow", event, {"userId": identity.user_id, "roles": ",".join(identity.roles)})


@cache
def verifier() -> AccessTokenVerifier:
    """Return the verifier this container keeps, configured from the environment."""
    return AccessTokenVerifier(
        jwks_url=os.environ["VERIFIER_JWKS_URL"],
        issuer=os.environ["VERIFIER_ISSUER"],
        audience=os.environ.get("VERIFIER_AUDIENCE") or None,
        leeway=int(os.environ.get("VERIFIER_LEEWAY") or DEFAULT_LEEWAY),
    )


def _authorization(event: dict[str, Any]) -> str | None:
    if event.get("type") == "TOKEN":
        token = event.get("authorizationToken")
        return token if isinstance(token, str) else None
    headers = event.get("headers")
    if not isinstance(headers, dict):
        return None
    # HTTP header names are case-insensitive, and API Gateway passes them as the client sent them.
    values = [value for name, value in headers.items() if isinstance(name, str) and name.lower() == "authorization"]
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


def _answer(principal_id: str, effect: str, event: dict[str, Any], context: dict[str, str]) -> dict[str, Any]:
    resource = event.get("methodArn")
    if not isinstance(resource, str) or not resource.startswith("arn:"):
        # Never "Allow" on "*": without the ARN being called there is nothing to allow.
        effect, resource = "Deny", "*"
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }
