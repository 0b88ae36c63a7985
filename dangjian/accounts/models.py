from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .phone import normalize_phone


class User(AbstractUser):
    """A person: reader, contributor, reviewer, editor or operator.

    The phone number is optional (staff may be created with a password only) but unique,
    and always stored normalized, so that phone login can find exactly one account.
    """

    phone = models.CharField(
        _("Mobile number"), max_length=20, unique=True, null=True, blank=True,
        help_text=_("A mainland China mobile number, stored in international form (+86…)."),
    )
    phone_verified = models.BooleanField(
        _("Phone verified"), default=False,
        help_text=_("Only people whose number was verified by SMS code may contribute (real-name rule)."),
    )
    display_name = models.CharField(_("Display name"), max_length=50, blank=True)
    real_name = models.CharField(_("Real name"), max_length=50, blank=True)
    organization = models.CharField(_("Organization"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("Users")

    def clean(self) -> None:
        super().clean()
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as error:
                raise ValidationError({"phone": error.messages}) from error

    def save(self, *args, **kwargs) -> None:
        # Normalize here too, so code paths that skip full_clean cannot store a
        # second spelling of a number that already has an account.
        if self.phone:
            self.phone = normalize_phone(self.phone)
        else:
            self.phone = None
        if self.phone_verified and not self.phone:
            self.phone_verified = False
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.display_name or self.real_name or self.get_username()
