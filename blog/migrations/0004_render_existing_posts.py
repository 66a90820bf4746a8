"""Render the posts written before their HTML was stored, with the renderer of today."""

from django.db import migrations

from blog.markdown import render_stored


def render_existing_posts(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    for post in Post.objects.only("id", "body").iterator(chunk_size=500):
        rendered = render_stored(post.body)
        Post.objects.filter(pk=post.pk).update(body_html=rendered.html, excerpt=rendered.excerpt)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_post_body_html_excerpt"),
    ]

    # Going back drops the two columns: nothing to undo here.
    operations = [migrations.RunPython(render_existing_posts, migrations.RunPython.noop)]
