from django import forms
from django.contrib import admin

from blog import markdown, services
from blog.models import Comment, Post


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    raw_id_fields = ["author"]


class PostAdminForm(forms.ModelForm):
    """The admin's post form: it renders the body as the site's writes do, so that a refusal is a form error."""

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            # The rendering is set on the instance the admin saves: a body rendered once, not twice.
            services.post_render_body(post=self.instance, body=body)
        except markdown.RenderRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None
        return body


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "author", "created_at"]
    list_select_related = ["author"]
    search_fields = ["title", "body", "author__nickname"]
    raw_id_fields = ["author"]
    readonly_fields = ["excerpt"]
    inlines = [CommentInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["post", "author", "created_at"]
    list_select_related = ["post", "author"]
    raw_id_fields = ["post", "author"]
