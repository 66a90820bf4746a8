"""In debug mode, a view's 404 is the styled page; an address with no route keeps Django's debug page, but under /api/."""

import pytest

pytestmark = pytest.mark.django_db


def test_missing_post_in_debug_mode_shows_the_styled_404(client, settings):
    settings.DEBUG = True
    response = client.get("/posts/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="error-page"' in page and "URLconf" not in page


def test_address_without_a_route_in_debug_mode_keeps_djangos_debug_page(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()


def test_missing_post_through_the_api_in_debug_mode_stays_json(client, settings):
    settings.DEBUG = True
    response = client.get("/api/posts/999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", ["/api/no-such-address/", "/api/posts/99999999999999999999999/"])
def test_address_without_a_route_under_api_in_debug_mode_is_the_apis_json_404(client, settings, path):
    settings.DEBUG = True
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
