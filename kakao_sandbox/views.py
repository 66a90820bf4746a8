"""Kakao's endpoints as the sandbox serves them, in Kakao's wire format.

kauth.kakao.com: ``authorize`` (consent page), ``token``, ``account_logout``, and for
OpenID Connect ``openid_configuration`` and ``jwks``.
kapi.kakao.com: ``user_me``, ``logout``, ``unlink``.
"""

import re
import time
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kakao_sandbox import grants, oidc, personas
from kakao_sandbox.console import RegisteredApp, registered_app
from kakao_sandbox.grants import TokenError
from kakao_sandbox.personas import SandboxAccount

S256_CODE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256 digest, unpadded
DEFAULT_HANG_SECONDS = 8  # longer than the blog's 5 s timeout

# The error pages Kakao shows instead of redirecting when it cannot trust redirect_uri.
AUTHORIZE_ERRORS = {
    "KOE101": {
        "title_ko": "앱 키가 올바르지 않습니다",
        "title_en": "Unknown app key",
        "detail_ko": "client_id가 등록된 앱의 REST API 키와 다릅니다.",
        "detail_en": "client_id is not the REST API key of the registered app.",
    },
    "KOE006": {
        "title_ko": "등록되지 않은 Redirect URI입니다",
        "title_en": "Redirect URI not registered",
        "detail_ko": "이 주소로는 로그인 결과를 보낼 수 없습니다.",
        "detail_en": "The sandbox will not send a login result to this address.",
    },
    "invalid_request": {
        "title_ko": "잘못된 요청입니다",
        "title_en": "Invalid request",
        "detail_ko": "response_type은 code여야 하고, PKCE는 code_challenge_method=S256만 지원합니다.",
        "detail_en": "response_type must be code, and PKCE supports code_challenge_method=S256 only.",
    },
}

UPSTREAM_500_HTML = (
    "<!doctype html><html><head><title>500 Internal Server Error</title></head>"
    "<body><h1>500 Internal Server Error</h1><p>Kakao sandbox: simulated failure.</p></body></html>"
)
MAINTENANCE_HTML = (
    '<!doctype html><html lang="ko"><head><title>서비스 점검 중</title></head>'
    "<body><h1>서비스 점검 중입니다</h1><p>Kakao sandbox: simulated maintenance page, not JSON.</p></body></html>"
)


def _json(data: dict, status: int = 200) -> JsonResponse:
    # Kakao sends compact JSON with UTF-8 as is ("홍길동"), not as \u escapes.
    return JsonResponse(
        data,
        status=status,
        content_type="application/json;charset=UTF-8",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def _html(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/html;charset=UTF-8")


def _redirect_with(uri: str, **params: str | None) -> HttpResponseRedirect:
    """Redirect to ``uri`` with ``params`` added to its query (None values left out)."""
    parts = urlsplit(uri)
    added = urlencode({name: value for name, value in params.items() if value is not None}, quote_via=quote)
    query = "&".join(part for part in (parts.query, added) if part)
    return HttpResponseRedirect(urlunsplit(parts._replace(query=query)))


def _error_page(request: HttpRequest, error_code: str, **context) -> HttpResponse:
    error = {"code": error_code, **AUTHORIZE_ERRORS[error_code]}
    return render(request, "kakao_sandbox/error.html", {"error": error, **context}, status=400)


def _authorize_request_error(request: HttpRequest, app: RegisteredApp) -> HttpResponse | None:
    """Return the error page for an authorize request that must not be redirected, or None."""
    params = request.GET
    if params.get("client_id") != app.client_id:
        return _error_page(request, "KOE101")
    redirect_uri = params.get("redirect_uri", "")
    if not app.allows_redirect_uri(redirect_uri, request_host=request.get_host()):
        return _error_page(request, "KOE006", redirect_uri=redirect_uri, app=app)
    code_challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    pkce_valid = (code_challenge is None and method is None) or (
        method == "S256" and S256_CODE_CHALLENGE.fullmatch(code_challenge or "") is not None
    )
    if params.get("response_type") != "code" or not pkce_valid:
        return _error_page(request, "invalid_request")
    return None


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """Ask the user to pick a test account and consent; send the code back to redirect_uri."""
    error_page = _authorize_request_error(request, registered_app())
    if error_page:
        return error_page
    redirect_uri = request.GET["redirect_uri"]
    state = request.GET.get("state")
    if "none" in re.split(r"[\s,]+", request.GET.get("prompt", "")):
        # The sandbox remembers no earlier consent, so a silent login can never succeed.
        return _redirect_with(
            redirect_uri, error="consent_required", error_description="user consent required", state=state
        )
    if request.method == "GET":
        return _consent_page(request, selected=personas.ACCOUNTS[0].key)

    if request.POST.get("action") != "agree":
        return _redirect_with(redirect_uri, error="access_denied", error_description="User denied access", state=state)
    account = personas.account_get(request.POST.get("account", ""))
    if account is None:
        return _consent_page(request, selected="", no_account_chosen=True)
    code = grants.code_issue(
        account=account,
        redirect_uri=redirect_uri,
        code_challenge=request.GET.get("code_challenge", ""),
        openid="openid" in re.split(r"[\s,]+", request.GET.get("scope", "")),
        nonce=request.GET.get("nonce", "")[:255],
    )
    return _redirect_with(redirect_uri, code=code, state=state)


def _consent_page(request: HttpRequest, *, selected: str, no_account_chosen: bool = False) -> HttpResponse:
    context = {
        "service_host": urlsplit(request.GET["redirect_uri"]).netloc,
        "requested_scope": request.GET.get("scope", ""),
        "normal_accounts": [account for account in personas.ACCOUNTS if not account.failure],
        "failure_accounts": [account for account in personas.ACCOUNTS if account.failure],
        "selected": selected,
        "no_account_chosen": no_account_chosen,
    }
    return render(request, "kakao_sandbox/consent.html", context, status=400 if no_account_chosen else 200)


@csrf_exempt  # a server-to-server call: the client authenticates with its secret, not a cookie
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """Exchange an authorization code or a refresh token for tokens."""
    form = request.POST
    try:
        grant_type = form.get("grant_type", "")
        if grant_type not in {"authorization_code", "refresh_token"}:
            raise TokenError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        grants.client_authenticate(
            client_id=form.get("client_id", ""),
            client_secret=form.get("client_secret", ""),
            basic_auth_used=request.headers.get("Authorization", "").lower().startswith("basic "),
        )
        if grant_type == "refresh_token":
            return _json(grants.tokens_refresh(refresh_token=form.get("refresh_token", "")))
        authorization_code = grants.code_redeem(
            code=form.get("code", ""),
            redirect_uri=form.get("redirect_uri", ""),
            code_verifier=form.get("code_verifier", ""),
        )
    except TokenError as error:
        return _json(error.body, status=error.status)
    account = personas.account_get(authorization_code.account_key)
    failure = _token_failure(account)
    if failure:
        return failure
    answer = grants.tokens_issue(account=account)
    if authorization_code.openid:
        answer["id_token"] = _id_token(request, account, nonce=authorization_code.nonce)
    return _json(answer)


def _issuer(request: HttpRequest) -> str:
    """Return the sandbox's own base URL (the blog's /sandbox/kakao, or the standalone server's root)."""
    return request.build_absolute_uri(reverse("kakao_sandbox:authorize")).removesuffix("/oauth/authorize")


def _id_token(request: HttpRequest, account: SandboxAccount, *, nonce: str) -> str:
    picture = request.build_absolute_uri(static(account.image)) if account.image else ""
    return oidc.id_token_issue(
        account=account, issuer=_issuer(request), client_id=registered_app().client_id, nonce=nonce, picture=picture
    )


@require_GET
def openid_configuration(request: HttpRequest) -> HttpResponse:
    """Publish the OpenID Provider metadata (discovery), as kauth.kakao.com does."""
    return _json(oidc.discovery(_issuer(request)))


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """Publish the public key that verifies the sandbox's ID tokens."""
    return _json(oidc.jwks())


def _token_failure(account: SandboxAccount) -> HttpResponse | None:
    """Return the broken answer a failure account asks for, or None to answer normally."""
    if account.failure == personas.TOKEN_500:
        return _html(UPSTREAM_500_HTML, status=500)
    if account.failure == personas.TOKEN_NOT_JSON:
        return _html(MAINTENANCE_HTML, status=200)
    if account.failure == personas.TOKEN_RATE_LIMIT:
        body = {
            "error": "invalid_request",
            "error_description": "token request rate limit exceeded",
            "error_code": "KOE237",
        }
        return _json(body, status=400)
    if account.failure == personas.TOKEN_HANG:
        # A slow Kakao: the tokens do come, but after the client has given up.
        time.sleep(getattr(settings, "KAKAO_SANDBOX_HANG_SECONDS", DEFAULT_HANG_SECONDS))
    return None


def _invalid_token() -> JsonResponse:
    return _json({"msg": "this access token does not exist", "code": -401}, status=401)


def _bearer_grant(request: HttpRequest) -> grants.Grant | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return grants.access_token_grant(credentials.strip()) if scheme.lower() == "bearer" else None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def user_me(request: HttpRequest) -> HttpResponse:
    """Return the account behind the Bearer token, shaped like Kakao's /v2/user/me."""
    grant = _bearer_grant(request)
    if grant is None:
        return _invalid_token()
    account = personas.account_get(grant.account_key)
    if account.failure == personas.USER_ME_401:
        return _invalid_token()
    if account.failure == personas.USER_ME_500:
        return _json({"msg": "internal server error", "code": -1}, status=500)
    if account.failure == personas.USER_ME_NOT_JSON:
        return _html(MAINTENANCE_HTML, status=200)
    return _json(personas.user_me(account, absolute_url=lambda path: request.build_absolute_uri(static(path))))


@require_GET
def access_token_info(request: HttpRequest) -> HttpResponse:
    """Say which user and which app the Bearer token belongs to, and how long it lives."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    info = grants.access_token_info(credentials.strip()) if scheme.lower() == "bearer" else None
    return _json(info) if info is not None else _invalid_token()


@csrf_exempt
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Expire the tokens of this login (the Bearer token and its refresh token)."""
    grant = _bearer_grant(request)
    if grant is None:
        return _invalid_token()
    grants.grant_revoke(grant)
    return _json({"id": personas.account_get(grant.account_key).id})


@csrf_exempt
@require_POST
def unlink(request: HttpRequest) -> HttpResponse:
    """Disconnect a user from the app, with their Bearer token or with the admin key."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme == "KakaoAK":
        admin_key = registered_app().admin_key
        if not admin_key or not grants.secrets_match(credentials.strip(), admin_key):
            return _json({"msg": "wrong admin key", "code": -401}, status=401)
        target_id = request.POST.get("target_id", "")
        if request.POST.get("target_id_type") != "user_id" or not (target_id.isascii() and target_id.isdigit()):
            return _json({"msg": "target_id_type must be user_id and target_id a number", "code": -2}, status=400)
        account = personas.account_by_id(int(target_id))
        if account is None:
            return _json({"msg": "NotRegisteredUserException", "code": -101}, status=400)
    else:
        grant = _bearer_grant(request)
        if grant is None:
            return _invalid_token()
        account = personas.account_get(grant.account_key)
    grants.account_revoke(account)
    return _json({"id": account.id})


@require_GET
def account_logout(request: HttpRequest) -> HttpResponse:
    """Log the browser out of its Kakao account, then send it to logout_redirect_uri."""
    app = registered_app()
    if request.GET.get("client_id") != app.client_id:
        return _error_page(request, "KOE101")
    logout_redirect_uri = request.GET.get("logout_redirect_uri", "")
    if not app.allows_logout_redirect_uri(logout_redirect_uri, request_host=request.get_host()):
        return _error_page(request, "KOE006", redirect_uri=logout_redirect_uri, app=app, logout=True)
    return _redirect_with(logout_redirect_uri, state=request.GET.get("state"))


@csrf_exempt  # a convenience for curl; there is no browser session to protect
@require_POST
def dev_token(request: HttpRequest) -> HttpResponse:
    """Issue Kakao tokens for a test account directly (sandbox only; not a Kakao endpoint).

    It stands in for what a native app gets from Kakao's SDK, so the API journey in the
    README can start from a Kakao access token without a browser. ``app=foreign`` issues
    the token to another Kakao app, as an attacker's app would hold: the blog must refuse it.
    ``scope=openid`` adds an ID token, carrying ``nonce`` when one is given, as Kakao's SDKs get.
    """
    account = personas.account_get(request.POST.get("account", ""))
    if account is None:
        keys = ", ".join(a.key for a in personas.ACCOUNTS)
        return _json({"error": "invalid_request", "error_description": f"account must be one of: {keys}"}, 400)
    app_id = grants.foreign_app_id() if request.POST.get("app") == "foreign" else None
    answer = grants.tokens_issue(account=account, app_id=app_id)
    if "openid" in re.split(r"[\s,]+", request.POST.get("scope", "")):
        answer["id_token"] = _id_token(request, account, nonce=request.POST.get("nonce", "")[:255])
    return _json(answer)
