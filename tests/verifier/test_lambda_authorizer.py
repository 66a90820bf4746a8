"""The same check in API Gateway's shape: a policy that allows or denies the method ARN."""

import pytest
from django.conf import settings

from tests.tokens.jwt_support import access_claims, forge
from tests.verifier.forgeries import FORGED_ACCESS_TOKENS
from verifier import lambda_authorizer

METHOD_ARN = "arn:aws:execute-api:ap-northeast-2:123456789012:abcdef123/prod/GET/members"


@pytest.fixture(autouse=True)
def configured(shared_blog, monkeypatch):
    monkeypatch.setenv("VERIFIER_JWKS_URL", shared_blog.jwks_url)
    monkeypatch.setenv("VERIFIER_ISSUER", settings.SIMPLE_JWT["ISSUER"])
    lambda_authorizer.verifier.cache_clear()
    yield
    lambda_authorizer.verifier.cache_clear()


def token_event(token: str, **extra) -> dict:
    return {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": METHOD_ARN, **extra}


def statement(answer: dict) -> dict:
    return answer["policyDocument"]["Statement"][0]


def test_valid_token_event_is_allowed_for_the_method_arn_with_user_context():
    answer = lambda_authorizer.handler(token_event(forge(access_claims(user_id=12, roles=["staff"]))), None)

    assert answer["principalId"] == "12"
    assert statement(answer) == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": METHOD_ARN}
    assert answer["context"] == {"userId": "12", "roles": "staff"}


def test_request_event_reads_the_authorization_header_in_any_case():
    event = {
        "type": "REQUEST",
        "headers": {"authorization": f"Bearer {forge(access_claims(user_id=13))}"},
        "methodArn": METHOD_ARN,
    }

    answer = lambda_authorizer.handler(event, None)

    assert (answer["principalId"], statement(answer)["Effect"]) == ("13", "Allow")


@pytest.mark.parametrize("name", ["alg_none", "expired", "refresh_token_as_access", "jku_header", "wrong_issuer"])
def test_forged_token_is_denied(name):
    answer = lambda_authorizer.handler(token_event(FORGED_ACCESS_TOKENS[name]()), None)

    assert statement(answer)["Effect"] == "Deny"
    assert answer["principalId"] == "anonymous"
    assert answer["context"]["error_description"]


@pytest.mark.parametrize(
    "event",
    [{"type": "TOKEN", "methodArn": METHOD_ARN}, {"type": "REQUEST", "headers": {}, "methodArn": METHOD_ARN},
     {"type": "REQUEST", "headers": None}, {}],
    ids=["token_event_without_token", "request_without_header", "headers_null", "empty_event"],
)  # fmt: skip
def test_missing_token_raises_unauthorized_as_api_gateway_expects(event):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        lambda_authorizer.handler(event, None)


@pytest.mark.parametrize("method_arn", [None, "*", 12])
def test_valid_token_without_a_method_arn_is_never_allowed_everywhere(method_arn):
    answer = lambda_authorizer.handler(token_event(forge(access_claims()), methodArn=method_arn), None)

    assert statement(answer) == {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}
