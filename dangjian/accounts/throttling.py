"""Which limits apply to SMS sends and to code and password guesses: the counters, their
sizes and windows (from settings). services.py consumes them, selectors.py reads them."""

from __future__ import annotations

from django.conf import settings

from dangjian.core.clientip import client_network, client_prefix

from .limits import Limit, limits_from_spec

CAPTCHA_AFTER_FAILURES = 3  # wrong codes for a number, or passwords for a user name, before the captcha
FAILURE_WINDOW = 3600
DAY = 86400
UNLIMITED = 2**31 - 1  # for counters that only count (the surge detector's buckets)


def requester_limits(*, ip: str, session_key: str) -> list[Limit]:
    """Limits on who asks (an address, its prefix, a browser): safe to explain to the person
    asking. The address is an IPv6 /64 as a whole: one subscriber holds all of it."""
    return (limits_from_spec(settings.SMS_LIMITS_IP, "sms-ip", client_network(ip))
            + limits_from_spec(settings.SMS_LIMITS_SESSION, "sms-session", session_key)
            + limits_from_spec(settings.SMS_LIMITS_PREFIX, "sms-prefix", client_prefix(ip)))


def sms_budget_limit() -> Limit:
    return Limit("sms-budget", "all", settings.SMS_DAILY_BUDGET, DAY)


def sms_new_numbers_limit() -> Limit:
    """What numbers that never logged in may use of the budget; the rest is the reserve."""
    share = settings.SMS_DAILY_BUDGET * (100 - settings.SMS_RESERVE_PERCENT) // 100
    return Limit("sms-budget-new", "all", share, DAY)


def number_range(phone: str) -> str:
    """Numbers that differ only in their last four digits (for +86: the first 7 digits)."""
    return phone[:-4]


def phone_limits(phone: str, *, known: bool) -> list[Limit]:
    """Limits on the number, its range and the budget: never revealed (that would tell who
    is registered or who was just sent a code)."""
    limits = (limits_from_spec(settings.SMS_LIMITS_PHONE, "sms-phone", phone)
              + limits_from_spec(settings.SMS_LIMITS_RANGE, "sms-range", number_range(phone)) + [sms_budget_limit()])
    return limits if known else [*limits, sms_new_numbers_limit()]


def send_buckets(now: float) -> list[Limit]:
    """Sends counted per minute and per hour, for the surge detector."""
    return [Limit("sms-sent-minute", str(int(now // 60)), UNLIMITED, 2 * 3600),
            Limit("sms-sent-hour", str(int(now // 3600)), UNLIMITED, 2 * DAY)]


def surge_counters(now: float) -> tuple[list[Limit], list[Limit]]:
    minute, hour = int(now // 60), int(now // 3600)
    recent = [Limit("sms-sent-minute", str(minute - n), UNLIMITED, 0) for n in range(settings.SMS_SURGE_MINUTES)]
    usual = [Limit("sms-sent-hour", str(hour - n), UNLIMITED, 0) for n in range(1, 25)]
    return recent, usual


def surging(recent: list[int], usual: list[int]) -> bool:
    expected = sum(usual) * settings.SMS_SURGE_MINUTES / (24 * 60)
    return sum(recent) >= max(settings.SMS_SURGE_MINIMUM, settings.SMS_SURGE_FACTOR * expected)


def guess_limits(*, kind: str, ip: str) -> list[Limit]:
    return (limits_from_spec(settings.GUESS_LIMITS_IP, f"{kind}-guess-ip", client_network(ip))
            + limits_from_spec(settings.GUESS_LIMITS_PREFIX, f"{kind}-guess-prefix", client_prefix(ip)))


def code_failure_limit(phone: str) -> Limit:
    return Limit("code-failures", phone, UNLIMITED, FAILURE_WINDOW)


def password_captcha_limit(username: str) -> Limit:
    """Wrong passwords for a user name that may be tried without the captcha."""
    return Limit("password-failures", username.strip().lower(), CAPTCHA_AFTER_FAILURES, FAILURE_WINDOW)
