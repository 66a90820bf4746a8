"""The migration that added the stored HTML renders the posts written before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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
