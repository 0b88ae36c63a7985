from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.forms import normalize_code, phone_field
from dangjian.core.scans import MAX_BYTES, scan_clean
from dangjian.portal.models import without_control_characters

from . import regions
from .services import ApplicationContent

TEXT_FIELDS = ("organization", "contact_name", "channel_name", "description")


class ApplicationForm(forms.Form):
    """Step two of applying: the contact number was given (and sent a code) in step one."""

    organization = forms.CharField(label=_("Organization (full name)"), max_length=100)
    province = forms.CharField(label=_("Province"), max_length=6)
    city = forms.CharField(label=_("City"), max_length=6)
    county = forms.CharField(label=_("County or district (optional)"), max_length=6, required=False)
    contact_name = forms.CharField(label=_("Contact person (real name)"), max_length=30)
    code = forms.CharField(label=_("SMS code"), max_length=20,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    letter = forms.FileField(label=_("Official letter (PDF, JPEG or PNG, at most 10 MB)"),
                             widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))
    channel_name = forms.CharField(label=_("Proposed channel name"), max_length=30)
    slug = forms.CharField(label=_("Proposed address /city/…/ (letters, digits, hyphens)"), max_length=40)
    description = forms.CharField(label=_("Channel description"), max_length=200, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, contact_phone: str, needs_code: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact_phone = contact_phone
        if not needs_code:
            del self.fields["code"]

    def _clean_text(self, name: str) -> str:
        value = " ".join(without_control_characters(self.cleaned_data.get(name, "")).split())
        if not value and self.fields[name].required:
            raise ValidationError(self.fields[name].error_messages["required"])
        return value

    def clean_organization(self):
        return self._clean_text("organization")

    def clean_contact_name(self):
        return self._clean_text("contact_name")

    def clean_channel_name(self):
        return self._clean_text("channel_name")

    def clean_description(self):
        return self._clean_text("description")

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].strip().lower()

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if len(code) != 6 or not code.isdigit():
            raise ValidationError(_("The code has 6 digits."))
        return code

    def clean_letter(self):
        upload = self.cleaned_data["letter"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The letter is larger than 10 MB. Please scan it at a lower resolution."))
        return scan_clean(upload.read())

    def clean(self):
        data = super().clean()
        province, city, county = data.get("province", ""), data.get("city", ""), data.get("county", "")
        chosen = regions.lookup(county) if county else regions.lookup(city)
        if chosen is None or not chosen.code.startswith(province[:2]) or (county and chosen.parent != city) \
                or (not county and chosen.parent != province):
            self.add_error("city", _("Please choose the province and the city of the channel."))
        else:
            data["region_code"] = chosen.code
        return data

    def content(self) -> ApplicationContent:
        data = self.cleaned_data
        return ApplicationContent(
            organization=data["organization"], region_code=data["region_code"], contact_name=data["contact_name"],
            contact_phone=self.contact_phone, channel_name=data["channel_name"], slug=data["slug"],
            description=data["description"], letter=data["letter"],
        )


class StaffForm(forms.Form):
    phone = phone_field()
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting (the applicant sees it)"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Please give the reason: the applicant sees it.")})
