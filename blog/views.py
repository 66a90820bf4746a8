"""Blog pages: list, read, write, edit, delete, comment; and the styled error pages."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DeleteView, DetailView, ListView, UpdateView

from blog import markdown, selectors, services
from blog.forms import CommentForm, PostForm
from blog.models import Comment, Post
from blog.permissions import can_change


class PostListView(ListView):
    template_name = "blog/post_list.html"
    context_object_name = "posts"
    paginate_by = 10

    def get_queryset(self):
        return selectors.post_summaries()


class PostDetailView(DetailView):
    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def get_queryset(self):
        return selectors.post_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["comments"] = selectors.post_comments(post=self.object)
        context["comment_form"] = kwargs.get("comment_form") or CommentForm()
        context["can_change"] = can_change(self.request.user, self.object)
        return context


class PostPreviewMixin:
    """Show the post as readers will see it, without saving, when "Preview" was pressed; else save it.

    Either way a body whose rendering passes a bound (blog/markdown.py) is an error on the body field.
    """

    def form_valid(self, form):
        try:
            if "preview" in self.request.POST:
                preview = markdown.render(form.cleaned_data["body"]).html
                return self.render_to_response(self.get_context_data(form=form, preview=preview))
            return self.save(form)
        except markdown.RenderRefused as refused:
            form.add_error("body", ValidationError(refused.message, code=refused.code))
            return self.form_invalid(form)


class PostCreateView(LoginRequiredMixin, PostPreviewMixin, CreateView):
    form_class = PostForm
    template_name = "blog/post_form.html"

    def save(self, form):
        post = services.post_create(author=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Your post is published."))
        return redirect(post)


class AuthorRequiredMixin(LoginRequiredMixin):
    """Answer 403 unless the logged-in user wrote the object (or is staff)."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not can_change(self.request.user, obj):
            raise PermissionDenied
        return obj


class PostUpdateView(AuthorRequiredMixin, PostPreviewMixin, UpdateView):
    model = Post
    form_class = PostForm
    template_name = "blog/post_form.html"

    def save(self, form):
        post = services.post_update(post=self.object, **form.cleaned_data)
        messages.success(self.request, _("Your changes are saved."))
        return redirect(post)


class PostDeleteView(AuthorRequiredMixin, DeleteView):
    model = Post
    template_name = "blog/post_confirm_delete.html"
    success_url = reverse_lazy("blog:post_list")

    def form_valid(self, form):
        messages.success(self.request, _("Your post “%(title)s” is deleted.") % {"title": self.object.title})
        return super().form_valid(form)


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(selectors.post_list(), pk=pk)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={post.get_absolute_url()}")
    form = CommentForm(request.POST)
    if not form.is_valid():
        view = PostDetailView(request=request, kwargs={"pk": pk}, object=post)
        return render(request, view.template_name, view.get_context_data(comment_form=form), status=400)
    services.comment_create(post=post, author=request.user, body=form.cleaned_data["body"])
    messages.success(request, _("Your comment is posted."))
    return redirect(f"{post.get_absolute_url()}#comments")


class CommentDeleteView(AuthorRequiredMixin, DeleteView):
    model = Comment
    template_name = "blog/comment_confirm_delete.html"

    def form_valid(self, form):
        messages.success(self.request, _("Your comment is deleted."))
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return f"{self.object.post.get_absolute_url()}#comments"


def _error_page(request: HttpRequest, status: int, template: str = "error.html", **context) -> HttpResponse:
    return render(request, template, {"status": status, **context}, status=status)


def bad_request(request, exception=None):
    return _error_page(request, 400)


def permission_denied(request, exception=None):
    return _error_page(request, 403)


def page_not_found(request, exception=None):
    return _error_page(request, 404)


def server_error(request):
    # The session or the database may be what failed, so draw the page for an anonymous
    # visitor with no flash messages: nothing here may query them again.
    return _error_page(request, 500, user=AnonymousUser(), messages=())


def csrf_failure(request, reason=""):
    return _error_page(request, 403, csrf=True)
