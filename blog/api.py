"""The posts API: anyone reads; logged-in users write; only authors (or staff) change their own."""

from django.shortcuts import get_object_or_404
from rest_framework import generics
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticatedOrReadOnly

from accounts.authentication import account_of
from blog import selectors, services
from blog.models import Comment, Post
from blog.permissions import can_change
from blog.serializers import CommentSerializer, PostSerializer


class IsAuthorOrStaffOrReadOnly(BasePermission):
    """Staff is known from the token's ``roles`` claim: no database read to decide."""

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or can_change(request.user, obj)


class PostListView(generics.ListCreateAPIView):
    """List posts, newest first; write one."""

    serializer_class = PostSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        return selectors.post_list()

    def perform_create(self, serializer: PostSerializer) -> None:
        post = services.post_create(author=account_of(self.request.user), **serializer.validated_data)
        serializer.instance = selectors.post_list().get(pk=post.pk)


class PostDetailView(generics.RetrieveUpdateDestroyAPIView):
    """Read a post; its author or staff may change or delete it."""

    serializer_class = PostSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, IsAuthorOrStaffOrReadOnly]

    def get_queryset(self):
        return selectors.post_list()

    def perform_update(self, serializer: PostSerializer) -> None:
        post = serializer.instance
        changes = {"title": post.title, "body": post.body, **serializer.validated_data}
        services.post_update(post=post, **changes)
        serializer.instance = selectors.post_list().get(pk=post.pk)


class CommentListView(generics.ListCreateAPIView):
    """List a post's comments, oldest first; add one."""

    serializer_class = CommentSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_post(self) -> Post:
        return get_object_or_404(Post, pk=self.kwargs["post_id"])

    def get_queryset(self):
        return selectors.post_comments(post=self.get_post())

    def perform_create(self, serializer: CommentSerializer) -> None:
        serializer.instance = services.comment_create(
            post=self.get_post(), author=account_of(self.request.user), body=serializer.validated_data["body"]
        )


class CommentDetailView(generics.RetrieveUpdateDestroyAPIView):
    """Read a comment; its author or staff may change or delete it."""

    serializer_class = CommentSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, IsAuthorOrStaffOrReadOnly]

    def get_queryset(self):
        return Comment.objects.select_related("author").filter(post_id=self.kwargs["post_id"])

    def perform_update(self, serializer: CommentSerializer) -> None:
        body = serializer.validated_data.get("body", serializer.instance.body)
        serializer.instance = services.comment_update(comment=serializer.instance, body=body)
