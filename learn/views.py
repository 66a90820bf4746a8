"""Teaching pages: how the login works, a JWT explainer, and the source files they point to."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from learn import diagram, source


@require_GET
def how_it_works(request: HttpRequest) -> HttpResponse:
    """Render the long explanation in the visitor's language (Korean unless they ask for English)."""
    language = "en" if (get_language() or "").startswith("en") else "ko"
    return render(request, f"learn/how_it_works_{language}.html", {"diagram": diagram.flow_diagram()})


@require_GET
def jwt_explainer(request: HttpRequest) -> HttpResponse:
    """Render the explainer; the token is decoded and verified in the browser, never sent here."""
    return explainer_page(request)


def explainer_page(request: HttpRequest, *, token: str = "") -> HttpResponse:
    """Render the explainer, with ``token`` filled in when the user asked for their own."""
    # The explainer fetches the public keys from this same site (accounts/api.py serves them).
    return render(request, "learn/jwt_explainer.html", {"jwks_path": reverse("jwks"), "token": token})


@require_GET
def source_file(request: HttpRequest, path: str) -> HttpResponse:
    """Show one of the project's own source files, numbered, so the pages can link to the code."""
    lines = source.read_lines(path)
    if lines is None:
        raise Http404
    return render(request, "learn/source_file.html", {"path": path, "lines": lines})
