import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(INSTANCE_NAME="app2")
def test_named_instance_says_who_answered(client):
    response = client.get("/")

    assert response["X-Instance"] == "app2"


@override_settings(INSTANCE_NAME="app2")
def test_named_instance_also_names_itself_on_error_pages(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["X-Instance"] == "app2"


@override_settings(INSTANCE_NAME="")
def test_unnamed_instance_sends_no_instance_header(client):
    response = client.get("/")

    assert "X-Instance" not in response
