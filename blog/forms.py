from django import forms
from django.utils.translation import gettext_lazy as _

from blog.models import Comment, Post


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body"]
        widgets = {
            "title": forms.TextInput(attrs={"autofocus": True}),
            "body": forms.Textarea(attrs={"rows": 16, "placeholder": _("Write in Markdown: **bold**, `code`, ```blocks```")}),
        }


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3, "placeholder": _("Leave a comment")})}
        labels = {"body": _("Comment")}
