"""Account fixtures: clean counters, tasks run at once, and the SMS the console backend wrote."""

from __future__ import annotations

import re

import pytest

from dangjian.accounts.limits import RedisCounters, counters


@pytest.fixture(autouse=True)
def _clean_counters():
    # Counters in the database roll back with each test; those in Redis do not.
    if isinstance(counters(), RedisCounters):
        counters().clear()
    yield


@pytest.fixture
def sms_outbox(settings):
    """Tasks run as they are enqueued; returns a function listing (phone, code) sent so far."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SMS_BACKEND = "console"
    log = settings.DATA_DIR / "sms.log"
    log.unlink(missing_ok=True)

    def sent() -> list[tuple[str, str]]:
        if not log.exists():
            return []
        lines = [(line.split("\t")[1], re.search(r"验证码是 (\d{6})", line)) for line in log.read_text().splitlines()]
        return [(phone, code.group(1)) for phone, code in lines if code]  # codes only, not notices

    return sent



def captcha_answer() -> dict[str, str]:
    """A solved captcha, as the POST fields of a form that shows one."""
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}
