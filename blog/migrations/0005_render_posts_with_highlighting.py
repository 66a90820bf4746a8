"""Render the stored posts again: code blocks get Pygments' classes, table columns their alignment, excerpts lose code."""

from django.db import migrations

from blog.markdown import render_stored


def render_existing_posts(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    for post in Post.objects.only("id", "body").iterator(chunk_size=500):
        rendered = render_stored(post.body)
        Post.objects.filter(pk=post.pk).update(body_html=rendered.html, excerpt=rendered.excerpt)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0004_render_existing_posts"),
    ]

    # The HTML before was the same Markdown rendered with less: nothing to undo.
    operations = [migrations.RunPython(render_existing_posts, migrations.RunPython.noop)]
