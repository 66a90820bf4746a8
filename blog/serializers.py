"""What the posts API accepts and answers."""

from django.db import models
from rest_framework import serializers

from accounts.models import User
from blog.models import Comment, Post
from config.text import StrictCharField


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "nickname", "profile_image_url"]


class TextModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text fields take JSON strings only: 123 is refused, not saved as "123"."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }


class PostSummarySerializer(TextModelSerializer):
    """A post as lists show it, like the home page: its excerpt, without its body or the body's HTML."""

    author = AuthorSerializer(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "excerpt", "author", "comment_count", "created_at", "updated_at"]


class PostSerializer(PostSummarySerializer):
    """A post whole: what one post's address answers, and what a write sends and gets back."""

    class Meta(PostSummarySerializer.Meta):
        # body_html and excerpt are the stored rendering of body, the same the pages show (read-only).
        fields = ["id", "title", "body", "body_html", "excerpt", "author", "comment_count", "created_at", "updated_at"]


class CommentSerializer(TextModelSerializer):
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "post", "author", "body", "created_at"]
        read_only_fields = ["post"]
