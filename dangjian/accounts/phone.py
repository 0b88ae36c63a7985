"""Mobile numbers: one normalized form (E.164) so each person matches one account."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_INPUT_LENGTH = 32


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return the number in E.164 form (+8613800138000) or raise ValidationError in Chinese.

    Spaces, dashes and a leading +86 / 0086 are accepted, as people type them; only mobile
    numbers are accepted because codes go out by SMS.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Please enter a mobile number."), code="required")
    if len(text) > MAX_INPUT_LENGTH:
        raise ValidationError(_("The mobile number is too long; please check it and try again."), code="too_long")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("The mobile number is not valid; please enter an 11-digit mobile number."), code="invalid"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("The mobile number is not valid; please enter an 11-digit mobile number."), code="invalid")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("Please enter a mobile number; landlines cannot receive codes."), code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """138****8000: what logs and screens show of a number."""
    national = e164[3:] if e164.startswith("+86") else e164
    if len(national) < 7:
        return "*" * len(national)
    return national[:3] + "*" * (len(national) - 7) + national[-4:]
