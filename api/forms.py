from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Zotero on my laptop”."),
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        label=_("Scope"),
        widget=forms.RadioSelect,
        help_text=_("Read only can read what you can read; read and write can also change it."),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if "\x00" in name:
            raise forms.ValidationError(_("A name cannot contain NUL characters."))
        return name
