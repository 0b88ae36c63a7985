import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from dangjian.accounts.models import User
from dangjian.accounts.phone import mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    ["13800138000", " 138 0013 8000 ", "138-0013-8000", "+86 138 0013 8000", "008613800138000", "+8613800138000"],
)
def test_spellings_of_one_mobile_number_normalize_alike(raw):
    assert normalize_phone(raw) == "+8613800138000"


@pytest.mark.parametrize(
    "raw, code",
    [("", "required"), ("   ", "required"), ("12345", "invalid"), ("abc", "invalid"), ("1380013800", "invalid"), ("138001380001", "invalid"),
     ("010-12345678", "not_mobile"), ("1" * 200, "too_long"), ("<script>", "invalid"), ("１３８００１３８０００", None)],
)
def test_bad_numbers_get_a_chinese_message(raw, code):
    if code is None:  # full-width digits are what some Chinese input methods type
        assert normalize_phone(raw) == "+8613800138000"
        return
    with pytest.raises(ValidationError) as error:
        normalize_phone(raw)
    assert error.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.value.messages[0])


def test_mask_phone():
    assert mask_phone("+8613800138000") == "138****8000"


@pytest.mark.django_db
def test_phone_is_stored_normalized_and_unique():
    user = User.objects.create_user(username="a", phone="138 0013 8000")
    assert user.phone == "+8613800138000"
    with pytest.raises(IntegrityError):
        User.objects.create_user(username="b", phone="+86 13800138000")


@pytest.mark.django_db
def test_users_without_phone_coexist_and_unverified_without_phone():
    a = User.objects.create_user(username="a", phone="")
    b = User.objects.create_user(username="b", phone_verified=True)
    assert a.phone is None and b.phone is None
    assert b.phone_verified is False


@pytest.mark.django_db
def test_clean_reports_the_phone_field():
    user = User(username="c", phone="12345")
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "phone" in error.value.message_dict
