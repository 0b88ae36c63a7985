"""Account operations: SMS codes, phone login, sessions, login records."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .limits import Refusal, counters
from .models import LoginRecord, PhoneCode
from .phone import mask_phone
from .selectors import code_request_status_key
from .throttling import (
    code_failure_limit,
    guess_limits,
    phone_limits,
    requester_limits,
    send_buckets,
    sms_budget_limit,
)

logger = logging.getLogger(__name__)

CODE_MINUTES = 5
CODE_MAX_FAILURES = 5  # wrong entries that kill a code


@dataclass(frozen=True)
class CodeRequest:
    request_id: str  # the status of this request (sent / failed) is kept under it
    refused: Refusal | None = None  # only for requester limits


def _code_hash(phone: str, purpose: str, code: str) -> str:
    message = f"{phone}\x1f{purpose}\x1f{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def phone_code_request(*, phone: str, purpose: str, ip: str, session_key: str, now: float | None = None) -> CodeRequest:
    """Ask for a code to `phone` (already normalized). The same answer for every number,
    registered or not, throttled or not; the SMS goes out in the background."""
    from .tasks import send_phone_code

    refused = counters().consume(requester_limits(ip=ip, session_key=session_key), now=now)
    if refused is not None:
        return CodeRequest("", refused)
    request_id = uuid.uuid4().hex
    cache.set(code_request_status_key(request_id), "queued", 15 * 60)
    # The number's own limits are applied in the task, so that this request does exactly
    # the same work for every number (bench/login_timing.py).
    send_phone_code.enqueue(phone=phone, purpose=purpose, request_id=request_id, now=now)
    return CodeRequest(request_id)


def phone_code_send(*, phone: str, purpose: str, request_id: str, now: float | None = None) -> None:
    """Within the number's limits and the budget, make a new code (the previous one for
    this phone and purpose dies) and send it; beyond them, nothing, and the request looks
    sent. A provider error gives the quota back and marks the request failed."""
    from .sms import SmsError, backend

    known = get_user_model().objects.filter(phone=phone, last_login__isnull=False).exists()
    limits = phone_limits(phone, known=known) + send_buckets(time.time() if now is None else now)
    if counters().consume(limits, now=now) is not None:
        logger.info("code for %s not sent: limit reached", mask_phone(phone))
        cache.set(code_request_status_key(request_id), "sent", 15 * 60)
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        PhoneCode.objects.update_or_create(
            phone=phone, purpose=purpose,
            defaults=dict(code_hash=_code_hash(phone, purpose, code), expires_at=timezone.now() + dt.timedelta(minutes=CODE_MINUTES),
                          failures=0, used_at=None),
        )
    try:
        backend().send_code(phone, code, CODE_MINUTES)
    except SmsError as error:
        logger.error("SMS to %s failed: %s", mask_phone(phone), error)
        counters().release(limits, now=now)
        PhoneCode.objects.filter(phone=phone, purpose=purpose).delete()
        cache.set(code_request_status_key(request_id), "failed", 15 * 60)
        return
    cache.set(code_request_status_key(request_id), "sent", 15 * 60)
    used = counters().count(sms_budget_limit())
    if used >= settings.SMS_BUDGET_WARNING:
        logger.warning("SMS budget: %d of %d messages used today", used, settings.SMS_DAILY_BUDGET)


def sms_notice_send(*, phone: str, template_id: str, params: dict[str, str], text: str) -> bool:
    """A notice by SMS (the console backend writes `text`; a provider fills its template
    `template_id` with `params`), within the daily budget. False when not sent: no template
    for a real provider, the budget spent, or the provider refused (logged)."""
    from .sms import SmsError, backend

    if settings.SMS_BACKEND != "console" and not template_id:
        return False
    if counters().consume([sms_budget_limit()]) is not None:
        logger.warning("notice to %s not sent: the SMS budget is spent", mask_phone(phone))
        return False
    try:
        backend().send_notice(phone, template_id, params, text)
    except SmsError as error:
        logger.error("notice SMS to %s failed: %s", mask_phone(phone), error)
        counters().release([sms_budget_limit()])
        return False
    return True


class TooManyGuesses(Exception):
    """Too many wrong codes or passwords from this address or its prefix."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@contextmanager
def guess_reserved(*, kind: str, ip: str | None):
    """Count a guess from this address before checking it, atomically, so parallel guesses
    cannot all pass a check made before any was counted; a right guess gives it back.
    The body sets `.right`."""
    limits = guess_limits(kind=kind, ip=ip) if ip is not None else []
    if limits:
        refused = counters().consume(limits)
        if refused is not None:
            raise TooManyGuesses(refused.retry_after)
    outcome = SimpleNamespace(right=False)
    yield outcome
    if outcome.right and limits:
        counters().release(limits)


def _code_attempt(phone: str, purpose: str) -> tuple[int, str] | None:
    """Reserve one of the live code's 5 attempts before it is checked: one conditional
    UPDATE … RETURNING, so 50 parallel entries check exactly 5."""
    table = PhoneCode._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET failures = failures + 1 WHERE phone = %s AND purpose = %s AND used_at IS NULL "
            "AND expires_at > %s AND failures < %s RETURNING id, code_hash",
            [phone, purpose, now, CODE_MAX_FAILURES],
        )
        return cursor.fetchone()


def _code_matches(stored_hash: str, phone: str, purpose: str, code: str) -> bool:
    return code.isdigit() and len(code) == 6 and hmac.compare_digest(stored_hash, _code_hash(phone, purpose, code))


def phone_code_verify(*, phone: str, purpose: str, code: str, use: bool = True, ip: str | None = None) -> bool:
    """True once for the right, live code. Each entry takes one of the code's 5 attempts
    before the check (a right one gives it back); with `ip`, it also counts against the
    address's guesses (TooManyGuesses when they are used up). With use=False a right code
    stays usable (for checking two codes before using either)."""
    with guess_reserved(kind="code", ip=ip) as outcome:
        attempt = _code_attempt(phone, purpose)
        if attempt is not None and _code_matches(attempt[1], phone, purpose, code):
            live = PhoneCode.objects.filter(pk=attempt[0], used_at__isnull=True)
            if use:
                # Single use even under concurrent entries: only one UPDATE finds it unused.
                outcome.right = live.update(used_at=timezone.now(), failures=F("failures") - 1) == 1
            else:
                outcome.right = live.update(failures=F("failures") - 1) == 1
        else:
            counters().consume([code_failure_limit(phone)])
    return outcome.right


def user_get_or_create(*, phone: str):
    """The account with this verified number, created at its first successful verification
    (an existing account's number is marked verified)."""
    User = get_user_model()
    user = User.objects.filter(phone=phone).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=f"u{uuid.uuid4().hex[:12]}", phone=phone, phone_verified=True)
                user.set_unusable_password()
                user.save(update_fields=["password"])
        except IntegrityError:  # created by a concurrent verification meanwhile
            user = User.objects.get(phone=phone)
    elif not user.phone_verified:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])
    return user


def login_record_add(*, identifier: str, method: str, result: str, ip: str, user_agent: str, user=None) -> None:
    if identifier.startswith("+"):
        identifier = mask_phone(identifier)
    try:
        ip = str(ipaddress.ip_address(ip))
    except ValueError:
        ip = None
    LoginRecord.objects.create(
        identifier=identifier[:150], method=method, result=result, ip=ip, user_agent=user_agent[:300], user=user
    )


def login_records_purge(*, now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.LOGIN_RECORD_DAYS)
    deleted, _ = LoginRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def user_sessions_end(*, user) -> None:
    """Log the user out of every browser: the session hash includes session_epoch."""
    get_user_model().objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)


@transaction.atomic
def user_delete(*, user) -> None:
    """Delete an account: personal data is removed; the row stays, anonymized and inactive,
    so that pages it edited keep their history. Published articles keep their byline text,
    which is part of the article, not of the account. Feature apps remove or anonymize what
    they keep of the person with a "dangjian_account_delete" hook, fn(user), called first
    (the number and names are still on the user then)."""
    from wagtail import hooks

    for forget in hooks.get_hooks("dangjian_account_delete"):
        forget(user)
    phone = user.phone
    if phone:
        PhoneCode.objects.filter(phone=phone).delete()
    LoginRecord.objects.filter(user=user).update(user=None, identifier="-", user_agent="")
    user.username = f"deleted-{user.pk}"
    user.phone, user.phone_verified = None, False
    user.display_name, user.real_name, user.organization = "", "", ""
    user.first_name, user.last_name, user.email = "", "", ""
    user.is_active, user.is_staff, user.is_superuser = False, False, False
    user.set_unusable_password()
    user.session_epoch += 1
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


class PhoneTaken(Exception):
    pass


@transaction.atomic
def user_phone_change(*, user, new_phone: str, new_code: str, old_code: str | None, ip: str | None = None) -> bool:
    """Move the account to `new_phone` once the code sent to it, and the code sent to the
    current number (if there is one), are both right. PhoneTaken if another account has it."""
    checks = [(new_phone, PhoneCode.Purpose.PHONE_CHANGE, new_code)]
    if user.phone:
        checks.append((user.phone, PhoneCode.Purpose.PHONE_CONFIRM_OLD, old_code or ""))
    # Check both first (a wrong one counts as a failure), then use both.
    if not all([phone_code_verify(phone=p, purpose=purpose, code=c, use=False, ip=ip) for p, purpose, c in checks]):
        return False
    if not all(phone_code_verify(phone=p, purpose=purpose, code=c) for p, purpose, c in checks):
        transaction.set_rollback(True)  # another request used one meanwhile
        return False
    if get_user_model().objects.filter(phone=new_phone).exclude(pk=user.pk).exists():
        raise PhoneTaken
    user.phone, user.phone_verified = new_phone, True
    user.save(update_fields=["phone", "phone_verified"])
    return True
