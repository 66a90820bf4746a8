import pytest


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
