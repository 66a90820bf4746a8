"""The migration that added the stored HTML renders the posts written before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.blog.bodies import TWENTY_WIDE_TABLES

BEFORE = [("blog", "0003_post_body_html_excerpt")]


@pytest.mark.django_db(transaction=True)
def test_migration_renders_the_html_and_excerpt_of_existing_posts():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="old", nickname="old")
    post = old_apps.get_model("blog", "Post").objects.create(author=user, title="t", body="# 예전 글\n\n**굵게**")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0004 renders them, and the tests after need the rest

    from blog.models import Post

    migrated = Post.objects.get(pk=post.pk)
    assert migrated.body_html == "<h1>예전 글</h1>\n<p><strong>굵게</strong></p>\n"
    assert migrated.excerpt == "예전 글 굵게"


@pytest.mark.django_db(transaction=True)
def test_migration_gives_stored_posts_highlighted_code_and_code_free_excerpts():
    before = [("blog", "0004_render_existing_posts")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="older", nickname="older")
    body = "글입니다.\n\n```python\ndef hello():\n    return 1\n```\n"
    post = old_apps.get_model("blog", "Post").objects.create(
        author=user, title="t", body=body, body_html="<p>stale</p>", excerpt="stale def hello"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from blog.models import Post

    migrated = Post.objects.get(pk=post.pk)
    assert '<span class="tok-k">def</span>' in migrated.body_html  # Pygments' token classes
    assert "stale" not in migrated.body_html
    assert "def hello" not in migrated.excerpt


@pytest.mark.django_db(transaction=True)
def test_migration_gives_a_stored_post_over_a_budget_a_notice_and_its_start_instead_of_megabytes(client):
    before = [("blog", "0005_render_posts_with_highlighting")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="oldest", nickname="oldest")
    # As the post was rendered before the budgets: 13 MB in the report, a megabyte here.
    post = old_apps.get_model("blog", "Post").objects.create(
        author=user, title="t", body=TWENTY_WIDE_TABLES, body_html="<table>" + "<td></td>\n" * 100_000, excerpt=""
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    page = client.get(f"/posts/{post.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "This post is over the size limits posts have now" in page.content.decode()
    assert "<td>" not in page.content.decode()
    assert len(page.content) < 50_000
