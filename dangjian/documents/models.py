"""Wagtail's documents, kept in the private storage: a document is only ever read through
Wagtail's serve view, after the view restrictions of its collection (a login, a password, a
group) are checked. Wagtail's own model keeps the file in the public media storage, where
anyone who learns its URL reads a restricted document.

The model keeps Wagtail's name, Document, so its permissions keep theirs (add_document,
choose_document…); the reverse accessors get names of their own beside Wagtail's model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from wagtail.documents.models import AbstractDocument
from wagtail.documents.models import Document as WagtailDocument

from dangjian.core.models import private_storage


class Document(AbstractDocument):
    file = models.FileField(_("file"), storage=private_storage, upload_to="documents")
    uploaded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by user"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="private_documents",
    )
    uploaded_by_user.wagtail_reference_index_ignore = True
    tags = TaggableManager(help_text=None, blank=True, verbose_name=_("tags"), related_name="private_documents")
    admin_form_fields = WagtailDocument.admin_form_fields

    class Meta(AbstractDocument.Meta):
        permissions = [("choose_document", "Can choose document")]
