"""The staff page under the profile: create a key (its secret shown once), list the keys, revoke one."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apikeys import inspector, selectors, services
from apikeys.forms import ApiKeyCreateForm
from apikeys.models import ApiKey


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def key_list(request: HttpRequest) -> HttpResponse:
    """List the keys with each user's last refused signed request; a POST creates a key."""
    _staff_only(request)
    form = ApiKeyCreateForm(request.POST or None, creator=request.user)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created, secret = services.api_key_create(
            creator=request.user, user=data["username"], scopes=data["scopes"], days=data["days"], label=data["label"]
        )
        form = ApiKeyCreateForm(creator=request.user)
    keys = selectors.api_key_list()
    context = {
        "form": form,
        "keys": keys,
        "created": created,
        "secret": secret,
        "region": settings.SIGV4_REGION,
        "refusals": inspector.refusals(user_ids=sorted({key.user_id for key in keys})),
    }
    # No redirect after a creating POST: the secret is shown on this answer and kept nowhere else.
    response = render(request, "apikeys/key_list.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    services.api_key_revoke(key=get_object_or_404(ApiKey, pk=pk))
    return redirect("apikeys:key_list")
