"""Browser views of Kakao Login. The callback reads top to bottom as the OAuth 2.0 code flow."""

import hmac
import logging
import secrets
import time
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import flow, kakao, kakao_oidc, services
from accounts.kakao import KakaoError
from learn.views import explainer_page
from tokens import cookies
from tokens.cookies import clear_token_cookies, set_token_cookies

logger = logging.getLogger(__name__)

# Login attempts waiting for Kakao's answer, per browser, in the session: {state: attempt}.
ATTEMPTS_SESSION_KEY = "kakao_login_attempts"
ATTEMPT_MAX_AGE = 10 * 60
ATTEMPTS_KEPT = 5
# The last failed login of this browser, for the clean error page it is redirected to.
LOGIN_ERROR_SESSION_KEY = "kakao_login_error"
# A login page inside a login page's next, inside...: unwrapped this many times at most.
NEXT_UNWRAP_LIMIT = 5


def safe_next(url: str | None) -> str:
    """Return ``url`` if it is a path on this site, else "/" (no open redirects).

    A ``next`` that is itself a login page is replaced by that page's own ``next``: after
    logging in, nobody wants to land on the login page again.
    """
    login_paths = {reverse(name) for name in ("accounts:login", "accounts:kakao_login", "accounts:login_failed")}
    for _attempt in range(NEXT_UNWRAP_LIMIT):
        if not (url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())):
            return "/"
        parts = urlsplit(url)
        if parts.path not in login_paths:
            return url
        url = parse_qs(parts.query).get("next", [""])[0]
    return "/"


@require_GET
def login_page(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.GET.get("next"))
    # return_path: the header's login link and the language switch point at next, not here.
    context = {"next": next_url, "return_path": next_url, "sandbox": settings.KAKAO_SANDBOX}
    return render(request, "accounts/login.html", context)


@require_GET
def kakao_login(request: HttpRequest) -> HttpResponse:
    """Start the flow: a fresh state and PKCE pair per attempt, then off to Kakao."""
    state = secrets.token_urlsafe(32)  # 256 bits; RFC 9700 asks for at least 128
    code_verifier = secrets.token_urlsafe(64)  # 86 characters, inside RFC 7636's 43-128
    # OpenID Connect: Kakao copies the nonce into the ID token, tying that token to this attempt.
    nonce = secrets.token_urlsafe(32) if settings.KAKAO_OIDC else ""
    attempts = _live_attempts(request)
    url = kakao.authorization_url(
        endpoints=kakao.endpoints(request),
        redirect_uri=kakao.redirect_uri(request),
        state=state,
        code_verifier=code_verifier,
        nonce=nonce,
    )
    attempts[state] = {
        "code_verifier": code_verifier,
        "nonce": nonce,
        "next": safe_next(request.GET.get("next")),
        "started_at": time.time(),
        "authorize_url": url,
    }
    request.session[ATTEMPTS_SESSION_KEY] = dict(list(attempts.items())[-ATTEMPTS_KEPT:])
    return redirect(url)


@require_GET
def kakao_callback(request: HttpRequest) -> HttpResponse:
    """Finish the flow: check state, exchange the code, read the profile, log the user in."""
    # 1. The state must be one this browser started, and it is used up now, even when
    #    Kakao answered with an error, so a callback can never be replayed.
    attempt = _pop_attempt(request, request.GET.get("state", ""))
    if attempt is None and request.user.is_authenticated:
        # A refresh of the callback after logging in: the state is used up, the login stands.
        return redirect("blog:post_list")
    # What the flow inspector will show of this login; the flow below never reads it.
    record = flow.LoginRecord(request, attempt)
    try:
        if attempt is None:
            raise KakaoError("invalid_state")
        # 2. Kakao's answer: an error (the user pressed cancel) or an authorization code.
        if request.GET.get("error"):
            raise kakao.callback_error(request.GET["error"])
        authorization_code = request.GET.get("code", "")
        if not authorization_code:
            raise KakaoError("missing_code")
        endpoints = kakao.endpoints(request)
        # 3. Exchange the code for Kakao's tokens, proving with the code_verifier that we
        #    are the client that started this attempt (PKCE).
        record.kakao_tokens = kakao_tokens = kakao.exchange_code(
            endpoints=endpoints,
            authorization_code=authorization_code,
            redirect_uri=kakao.redirect_uri(request),
            code_verifier=attempt["code_verifier"],
        )
        # 4. With OpenID Connect, Kakao's signed ID token says who logged in, for us to verify.
        id_token = None
        if attempt.get("nonce"):
            record.id_token = id_token = kakao_oidc.verify_id_token(
                endpoints=endpoints,
                id_token=kakao_tokens.get("id_token", ""),
                nonce=attempt["nonce"],
                audiences=[settings.KAKAO_CLIENT_ID],
            )
        # 5. Read who the user is at Kakao; the ID token must name the same user.
        record.profile = profile = kakao.fetch_profile(
            endpoints=endpoints, kakao_access_token=kakao_tokens["access_token"]
        )
        if id_token:
            kakao_oidc.check_subject(id_token, profile)
    except KakaoError as error:
        return _login_failed(request, error, record)
    # 6. Find or create the local user, keyed on Kakao's id.
    user, created = services.user_get_or_create_from_kakao(profile=profile, kakao_tokens=kakao_tokens)
    if not user.is_active:
        return _login_failed(request, KakaoError("account_disabled"), record)
    # 7. Log the browser in with our own JWTs (HttpOnly cookies, no server-side session)
    #    and send it on, to a clean URL with no code in it.
    response = redirect(attempt["next"])
    # A session key planted in this browser before the login is worth nothing after it.
    request.session.cycle_key()
    pair = set_token_cookies(response, user=user)
    record.save(user=user, created=created, access_token=pair.access)
    messages.success(request, _("You are logged in with Kakao as %(name)s.") % {"name": user.display_name})
    return response


def _login_failed(request: HttpRequest, error: KakaoError, record: flow.LoginRecord) -> HttpResponse:
    """Keep what happened for this browser's flow inspector, then go to an address without the code."""
    logger.warning("Kakao login failed at %s: %s", record.failed_step(error), error)
    record.save_failure(error)
    request.session[LOGIN_ERROR_SESSION_KEY] = {
        "code": error.code,
        "reason": getattr(error, "reason", ""),  # which check an ID token failed, for its own message
        "next": record.attempt["next"] if record.attempt else "/",
    }
    return redirect("accounts:login_failed")


@require_GET
def login_failed(request: HttpRequest) -> HttpResponse:
    """Show this browser's last failed login, at an address that carries no code or state."""
    failure = request.session.get(LOGIN_ERROR_SESSION_KEY)
    if not isinstance(failure, dict):
        return redirect("accounts:login")
    return login_error(request, _stored_error(failure), next_url=safe_next(failure.get("next")))


def _stored_error(failure: dict) -> KakaoError:
    """Return the error a failed callback stored in the session, with its own message again."""
    reason = failure.get("reason")
    if failure.get("code") == "kakao_id_token_invalid" and reason in kakao_oidc.REASONS:
        return kakao_oidc.IdTokenRefused(reason)
    return KakaoError(failure.get("code", ""))


@login_required
@require_GET
def flow_inspector(request: HttpRequest) -> HttpResponse:
    """Show the logged-in user the steps of their own last login."""
    context = {"steps": flow.load(user_id=request.user.pk), "failed": flow.load_failed(request.session)}
    return render(request, "accounts/flow.html", context)


@require_GET
def failed_flow_inspector(request: HttpRequest) -> HttpResponse:
    """Show this browser the steps of its last failed login: no login needed, that is the point."""
    context = {"steps": [], "failed": flow.load_failed(request.session), "show_failed_steps": True}
    return render(request, "accounts/flow.html", context)


@login_required
@require_POST
def token_to_explainer(request: HttpRequest) -> HttpResponse:
    """Open the user's own access token in the JWT explainer, on an explicit POST, never in a URL."""
    response = explainer_page(request, token=cookies.renewed_access_token(request))
    # The page holds a live token: no cache, shared or the browser's own, may keep it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def profile_page(request: HttpRequest) -> HttpResponse:
    identity = request.user.identities.filter(provider="kakao").first()
    return render(request, "accounts/profile.html", {"identity": identity})


def login_error(request: HttpRequest, error: KakaoError, *, next_url: str = "/") -> HttpResponse:
    """Render the friendly error page; Kakao refusing a token it just issued is Kakao's fault (502)."""
    status = 502 if error.status == 401 else error.status
    context = {
        "error": error,
        "cancelled": error.code == "access_denied",
        "next": next_url,
        "return_path": next_url,
        "has_record": flow.load_failed(request.session) is not None,
    }
    return render(request, "accounts/login_error.html", context, status=status)


def _live_attempts(request: HttpRequest) -> dict:
    now = time.time()
    attempts = request.session.get(ATTEMPTS_SESSION_KEY, {})
    return {state: a for state, a in attempts.items() if now - a["started_at"] < ATTEMPT_MAX_AGE}


def _pop_attempt(request: HttpRequest, state: str) -> dict | None:
    attempts = _live_attempts(request)
    attempt = attempts.pop(state, None) if state else None
    request.session[ATTEMPTS_SESSION_KEY] = attempts
    return attempt


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """End our login; also expire our Kakao token, and optionally the Kakao account's login."""
    user = request.user
    endpoints = kakao.endpoints(request)
    if user.is_authenticated:
        services.kakao_logout(user=user, endpoints=endpoints)
    if request.POST.get("kakao_account") == "1":
        messages.success(request, _("You are logged out of this blog and of your Kakao account."))
        home = request.build_absolute_uri(reverse("blog:post_list"))
        return _signed_out(request, redirect(kakao.account_logout_url(endpoints=endpoints, logout_redirect_uri=home)))
    messages.success(request, _("You are logged out."))
    return _signed_out(request, redirect("blog:post_list"))


def _signed_out(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """End this browser's login on ``response``: the admin's session and our revoked JWT cookies."""
    logout(request)
    clear_token_cookies(response, request)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Unlink the app at Kakao, then delete the user and everything they wrote."""
    user = request.user
    if request.method == "GET":
        context = {"post_count": user.posts.count(), "comment_count": user.comments.count()}
        return render(request, "accounts/account_delete.html", context)
    try:
        services.kakao_unlink(user=user, endpoints=kakao.endpoints(request))
    except KakaoError as error:
        # Nothing is deleted while Kakao still lists the app for this user.
        return render(request, "accounts/login_error.html", {"error": error, "deleting": True}, status=502)
    post_count, comment_count = user.posts.count(), user.comments.count()
    response = _signed_out(request, redirect("blog:post_list"))
    user.delete()
    messages.success(
        request,
        _("Your account is deleted, with %(posts)s and %(comments)s.")
        % {
            "posts": ngettext("%(n)d post", "%(n)d posts", post_count) % {"n": post_count},
            "comments": ngettext("%(n)d comment", "%(n)d comments", comment_count) % {"n": comment_count},
        },
    )
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def kakao_unlink_callback(request: HttpRequest) -> HttpResponse:
    """Kakao tells us a user disconnected the app on Kakao's side: deactivate them."""
    expected = f"KakaoAK {settings.KAKAO_ADMIN_KEY}"
    given = request.headers.get("Authorization", "")
    if not settings.KAKAO_ADMIN_KEY or not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": "invalid_admin_key"}, status=401)
    kakao_id = (request.POST if request.method == "POST" else request.GET).get("user_id", "")
    if not kakao_id.isdigit():
        return JsonResponse({"error": "invalid_request", "error_description": "user_id is required"}, status=400)
    found = services.user_deactivate_by_kakao_id(kakao_id=kakao_id)
    return JsonResponse({"user_id": kakao_id, "deactivated": found})
