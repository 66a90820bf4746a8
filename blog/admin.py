from django.contrib import admin

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
    inlines = [CommentInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["post", "author", "created_at"]
    list_select_related = ["post", "author"]
    raw_id_fields = ["post", "author"]
