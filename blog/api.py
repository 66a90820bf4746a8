"""The posts API: anyone reads; logged-in users write; only authors (or staff) change their own."""

from django.shortcuts import get_object_or_404
from rest_framework import exceptions, generics, status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticatedOrReadOnly

from apikeys.permissions import HasApiKeyScope
from blog import markdown, selectors, services
from blog.models import Comment, Post
from blog.permissions import COMMENT_SCOPES, POST_SCOPES, can_change
from blog.serializers import CommentSerializer, PostSerializer, PostSummarySerializer
from tokens.authentication import account_of


class IsActiveAccountOrReadOnly(BasePermission):
    """Reads trust the access token alone; a write first reads the account, which may be gone since.

    An access token outlives a deactivation or a deletion by minutes: without this, its holder
    could still edit and delete. A gone account answers 401 (``account_of``).
    """

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS:
            # The row replaces the token's user: the write and the checks after this one
            # (staff or not) use what the database says now, not what the token said.
            request.user = account_of(request)
        return True


class IsAuthorOrStaffOrReadOnly(BasePermission):
    """Only the author or staff change a post or comment."""

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or can_change(request.user, obj)


class BodyRefused(exceptions.APIException):
    """A body within the length cap whose rendering passes a bound: a 400 with the bound's own code."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, refused: markdown.RenderRefused) -> None:
        super().__init__(refused.message, refused.code)
        # Shaped like the body field's validation error as well, for clients that show errors by field.
        self.extra = {"body": [refused.message], "errors": {"body": [refused.message]}}


class RefusedBodyIs400:
    """Answer a body that blog/markdown.py refuses to render with BodyRefused, not a 500."""

    def handle_exception(self, exc: Exception):
        if isinstance(exc, markdown.RenderRefused):
            exc = BodyRefused(exc)
        return super().handle_exception(exc)


class PostListView(RefusedBodyIs400, generics.ListCreateAPIView):
    """List posts, newest first, each with its excerpt (its address answers the whole post); write one."""

    api_key_scopes = POST_SCOPES
    permission_classes = [HasApiKeyScope, IsAuthenticatedOrReadOnly, IsActiveAccountOrReadOnly]

    def get_serializer_class(self):
        # A post's HTML may be a megabyte: a page of ten would be ten, for a list that shows excerpts.
        return PostSummarySerializer if self.request.method in SAFE_METHODS else PostSerializer

    def get_queryset(self):
        return selectors.post_summaries()

    def perform_create(self, serializer: PostSerializer) -> None:
        post = services.post_create(author=self.request.user, **serializer.validated_data)
        serializer.instance = selectors.post_list().get(pk=post.pk)


class PostDetailView(RefusedBodyIs400, generics.RetrieveUpdateDestroyAPIView):
    """Read a post; its author or staff may change or delete it."""

    api_key_scopes = POST_SCOPES
    serializer_class = PostSerializer
    permission_classes = [
        HasApiKeyScope,
        IsAuthenticatedOrReadOnly,
        IsActiveAccountOrReadOnly,
        IsAuthorOrStaffOrReadOnly,
    ]

    def get_queryset(self):
        return selectors.post_list()

    def perform_update(self, serializer: PostSerializer) -> None:
        post = serializer.instance
        changes = {"title": post.title, "body": post.body, **serializer.validated_data}
        services.post_update(post=post, **changes)
        serializer.instance = selectors.post_list().get(pk=post.pk)


class CommentListView(generics.ListCreateAPIView):
    """List a post's comments, oldest first; add one."""

    api_key_scopes = COMMENT_SCOPES
    serializer_class = CommentSerializer
    permission_classes = [HasApiKeyScope, IsAuthenticatedOrReadOnly, IsActiveAccountOrReadOnly]

    def get_post(self) -> Post:
        return get_object_or_404(Post, pk=self.kwargs["post_id"])

    def get_queryset(self):
        return selectors.post_comments(post=self.get_post())

    def perform_create(self, serializer: CommentSerializer) -> None:
        serializer.instance = services.comment_create(
            post=self.get_post(), author=self.request.user, body=serializer.validated_data["body"]
        )


class CommentDetailView(generics.RetrieveUpdateDestroyAPIView):
    """Read a comment; its author or staff may change or delete it."""

    api_key_scopes = COMMENT_SCOPES
    serializer_class = CommentSerializer
    permission_classes = [
        HasApiKeyScope,
        IsAuthenticatedOrReadOnly,
        IsActiveAccountOrReadOnly,
        IsAuthorOrStaffOrReadOnly,
    ]

    def get_queryset(self):
        return Comment.objects.select_related("author").filter(post_id=self.kwargs["post_id"])

    def perform_update(self, serializer: CommentSerializer) -> None:
        body = serializer.validated_data.get("body", serializer.instance.body)
        serializer.instance = services.comment_update(comment=serializer.instance, body=body)
