"""Writes render a post's Markdown once, with the body, so that its HTML always matches it."""

import pytest

from blog import services
from blog.markdown import render
from blog.models import Post

pytestmark = pytest.mark.django_db


def test_post_create_stores_the_rendered_html_and_excerpt(author):
    post = services.post_create(author=author, title="t", body="**굵게** 본문")

    stored = Post.objects.get(pk=post.pk)
    assert stored.body_html == "<p><strong>굵게</strong> 본문</p>\n"
    assert stored.excerpt == "굵게 본문"


def test_post_update_with_a_new_body_renders_it_again(author):
    post = services.post_create(author=author, title="t", body="old")

    services.post_update(post=post, title="t", body="*new*")

    stored = Post.objects.get(pk=post.pk)
    assert (stored.body, stored.body_html, stored.excerpt) == ("*new*", "<p><em>new</em></p>\n", "new")


def test_two_edits_of_the_body_leave_the_last_body_with_its_own_html(author):
    services.post_create(author=author, title="t", body="v1")
    first, second = Post.objects.get(), Post.objects.get()  # two requests read the post at once

    services.post_update(post=first, title="t", body="*first*")
    services.post_update(post=second, title="t", body="**second**")

    stored = Post.objects.get()
    assert (stored.body, stored.body_html) == ("**second**", render("**second**").html)
