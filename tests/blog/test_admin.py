import pytest
from django.urls import reverse

from blog.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password="unused-in-tests")


@pytest.mark.parametrize(
    ("model", "row"), [("blog_post", "첫 글"), ("blog_comment", "author on 첫 글"), ("accounts_user", "작성자")]
)
def test_superuser_opens_changelist_listing_rows(client, superuser, post, model, row):
    Comment.objects.create(post=post, author=post.author, body="c")
    client.force_login(superuser)
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert row in response.content.decode()


def test_superuser_opens_post_change_page_with_its_comments(client, superuser, post):
    Comment.objects.create(post=post, author=post.author, body="inline comment")
    client.force_login(superuser)
    response = client.get(reverse("admin:blog_post_change", args=[post.pk]))
    assert response.status_code == 200
    assert "inline comment" in response.content.decode()


def test_superuser_opens_user_change_page(client, superuser, author):
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_change", args=[author.pk]))
    assert response.status_code == 200
    assert "작성자" in response.content.decode()


def test_regular_user_is_sent_to_admin_login(client, author):
    client.force_login(author)
    response = client.get(reverse("admin:blog_post_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
