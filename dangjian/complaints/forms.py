from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts.forms import CodeForm
from dangjian.core.scans import MAX_BYTES, scan_clean
from dangjian.portal.models import without_control_characters

from .models import Complaint
from .services import MAX_FILES, MAX_URLS, ComplaintContent

EVIDENCE_PAGES = 50
CASE_NUMBER = re.compile(r"TS\d{14}")
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScansField(forms.FileField):
    """Up to `limit` PDF, JPEG or PNG files from one input, each checked by what it is
    (core.scans); the errors name the file."""

    widget = MultipleFileInput(attrs={"accept": ACCEPT, "multiple": True})

    def __init__(self, *args, limit: int = MAX_FILES, **kwargs):
        self.limit = limit
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"])
        if len(files) > self.limit:
            raise ValidationError(_("At most %(count)d files.") % {"count": self.limit})
        cleaned, errors = [], []
        for upload in files:
            try:
                if upload.size > MAX_BYTES:
                    raise ValidationError(_("The file is larger than 10 MB. Please scan it at a lower resolution."))
                cleaned.append(scan_clean(upload.read(MAX_BYTES + 1), max_pages=EVIDENCE_PAGES))
            except ValidationError as error:
                errors.append(f"{upload.name[:80]}：{error.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return cleaned


def _text(value: str) -> str:
    return without_control_characters(value).strip()


class ComplaintForm(CodeForm):
    """Step two of a complaint: the number was given (and sent a code) in step one."""

    kind = forms.ChoiceField(label=gettext_lazy("You are"), choices=Complaint.Kind.choices, initial=Complaint.Kind.PERSON,
                             widget=forms.RadioSelect)
    name = forms.CharField(label=gettext_lazy("Name of the rights holder (person or organization)"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254,
                             error_messages={"invalid": gettext_lazy("Please enter a valid e-mail address.")})
    address = forms.CharField(label=gettext_lazy("Postal address"), max_length=200)
    work_title = forms.CharField(label=gettext_lazy("Title of your work"), max_length=200)
    urls = forms.CharField(
        label=gettext_lazy("Addresses of the infringing articles on this site (one per line)"), max_length=MAX_URLS * 520,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "url", "placeholder": "https://…/a/123/"}),
    )
    description = forms.CharField(label=gettext_lazy("Description: what is yours, and how the article infringes it"),
                                  max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    files = ScansField(label=gettext_lazy("Preliminary proof (PDF, JPEG or PNG, up to 5 files of 10 MB)"), required=False)
    good_faith = forms.BooleanField(
        label=gettext_lazy("I declare that the information in this complaint is true, that I hold the rights named or act for their holder, and that I bear the legal responsibility for it."),
        required=False,
    )

    field_order = ["kind", "name", "email", "address", "work_title", "urls", "description", "files", "good_faith", "code"]

    def clean_name(self):
        return _text(self.cleaned_data["name"]) or self._required()

    def clean_address(self):
        return _text(self.cleaned_data["address"]) or self._required()

    def clean_work_title(self):
        return _text(self.cleaned_data["work_title"]) or self._required()

    def clean_description(self):
        return _text(self.cleaned_data["description"]) or self._required()

    def _required(self):
        raise ValidationError(_("Please fill this in."))

    def clean(self):
        data = super().clean()
        if not data.get("good_faith"):
            self.add_error("good_faith", _("Please confirm the good-faith statement."))
        return data

    def content(self, *, phone: str) -> ComplaintContent:
        data = self.cleaned_data
        return ComplaintContent(
            kind=data["kind"], name=data["name"], phone=phone, email=data["email"], address=data["address"],
            work_title=data["work_title"], urls=data["urls"].splitlines(), description=data["description"],
            files=data.get("files") or [], good_faith=bool(data.get("good_faith")),
        )


class TrackForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Case number"), max_length=20)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip().upper()
        if not CASE_NUMBER.fullmatch(number):
            raise ValidationError(_("A case number is TS followed by 14 digits, e.g. TS20261206123456."))
        return number


class SupplementForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Additional information"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    files = ScansField(label=gettext_lazy("Files (PDF, JPEG or PNG, up to 5 files of 10 MB)"), required=False)


class CounterNoticeForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("Your statement: why the article does not infringe (your rights, the permission you have)"),
        max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = ScansField(label=gettext_lazy("Proof (PDF, JPEG or PNG, up to 5 files of 10 MB)"), required=False)


class DecisionForm(forms.Form):
    message = forms.CharField(label=gettext_lazy("Message to the complainant"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
