from __future__ import annotations

import unicodedata

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm

from .models import User
from .phone import normalize_phone


class CaptchaInput(CaptchaTextInput):
    """The picture large, described and with a button for another one; the answer typed on
    the phone's number pad."""

    template_name = "accounts/widgets/captcha.html"


def captcha_field() -> CaptchaField:
    return CaptchaField(
        label=_("Answer the question in the picture"),
        widget=CaptchaInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}),
        error_messages={"invalid": _("The answer to the picture is wrong; please try the new one."),
                        "required": _("Please answer the question in the picture.")},
    )


class CaptchaMixin:
    """A captcha when the view or the form finds one needed; `add_captcha` after a check
    failed shows it on the form that is sent back."""

    def add_captcha(self) -> None:
        self.fields.setdefault("captcha", captcha_field())


def phone_field(**attrs: str) -> forms.CharField:
    """A mobile number, with normalize_phone's messages for a blank or overlong entry too
    (Django's own say "this field" and count characters)."""
    return forms.CharField(
        label=_("Mobile number"), max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", **attrs}),
        error_messages={"required": _("Please enter a mobile number."),
                        "max_length": _("The mobile number is too long; please check it and try again.")},
    )


class PhoneForm(CaptchaMixin, forms.Form):
    phone = phone_field(autocomplete="tel")

    def __init__(self, *args, with_captcha: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_captcha:
            self.add_captcha()

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "real_name", "organization"]


class CodeForm(CaptchaMixin, forms.Form):
    code = forms.CharField(
        label=_("SMS code"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"max_length": _("The code has 6 digits.")},
    )

    def __init__(self, *args, with_captcha: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_captcha:
            self.add_captcha()

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if len(code) != 6 or not code.isdigit():
            raise ValidationError(_("The code has 6 digits."))
        return code


def normalize_code(text: str) -> str:
    """Digits in ASCII: Chinese input methods in full-width mode type １２３４５６, and copied
    codes carry spaces."""
    return "".join(str(unicodedata.decimal(char, "x")) for char in text[:20] if not char.isspace())


class StaffLoginForm(CaptchaMixin, LoginForm):
    """The admin's password login. Wrong passwords count against the client's address and
    prefix (counted before the check, so parallel guesses cannot overrun the limit) and,
    after a few for one user name, that name needs the captcha: no number of wrong
    passwords from a stranger locks its owner out. Every attempt goes to the login records."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import password_captcha_required

        self.fields["password"].label = _("Password")  # Wagtail's form has none: "Password", from the field name
        if self.is_bound and password_captcha_required(self.data.get("username") or ""):
            self.add_captcha()

    def clean(self):
        from dangjian.core.clientip import client_ip

        from . import services
        from .limits import counters
        from .models import LoginRecord
        from .selectors import password_captcha_required
        from .throttling import password_captcha_limit

        username = (self.cleaned_data.get("username") or "").strip()
        ip = client_ip(self.request.META) if self.request else ""
        agent = self.request.META.get("HTTP_USER_AGENT", "") if self.request else ""

        def record(result, user=None):
            services.login_record_add(identifier=username, method=LoginRecord.Method.PASSWORD, result=result,
                                      ip=ip, user_agent=agent, user=user)

        if self.errors:  # the captcha was needed and is missing or wrong: no password is checked
            return self.cleaned_data
        free = [] if "captcha" in self.fields else [password_captcha_limit(username)]
        if free and counters().consume(free) is not None:
            self.add_captcha()  # reached by parallel attempts after the form was built
            raise ValidationError(_("Please answer the question in the picture."), code="captcha")
        try:
            with services.guess_reserved(kind="password", ip=ip) as outcome:
                try:
                    cleaned = super().clean()
                except ValidationError:
                    record(LoginRecord.Result.WRONG_PASSWORD)
                    raise
                outcome.right = True
        except services.TooManyGuesses as refused:
            if free:
                counters().release(free)
            record(LoginRecord.Result.LOCKED)
            raise ValidationError(
                _("Too many wrong passwords from this network. Please try again in %(minutes)d minutes, or sign in with an SMS code.")
                % {"minutes": max(1, refused.retry_after // 60)},
                code="locked",
            ) from None
        except ValidationError:
            if password_captcha_required(username):
                self.add_captcha()
            raise
        if free:
            counters().release(free)
        record(LoginRecord.Result.SUCCESS, self.get_user())
        return cleaned
