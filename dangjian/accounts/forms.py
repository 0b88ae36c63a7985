from __future__ import annotations

import unicodedata

from captcha.fields import CaptchaField
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm

from .models import User
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


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "real_name", "organization"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("SMS code"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"max_length": _("The code has 6 digits.")},
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if len(code) != 6 or not code.isdigit():
            raise ValidationError(_("The code has 6 digits."))
        return code


def normalize_code(text: str) -> str:
    """Digits in ASCII: Chinese input methods in full-width mode type １２３４５６, and copied
    codes carry spaces."""
    return "".join(str(unicodedata.decimal(char, "x")) for char in text[:20] if not char.isspace())


class StaffLoginForm(LoginForm):
    """The admin's password login with a lockout: 5 wrong passwords for a user name, or 20
    from one address, lock password login for 15 minutes (SMS code login still works).
    Every attempt goes to the login records."""

    def clean(self):
        from dangjian.core.clientip import client_ip

        from . import services
        from .limits import counters
        from .models import LoginRecord

        username = (self.cleaned_data.get("username") or "").strip()
        ip = client_ip(self.request.META) if self.request else ""
        agent = self.request.META.get("HTTP_USER_AGENT", "") if self.request else ""
        limits = services.password_limits(username=username, ip=ip)
        full = [item for item in limits if counters().count(item) >= item.limit]
        if full:
            services.login_record_add(identifier=username, method=LoginRecord.Method.PASSWORD,
                                      result=LoginRecord.Result.LOCKED, ip=ip, user_agent=agent)
            raise ValidationError(
                _("Too many wrong passwords. Password login is locked for %(minutes)d minutes; you can still sign in with an SMS code.")
                % {"minutes": services.PASSWORD_LOCK_SECONDS // 60},
                code="locked",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            counters().consume(limits)
            services.login_record_add(identifier=username, method=LoginRecord.Method.PASSWORD,
                                      result=LoginRecord.Result.WRONG_PASSWORD, ip=ip, user_agent=agent)
            raise
        services.login_record_add(identifier=username, method=LoginRecord.Method.PASSWORD,
                                  result=LoginRecord.Result.SUCCESS, ip=ip, user_agent=agent, user=self.get_user())
        return cleaned
