import pytest

from tests.learn.pages import parse

pytestmark = pytest.mark.django_db


def test_source_viewer_shows_a_project_file_with_numbered_lines(client):
    response = client.get("/how-it-works/code/accounts/kakao.py", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = parse(response)
    assert page.headings()[0] == (1, "accounts/kakao.py")
    assert page.find("li", id="L1").text.startswith('"""Kakao')
    assert 'AUTHORIZE_PATH = "/oauth/authorize"' in response.content.decode().replace("&quot;", '"')


@pytest.mark.parametrize(
    "path",
    [
        "var/dev-secret-key",
        "var/dev-jwt-private-key.pem",
        "accounts/../var/dev-secret-key",
        "accounts/%2e%2e/var/dev-secret-key",
        ".env",
        "accounts/migrations/0001_initial.py",
        "manage.py",
        "accounts/kakao.pyc",
        "/etc/passwd",
        "accounts/not_a_module_here.py",
    ],
)
def test_source_viewer_answers_404_for_anything_but_the_projects_own_code(client, path):
    assert client.get(f"/how-it-works/code/{path}").status_code == 404
