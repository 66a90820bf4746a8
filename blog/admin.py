from django.contrib import admin

from blog import services
from blog.models import Comment, Post


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    raw_id_fields = ["author"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "created_at"]
    list_select_related = ["author"]
    search_fields = ["title", "body", "author__nickname"]
    raw_id_fields = ["author"]
    readonly_fields = ["excerpt"]
    inlines = [CommentInline]

    def save_model(self, request, obj: Post, form, change: bool) -> None:
        # The form has put its values on obj already: render the body as the site's writes do.
        services.post_render_body(post=obj, body=obj.body)
        super().save_model(request, obj, form, change)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["post", "author", "created_at"]
    list_select_related = ["post", "author"]
    raw_id_fields = ["post", "author"]
