from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
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
    # Part of the session hash: raising it logs the user out everywhere ("log out all my
    # sessions"), which Django otherwise does only when the password changes.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
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

    def get_session_auth_hash(self) -> str:
        return salted_hmac("dangjian.accounts.session", f"{self.password}:{self.session_epoch}", algorithm="sha256").hexdigest()

    def __str__(self) -> str:
        return self.display_name or self.real_name or self.get_username()


class RateCounter(models.Model):
    """A fixed-window counter for limits.DatabaseCounters (the embedded default)."""

    key = models.CharField(max_length=100, primary_key=True)
    expires = models.PositiveBigIntegerField(db_index=True)
    hits = models.PositiveIntegerField(default=0)


class PhoneCode(models.Model):
    """An SMS code: only its keyed hash is stored. One live code per phone and purpose."""

    class Purpose(models.TextChoices):
        LOGIN = "login", _("Log in")
        PHONE_CHANGE = "phone_change", _("Change mobile number")
        PHONE_CONFIRM_OLD = "phone_old", _("Confirm the current mobile number")
        CITY_APPLICATION = "city_application", _("City channel application")
        COMPLAINT = "complaint", _("Copyright complaint")

    phone = models.CharField(max_length=20)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["phone", "purpose"], name="accounts_one_code_per_phone_purpose")]


class LoginRecord(models.Model):
    """Every login attempt, kept at least 180 days (settings.LOGIN_RECORD_DAYS)."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        WRONG_CODE = "wrong_code", _("Wrong or expired code")
        WRONG_PASSWORD = "wrong_password", _("Wrong password")
        LOCKED = "locked", _("Locked out")

    class Method(models.TextChoices):
        SMS = "sms", _("SMS code")
        PASSWORD = "password", _("Password")

    created_at = models.DateTimeField(_("Time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey("accounts.User", verbose_name=_("User"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    identifier = models.CharField(_("Phone or user name"), max_length=150, help_text=_("Phone numbers are stored masked."))
    method = models.CharField(_("Method"), max_length=10, choices=Method.choices)
    result = models.CharField(_("Result"), max_length=20, choices=Result.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("Browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Login record")
        verbose_name_plural = _("Login records")
        ordering = ["-created_at"]
