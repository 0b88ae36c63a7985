from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from dangjian.portal.models import ChannelPage, without_control_characters

from .models import Submission
from .photos import photo_clean, request_budget
from .sanitize import MAX_HTML_CHARS, rich_text_from_html
from .selectors import accepting_channels
from .services import MAX_PHOTOS, Photo, SubmissionContent

CONTACT_PHONE = re.compile(r"^\+?[\d\s()-]{7,20}$")
REQUIRED = {"required": gettext_lazy("Please fill this in.")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one file input, each checked and cleaned (photos.photo_clean)."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        cleaned, errors, budget = [], [], request_budget()
        for upload in files:  # one at a time: one photo's bytes and pixels in memory at once
            try:
                cleaned.append(photo_clean(upload.read(MAX_UPLOAD_READ), budget=budget))
            except ValidationError as error:
                errors.append(f"{upload.name}：{error.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return cleaned


MAX_UPLOAD_READ = 10 * 1024 * 1024 + 1  # one byte more than allowed: enough to tell it is too large


BLOCK_TAG = re.compile(r"<(p|h[1-6]|ul|ol|li|blockquote|br|div|hr)\b", re.I)


def _text_to_html(text: str) -> str:
    """A body typed without the editor (no script, or an old phone): a paragraph per line.
    Not escaped: the sanitizer that follows makes text of what is not allowed markup."""
    return "".join(f"<p>{line.strip()}</p>" for line in text.splitlines() if line.strip())


def channel_choices(channels, empty_label) -> list:
    """National channels first, then each city's columns under the city's name (a column
    title such as 工作动态 alone would not say whose it is)."""
    channels = list(channels)
    steplen = Page.steplen
    owners = {page.path: page.title for page in Page.objects.filter(
        path__in={channel.path[:-steplen] for channel in channels if channel.depth > 3})}
    national = [(channel.pk, channel.title) for channel in channels if channel.depth <= 3]
    groups: dict[str, list] = {}
    for channel in channels:
        if channel.depth > 3:
            groups.setdefault(owners.get(channel.path[:-steplen], ""), []).append((channel.pk, channel.title))
    if not groups:
        return [("", empty_label), *national]
    return [("", empty_label), (gettext_lazy("National channels"), national), *groups.items()]


class SubmissionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120, error_messages=REQUIRED)
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"), queryset=ChannelPage.objects.none(), empty_label=gettext_lazy("Choose a channel"),
        error_messages={**REQUIRED, "invalid_choice": gettext_lazy("This channel does not accept contributions; please choose another.")},
    )
    body = forms.CharField(label=gettext_lazy("Body"), widget=forms.Textarea(attrs={"rows": 14, "data-rich-editor": ""}),
                           error_messages=REQUIRED)
    author = forms.CharField(label=gettext_lazy("Author"), max_length=100, error_messages=REQUIRED)
    organization = forms.CharField(label=gettext_lazy("Organization"), max_length=100, error_messages=REQUIRED)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=20, error_messages=REQUIRED,
                                    help_text=gettext_lazy("Only the editors see it."),
                                    widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
    origin = forms.ChoiceField(label=gettext_lazy("Original or repost"), choices=Submission.Origin.choices,
                               initial=Submission.Origin.ORIGINAL, widget=forms.RadioSelect)
    source_name = forms.CharField(label=gettext_lazy("Reposted from"), max_length=100, required=False)
    source_url = forms.URLField(label=gettext_lazy("Original URL"), max_length=500, required=False, assume_scheme="https",
                                error_messages={"invalid": gettext_lazy("Please enter a web address starting with http:// or https://.")})
    original_author = forms.CharField(label=gettext_lazy("Original author"), max_length=100, required=False)
    original_title = forms.CharField(label=gettext_lazy("Original title"), max_length=255, required=False)
    new_photos = PhotosField(label=gettext_lazy("Add photos"), required=False,
                             help_text=gettext_lazy("JPEG, PNG or WebP, up to 10 MB each, at most 20 photos."))
    declaration = forms.BooleanField(
        label=gettext_lazy("I declare that this article is my own work or reposted with permission, that its content is true, and that I am responsible for it."),
        required=False,
    )

    def __init__(self, *args, photos: list[tuple[object, str]] = (), submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = accepting_channels()
        self.fields["channel"].choices = channel_choices(self.fields["channel"].queryset, self.fields["channel"].empty_label)
        self.submitting = submitting
        self.photos = list(photos)
        self.body_too_long = False
        if self.is_bound and "body" in self.data:
            self.body_too_long = len(self.data["body"]) > MAX_HTML_CHARS
            # What the editor shows again after an error is the sanitized HTML, never the
            # raw POST: the page would otherwise put the sender's markup into the editor.
            self.data = self.data.copy()
            self.data["body"] = rich_text_from_html(self._body_html(self.data["body"]))
        for index, (_image, caption) in enumerate(self.photos):
            self.fields[f"caption_{index}"] = forms.CharField(label=gettext_lazy("Caption"), max_length=200, required=False, initial=caption,
                                                               help_text=gettext_lazy("What the photo shows; needed before submitting."))
            self.fields[f"remove_{index}"] = forms.BooleanField(label=gettext_lazy("Remove"), required=False)

    @property
    def photo_rows(self):
        return [(image, self[f"caption_{index}"], self[f"remove_{index}"]) for index, (image, _caption) in enumerate(self.photos)]

    @staticmethod
    def _body_html(raw: str) -> str:
        return raw if BLOCK_TAG.search(raw) else _text_to_html(raw)

    @classmethod
    def initial_from(cls, page, submission: Submission) -> dict:
        text = "".join(str(block.value) for block in page.body if block.block_type == "text")
        return {
            "title": page.title, "channel": page.get_parent().pk, "body": expand_db_html(text) if text else "",
            "author": page.byline_author, "organization": page.byline_organization, "contact_phone": submission.contact_phone,
            "origin": submission.origin, "source_name": page.source_name, "source_url": page.source_url,
            "original_author": page.original_author, "original_title": page.original_title,
            "declaration": submission.declared_at is not None,
        }

    @staticmethod
    def photos_of(page) -> list[tuple[object, str]]:
        return [(block.value["image"], block.value["caption"]) for block in page.body
                if block.block_type == "image" and block.value["image"] is not None]

    def clean_title(self) -> str:
        title = without_control_characters(self.cleaned_data["title"]).strip()
        if not title:
            raise ValidationError(_("Please fill this in."))
        return title

    def clean_body(self) -> str:
        if self.body_too_long:
            raise ValidationError(_("The body is too long (more than %(count)d characters); please shorten it.") % {"count": MAX_HTML_CHARS})
        body = self.cleaned_data["body"]  # sanitized in __init__
        if not strip_tags(body).strip():
            raise ValidationError(_("Please write the body of the article."))
        return body

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip()
        if not CONTACT_PHONE.match(phone) or sum(c.isdigit() for c in phone) < 7:
            raise ValidationError(_("Please enter a phone number the editors can call, e.g. 13800138000 or 010-12345678."))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("origin") == Submission.Origin.REPOST and not data.get("source_name", "").strip():
            self.add_error("source_name", _("A repost must name its source."))
        if self.submitting and not data.get("declaration"):
            self.add_error("declaration", _("Please read and accept the declaration before submitting."))
        kept = [index for index in range(len(self.photos)) if not data.get(f"remove_{index}")]
        if len(kept) + len(data.get("new_photos") or []) > MAX_PHOTOS:
            self.add_error("new_photos", _("At most %(count)d photos per submission.") % {"count": MAX_PHOTOS})
        return data

    def content(self) -> SubmissionContent:
        data = self.cleaned_data
        photos = [Photo(image=image, caption=data.get(f"caption_{index}", "").strip())
                  for index, (image, _caption) in enumerate(self.photos) if not data.get(f"remove_{index}")]
        photos += [Photo(upload=upload) for upload in data.get("new_photos") or []]
        return SubmissionContent(
            title=data["title"], channel=data["channel"], body=data["body"], author=data["author"].strip(),
            organization=data["organization"].strip(), contact_phone=data["contact_phone"], origin=data["origin"],
            source_name=data["source_name"].strip(), source_url=data["source_url"], original_author=data["original_author"].strip(),
            original_title=data["original_title"].strip(), photos=photos, declared=bool(data.get("declaration")),
        )
