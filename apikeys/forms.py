"""The staff form that creates an API key (the page under the profile and the admin share it)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from apikeys import services
from apikeys.models import Scope


class ApiKeyCreateForm(forms.Form):
    username = forms.CharField(label=_("User"), max_length=150, help_text=_("The key acts as this user."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=services.MAX_DAYS, initial=services.DEFAULT_DAYS
    )
    label = forms.CharField(
        label=_("Label"), max_length=services.LABEL_MAX_CHARS, required=False, help_text=_("What the key is for.")
    )

    def __init__(self, *args, creator: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.creator = creator

    def clean_username(self) -> User:
        user = User.objects.filter(username=self.cleaned_data["username"], is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active user has this username."))
        try:
            services.api_key_check_creator(creator=self.creator, user=user)
        except services.ApiKeyRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return user
