import pytest
import requests


@pytest.mark.django_db
def test_dev_token_for_a_test_account_works_at_user_me(client):
    response = client.post("/sandbox/kakao/dev/token", {"account": "big-id"})
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/sandbox/kakao/v2/user/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert b'"id": 1376016924429759228' in me.content or b'"id":1376016924429759228' in me.content


def test_dev_token_for_an_unknown_account_lists_the_keys(client):
    response = client.post("/sandbox/kakao/dev/token", {"account": "nobody"})
    assert response.status_code == 400
    assert "full" in response.json()["error_description"]


def test_access_token_info_names_the_app_the_token_was_issued_to(client, settings):
    ours = client.post("/sandbox/kakao/dev/token", {"account": "big-id"}).json()["access_token"]
    foreign = client.post("/sandbox/kakao/dev/token", {"account": "big-id", "app": "foreign"}).json()["access_token"]

    info = client.get("/sandbox/kakao/v1/user/access_token_info", HTTP_AUTHORIZATION=f"Bearer {ours}").json()
    other = client.get("/sandbox/kakao/v1/user/access_token_info", HTTP_AUTHORIZATION=f"Bearer {foreign}").json()

    assert info["app_id"] == int(settings.KAKAO_APP_ID)
    assert other["app_id"] != info["app_id"]
    assert info["id"] == other["id"] == 1376016924429759228
    assert 0 < info["expires_in"] <= 21599


def test_access_token_info_with_an_unknown_token_is_kakaos_401(client):
    response = client.get("/sandbox/kakao/v1/user/access_token_info", HTTP_AUTHORIZATION="Bearer nope")

    assert response.status_code == 401
    assert response.json()["code"] == -401


@pytest.mark.django_db(transaction=True)
def test_the_blog_refuses_a_foreign_apps_token_and_accepts_its_own_over_http(client, live_server, settings):
    settings.RATE_LIMITS = {}
    foreign = client.post("/sandbox/kakao/dev/token", {"account": "big-id", "app": "foreign"}).json()["access_token"]
    ours = client.post("/sandbox/kakao/dev/token", {"account": "big-id"}).json()["access_token"]

    refused = requests.post(f"{live_server.url}/api/auth/kakao/", json={"access_token": foreign}, timeout=10)
    accepted = requests.post(f"{live_server.url}/api/auth/kakao/", json={"access_token": ours}, timeout=10)

    assert refused.status_code == 401
    assert refused.json()["code"] == "kakao_token_foreign"
    assert accepted.status_code == 200
