"""The SMS providers' request signing, checked against the examples in their documentation,
and the console backend an operator starts with."""

from __future__ import annotations

import json

import pytest

from dangjian.accounts import throttling
from dangjian.accounts.sms import ConsoleBackend, aliyun_signature, tencent_authorization


def test_alibaba_cloud_signature_matches_the_documented_example():
    # Alibaba Cloud SMS, "HTTP protocol and signature": AccessKeySecret testSecret.
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_tencent_cloud_tc3_signature_matches_the_documented_example():
    # Tencent Cloud API 3.0, "Signature v3": the CVM DescribeInstances example, whose key the
    # documentation prints with its last characters as asterisks.
    payload = json.dumps({"Limit": 1, "Filters": [{"Values": ["未命名"], "Name": "instance-name"}]})
    assert payload == '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    header = tencent_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        service="cvm", host="cvm.tencentcloudapi.com", timestamp=1551113065, payload=payload,
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )


def test_the_console_backend_writes_the_message_where_the_operator_finds_it(settings):
    ConsoleBackend().send_code("+8613800138000", "123456", 5)
    line = (settings.DATA_DIR / "sms.log").read_text().splitlines()[-1]
    assert "+8613800138000" in line and "123456" in line and "5 分钟" in line


def test_the_console_backend_shows_the_message_on_the_code_page_and_a_real_one_never(client, settings, sms_outbox, db):
    """A newcomer to the demo (DEBUG off, the default) can log in without reading sms.log."""
    settings.DEBUG = False
    client.post("/login/", {"phone": "13800138000"}, REMOTE_ADDR="10.1.2.3")
    page = client.get("/login/code/").content.decode()
    code = sms_outbox()[-1][1]
    demo = page[page.index('<section class="demo-sms"'):]
    assert "<h2 id=\"demo-title\">演示</h2>" in demo and code in demo[: demo.index("</section>")]
    assert "验证码已发送到 138****8000，5 分钟内有效。" in page
    settings.SMS_BACKEND = "tencent"  # sms.log still holds the console's message
    page = client.get("/login/code/").content.decode()
    assert code not in page and "demo-sms" not in page


@pytest.fixture
def unreachable_provider(settings, monkeypatch):
    """The real Alibaba Cloud backend, pointed at a port where nothing listens."""
    from dangjian.accounts import sms
    from dangjian.testing.processes import free_port

    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET, settings.SMS_TEMPLATE_ID = "id", "secret", "SMS_1"
    monkeypatch.setattr(sms.AliyunBackend, "endpoint", f"http://127.0.0.1:{free_port()}/")
    sms.backend.cache_clear()
    yield
    sms.backend.cache_clear()


def test_a_provider_error_tells_the_user_and_uses_no_quota(client, sms_outbox, unreachable_provider, db):
    from dangjian.accounts.limits import counters
    from dangjian.accounts.models import PhoneCode

    assert client.post("/login/", {"phone": "13800138000"}, REMOTE_ADDR="10.1.1.9").status_code == 302
    page = client.get("/login/code/").content.decode()
    assert "短信没有发送成功" in page
    assert all(counters().count(item) == 0 for item in throttling.phone_limits("+8613800138000", known=False))
    assert not PhoneCode.objects.exists()
    assert client.get("/login/status/").json() == {"status": "failed"}
