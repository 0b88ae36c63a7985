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
        _("手机号码"), max_length=20, unique=True, null=True, blank=True,
        help_text=_("中国大陆手机号码，保存为 +86 开头的国际格式。"),
    )
    phone_verified = models.BooleanField(
        _("手机号已验证"), default=False,
        help_text=_("通过短信验证码验证过的手机号才能投稿（实名制要求）。"),
    )
    display_name = models.CharField(_("昵称"), max_length=50, blank=True)
    real_name = models.CharField(_("真实姓名"), max_length=50, blank=True)
    organization = models.CharField(_("单位"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def clean(self) -> None:
        super().clean()
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as error:
                raise ValidationError({"phone": error.messages})

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
