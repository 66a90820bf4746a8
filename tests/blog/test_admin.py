import pytest
from django.urls import reverse

from blog.markdown import MAX_BODY_CHARS, MAX_TABLE_CELLS
from blog.models import Comment, Post
from tests.blog.bodies import TWENTY_WIDE_TABLES

pytestmark = pytest.mark.django_db

# The management form of the comments inline, with no comment rows.
NO_COMMENTS = {
    "comments-TOTAL_FORMS": "0",
    "comments-INITIAL_FORMS": "0",
    "comments-MIN_NUM_FORMS": "0",
    "comments-MAX_NUM_FORMS": "1000",
}


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


def test_superuser_adding_a_post_in_the_admin_stores_its_rendered_html(client, superuser, author):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:blog_post_add"),
        {"author": author.pk, "title": "관리자 글", "body": "**굵게**", **NO_COMMENTS},
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.body_html, post.excerpt) == ("<p><strong>굵게</strong></p>\n", "굵게")


def test_superuser_editing_a_body_in_the_admin_renders_it_again(client, superuser, post):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:blog_post_change", args=[post.pk]),
        {"author": post.author.pk, "title": post.title, "body": "*고침*", **NO_COMMENTS},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.body, post.body_html, post.excerpt) == ("*고침*", "<p><em>고침</em></p>\n", "고침")


def test_admin_post_form_refuses_a_body_over_the_cap(client, superuser, author):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:blog_post_add"),
        {"author": author.pk, "title": "t", "body": "[" * (MAX_BODY_CHARS + 1), **NO_COMMENTS},
    )
    assert response.status_code == 200
    assert not Post.objects.exists()


def test_admin_post_form_refuses_the_reported_twenty_wide_tables_naming_the_cell_budget(client, superuser, post):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:blog_post_change", args=[post.pk]),
        {"author": post.author.pk, "title": post.title, "body": TWENTY_WIDE_TABLES, **NO_COMMENTS},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert f"at most {MAX_TABLE_CELLS:,} cells" in response.content.decode()
    post.refresh_from_db()
    assert (post.body, post.body_html) == ("**안녕하세요**", "<p><strong>안녕하세요</strong></p>\n")
