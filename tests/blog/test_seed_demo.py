import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from blog.models import Comment, Post

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_korean_and_english_posts_with_markdown_code_and_comments():
    seed()
    posts = list(Post.objects.all())
    assert any(HANGUL.search(post.title) for post in posts)
    assert any(post.title.isascii() for post in posts)
    assert any("```" in post.body for post in posts)
    assert any("**" in post.body for post in posts)
    assert Comment.objects.exists()
    assert get_user_model().objects.filter(posts__isnull=False).distinct().count() > 1


def test_seed_demo_authors_cannot_log_in_with_a_password():
    seed()
    for user in get_user_model().objects.filter(posts__isnull=False).distinct():
        assert not user.has_usable_password()
        assert user.nickname


def test_seed_demo_twice_creates_nothing_new():
    seed()
    counts = (get_user_model().objects.count(), Post.objects.count(), Comment.objects.count())
    second = seed()
    assert (get_user_model().objects.count(), Post.objects.count(), Comment.objects.count()) == counts
    assert "0 new posts, 0 new comments" in second


def test_seed_demo_posts_show_on_home_with_code_block_on_detail(client):
    seed()
    home = client.get("/").content.decode()
    for post in Post.objects.all():
        assert post.title in home
    with_code = Post.objects.filter(body__contains="```python").first()
    detail = client.get(with_code.get_absolute_url()).content.decode()
    assert '<pre><code class="language-python">' in detail


def test_seed_demo_posts_are_stored_rendered(client):
    seed()
    for post in Post.objects.all():
        assert post.body_html.startswith("<")
        assert post.excerpt and "```" not in post.excerpt
