"""The editors' image form (WAGTAILIMAGES_IMAGE_FORM_BASE): every image uploaded in the
admin carries a description, which pages use as its alt text where a photo has no caption."""

from django.utils.translation import gettext_lazy
from wagtail.images.forms import BaseImageForm


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The multiple uploader's first step sends the file alone; its edit form, the
        # single upload and the chooser's upload all include the description.
        if "description" in self.fields:
            field = self.fields["description"]
            field.required = True
            field.label = gettext_lazy("Image description (alt text)")
            field.help_text = gettext_lazy("What the picture shows, in one sentence, e.g. party volunteers measure "
                                           "elderly residents' blood pressure. Screen readers read it to blind readers.")
