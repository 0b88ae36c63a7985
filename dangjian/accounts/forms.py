from __future__ import annotations

from captcha.fields import CaptchaField
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .phone import normalize_phone


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"), max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
    )

    def __init__(self, *args, with_captcha: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_captcha:
            self.fields["captcha"] = CaptchaField(
                label=_("Answer the question in the picture"),
                error_messages={"invalid": _("The answer to the picture is wrong; please try the new one.")},
            )

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("SMS code"), min_length=6, max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
        error_messages={"min_length": _("The code has 6 digits."), "max_length": _("The code has 6 digits.")},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise ValidationError(_("The code has 6 digits."))
        return code
