import pytest
from django.urls import reverse

from blog.models import Post

pytestmark = pytest.mark.django_db


def test_home_without_posts_shows_empty_state(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    assert "아직 글이 없습니다" in response.content.decode()


def test_home_lists_newest_first_ten_per_page(client, author):
    for number in range(12):
        Post.objects.create(author=author, title=f"post {number:02d}", body="body")
    first = client.get("/").content.decode()
    assert "post 11" in first and "post 02" in first and "post 01" not in first
    second = client.get("/?page=2").content.decode()
    assert "post 01" in second and "post 00" in second and "post 11" not in second


def test_unknown_post_shows_styled_404(client):
    response = client.get(reverse("blog:post_detail", args=[999]))
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()
