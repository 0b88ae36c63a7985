"""An attacker against the SMS budget and the guess limits: many addresses (IPv4 /24s and
IPv6 /64s), number blocks, parallel guesses. Runs on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from dangjian.accounts import selectors, services, throttling
from dangjian.accounts.limits import counters
from dangjian.accounts.models import PhoneCode

from .fixtures import captcha_answer
from .test_login import sent_code

LOGIN = PhoneCode.Purpose.LOGIN


def attacker_addresses() -> list[str]:
    """200 addresses: 100 in 20 IPv4 /24s, 100 in 5 IPv6 /64s, interleaved."""
    v4 = [f"203.0.{prefix}.{host + 1}" for host in range(5) for prefix in range(20)]
    v6 = [f"2001:db8:0:{prefix:x}::{host + 1:x}" for host in range(20) for prefix in range(5)]
    return [address for pair in zip(v4, v6, strict=True) for address in pair]


def new_number(n: int) -> str:
    return f"+86139{n:04d}{n * 7 % 10000:04d}"  # one per number range


@pytest.mark.django_db
def test_the_surge_detector_turns_the_captcha_on_for_everyone_and_the_reserve_keeps_codes_for_known_numbers(settings, sms_outbox):
    settings.SMS_DAILY_BUDGET, settings.SMS_BUDGET_WARNING = 300, 300
    fresh = dict(ip="198.51.100.7", session_key="a-reader-who-never-asked")
    assert not selectors.captcha_required(**fresh)
    for n, address in enumerate(attacker_addresses()):
        session = f"attacker-{n}"
        if selectors.captcha_required(ip=address, session_key=session):
            continue  # the attacker cannot answer the captcha
        assert services.phone_code_request(phone=new_number(n), purpose=LOGIN, ip=address, session_key=session).refused is None
    used = counters().count(throttling.sms_budget_limit())
    assert selectors.sms_surge() and selectors.captcha_required(**fresh)
    assert used < settings.SMS_DAILY_BUDGET * 0.10
    assert len(sms_outbox()) == used

    # An attacker who answers every captcha spends the new numbers' share and no more.
    for n in range(200, 500):
        services.phone_code_send(phone=new_number(n), purpose=LOGIN, request_id=f"r{n}")
    assert counters().count(throttling.sms_budget_limit()) == throttling.sms_new_numbers_limit().limit == 210
    services.phone_code_send(phone=new_number(600), purpose=LOGIN, request_id="late-new")
    assert not [to for to, _code in sms_outbox() if to == new_number(600)]
    reader = get_user_model().objects.create_user("reader", phone="+8613700137000", phone_verified=True)
    reader.last_login = timezone.now()
    reader.save()
    services.phone_code_send(phone=reader.phone, purpose=LOGIN, request_id="known")
    assert [to for to, _code in sms_outbox() if to == reader.phone] == [reader.phone]


@pytest.mark.django_db
def test_the_surge_threshold_follows_the_usual_rate(settings):
    settings.SMS_SURGE_MINUTES, settings.SMS_SURGE_FACTOR, settings.SMS_SURGE_MINIMUM = 10, 3, 20
    now = 1_800_000_000
    # A busy day: 1,440 sends in the 24 hours before this one, i.e. 10 per 10 minutes.
    for hour in range(1, 25):
        for _ in range(60):
            counters().consume(throttling.send_buckets(now - 3600 * hour), now=now)
    for _ in range(29):
        counters().consume(throttling.send_buckets(now), now=now)
    assert not selectors.sms_surge(now=now)  # 29 < 3 x 10 and above the minimum alone
    counters().consume(throttling.send_buckets(now), now=now)
    assert selectors.sms_surge(now=now)


@pytest.mark.django_db
def test_a_block_of_numbers_gets_at_most_the_range_limit(settings, sms_outbox):
    settings.SMS_LIMITS_RANGE = "10/3600"
    for n in range(15):
        services.phone_code_send(phone=f"+861380013{n:04d}", purpose=LOGIN, request_id=f"r{n}")
    assert len(sms_outbox()) == 10


@pytest.mark.django_db
def test_an_ipv6_subscriber_is_one_address_and_a_prefix_is_limited(settings, sms_outbox):
    settings.SMS_LIMITS_IP, settings.SMS_LIMITS_PREFIX = "2/60", "5/60"
    one_64 = [services.phone_code_request(phone=new_number(n), purpose=LOGIN, ip=f"2001:db8:1:2::{n + 1:x}", session_key=f"s{n}")
              for n in range(3)]
    assert [answer.refused is None for answer in one_64] == [True, True, False]
    one_24 = [services.phone_code_request(phone=new_number(10 + n), purpose=LOGIN, ip=f"192.0.2.{n + 1}", session_key=f"t{n}")
              for n in range(6)]
    assert [answer.refused is None for answer in one_24] == [True] * 5 + [False]
    assert one_24[-1].refused.limit.name == "sms-prefix-60"


def run_parallel(count: int, work) -> list:
    results, barrier = [], threading.Barrier(count)

    def run(n):
        barrier.wait()
        try:
            results.append(work(n))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_parallel_wrong_codes_check_exactly_five(sms_outbox, monkeypatch):
    services.phone_code_request(phone=new_number(1), purpose=LOGIN, ip="10.0.0.1", session_key="s")
    code = sent_code(sms_outbox, new_number(1))
    checked = []
    real = services._code_matches
    monkeypatch.setattr(services, "_code_matches", lambda *args: checked.append(1) or real(*args))
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 51)]
    results = run_parallel(50, lambda n: services.phone_code_verify(phone=new_number(1), purpose=LOGIN, code=wrong[n],
                                                                   ip=f"10.{n}.0.1"))
    assert results == [False] * 50
    assert len(checked) == 5 and PhoneCode.objects.get(phone=new_number(1)).failures == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_parallel_wrong_staff_passwords_check_no_more_than_the_limits(settings, monkeypatch):
    settings.GUESS_LIMITS_IP = "20/900"
    User = get_user_model()
    User.objects.create_superuser("chief", password="x-Long-password-1")
    checked = []
    real = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, raw: checked.append(1) or real(self, raw))

    def attempt(n, extra=None):
        data = {"username": "chief", "password": f"wrong-{n}", **(extra or {})}
        return Client().post("/admin/login/", data, REMOTE_ADDR="10.9.9.9").status_code

    # Without the captcha: only the few free attempts of the user name are checked.
    assert run_parallel(50, attempt) == [200] * 50
    assert len(checked) == throttling.CAPTCHA_AFTER_FAILURES
    # With a solved captcha each: no more than the address's limit.
    answers = [captcha_answer() for _ in range(50)]
    checked.clear()
    assert run_parallel(50, lambda n: attempt(n, answers[n])) == [200] * 50
    assert len(checked) == 20 - throttling.CAPTCHA_AFTER_FAILURES


@pytest.mark.django_db
def test_wrong_passwords_ask_for_the_captcha_and_never_lock_the_owner_out(client):
    from dangjian.accounts.models import LoginRecord

    get_user_model().objects.create_superuser("chief", password="x-Long-password-1")
    for n in range(100):  # a stranger, from many networks, answering every captcha
        extra = captcha_answer() if selectors.password_captcha_required("chief") else {}
        page = Client().post("/admin/login/", {"username": "chief", "password": f"guess-{n}", **extra},
                             REMOTE_ADDR=f"10.{n}.1.1").content.decode()
        assert "captcha_1" in page or n < throttling.CAPTCHA_AFTER_FAILURES - 1
    refused = client.post("/admin/login/", {"username": "chief", "password": "x-Long-password-1"}, REMOTE_ADDR="10.200.0.1")
    assert refused.status_code == 200 and "请回答图中的问题" in refused.content.decode()
    done = client.post("/admin/login/", {"username": "chief", "password": "x-Long-password-1", **captcha_answer()},
                       REMOTE_ADDR="10.200.0.1")
    assert done.status_code == 302
    results = list(LoginRecord.objects.values_list("result", flat=True))
    assert results.count("wrong_password") == 100 and results.count("success") == 1


@pytest.mark.django_db
def test_the_admin_home_shows_when_the_surge_detector_is_on(client, settings, sms_outbox):
    from dangjian.accounts import roles
    from dangjian.accounts.tests.test_roles import member

    settings.SMS_SURGE_MINIMUM = 3
    client.force_login(member("admin", roles.SITE_ADMIN))
    assert "可能是攻击" not in client.get("/admin/").content.decode()
    for n in range(3):
        services.phone_code_send(phone=new_number(n), purpose=LOGIN, request_id=f"r{n}", now=time.time())
    assert "可能是攻击" in client.get("/admin/").content.decode()
