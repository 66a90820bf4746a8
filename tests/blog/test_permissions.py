"""Only a post's or comment's author (or staff) may change it; anonymous visitors are sent to log in."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from blog.models import Comment, Post

pytestmark = pytest.mark.django_db

POST_PAGES = ["blog:post_update", "blog:post_delete"]


@pytest.fixture
def comment(post, make_user):
    return Comment.objects.create(post=post, author=make_user("commenter"), body="a comment")


def assert_styled_403(response) -> None:
    assert response.status_code == 403
    assert 'class="error-page"' in response.content.decode()


def assert_sent_to_login(response, url: str) -> None:
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={quote(url)}"


# Anonymous visitors


def test_anonymous_visitor_is_sent_to_login_to_write(client):
    url = reverse("blog:post_create")
    assert_sent_to_login(client.get(url), url)
    assert_sent_to_login(client.post(url, {"title": "t", "body": "b"}), url)
    assert not Post.objects.exists()


@pytest.mark.parametrize("name", POST_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitor_is_sent_to_login_to_change_post(client, post, name, method):
    url = reverse(name, args=[post.pk])
    data = {"title": "hacked", "body": "b"} if method == "post" else None
    assert_sent_to_login(getattr(client, method)(url, data), url)
    post.refresh_from_db()
    assert post.title == "첫 글"


def test_anonymous_visitor_is_sent_to_login_to_delete_comment(client, comment):
    url = reverse("blog:comment_delete", args=[comment.pk])
    assert_sent_to_login(client.post(url), url)
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_anonymous_visitor_sees_no_edit_or_delete_links(client, post, comment):
    page = client.get(post.get_absolute_url()).content.decode()
    assert reverse("blog:post_update", args=[post.pk]) not in page
    assert reverse("blog:post_delete", args=[post.pk]) not in page
    assert reverse("blog:comment_delete", args=[comment.pk]) not in page


# Another logged-in user


@pytest.mark.parametrize("name", POST_PAGES)
def test_other_user_gets_403_opening_edit_or_delete_page(client, post, make_user, name):
    client.force_login(make_user("mallory"))
    assert_styled_403(client.get(reverse(name, args=[post.pk])))


def test_other_user_gets_403_editing_post_and_post_is_unchanged(client, post, make_user):
    client.force_login(make_user("mallory"))
    assert_styled_403(client.post(reverse("blog:post_update", args=[post.pk]), {"title": "hacked", "body": "x"}))
    post.refresh_from_db()
    assert (post.title, post.body) == ("첫 글", "**안녕하세요**")


def test_other_user_gets_403_deleting_post_and_post_stays(client, post, make_user):
    client.force_login(make_user("mallory"))
    assert_styled_403(client.post(reverse("blog:post_delete", args=[post.pk])))
    assert Post.objects.filter(pk=post.pk).exists()


def test_other_user_sees_no_edit_or_delete_links(client, post, make_user):
    client.force_login(make_user("mallory"))
    page = client.get(post.get_absolute_url()).content.decode()
    assert reverse("blog:post_update", args=[post.pk]) not in page
    assert reverse("blog:post_delete", args=[post.pk]) not in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_user_gets_403_deleting_comment_and_comment_stays(client, comment, make_user, method):
    client.force_login(make_user("mallory"))
    assert_styled_403(getattr(client, method)(reverse("blog:comment_delete", args=[comment.pk])))
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_post_author_gets_403_deleting_a_readers_comment(client, post, comment):
    client.force_login(post.author)
    assert_styled_403(client.post(reverse("blog:comment_delete", args=[comment.pk])))
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_comment_author_sees_delete_link_only_on_own_comment(client, post, comment, make_user):
    other = Comment.objects.create(post=post, author=make_user("someone"), body="other")
    client.force_login(comment.author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert reverse("blog:comment_delete", args=[comment.pk]) in page
    assert reverse("blog:comment_delete", args=[other.pk]) not in page


def test_author_sees_edit_and_delete_links_on_own_post(client, post):
    client.force_login(post.author)
    page = client.get(post.get_absolute_url()).content.decode()
    assert reverse("blog:post_update", args=[post.pk]) in page
    assert reverse("blog:post_delete", args=[post.pk]) in page


def test_changing_unknown_post_is_styled_404(client, author):
    client.force_login(author)
    response = client.get(reverse("blog:post_update", args=[999]))
    assert response.status_code == 404
    assert 'class="error-page"' in response.content.decode()


# Staff


@pytest.fixture
def staff(make_user):
    return make_user("moderator", is_staff=True)


def test_staff_edits_another_users_post(client, post, staff):
    client.force_login(staff)
    response = client.post(reverse("blog:post_update", args=[post.pk]), {"title": "moderated", "body": "b"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "moderated"
    assert post.author != staff


def test_staff_deletes_another_users_post(client, post, staff):
    client.force_login(staff)
    assert client.post(reverse("blog:post_delete", args=[post.pk])).status_code == 302
    assert not Post.objects.exists()


def test_staff_deletes_another_users_comment(client, comment, staff):
    client.force_login(staff)
    assert client.post(reverse("blog:comment_delete", args=[comment.pk])).status_code == 302
    assert not Comment.objects.exists()
