"""Sending SMS: a backend chosen by DANGJIAN_SMS_BACKEND.

- `console` (default): the message goes to the server log and to `sms.log` in the data
  directory, so an operator can try the whole login without a provider.

Besides codes, notices (a city channel application decided): each has its own template at
the provider, named by a setting; without one, a real backend sends no notice.
- `aliyun`: Alibaba Cloud SMS (dysmsapi SendSms, RPC signature HMAC-SHA1).
- `tencent`: Tencent Cloud SMS (SendSms 2021-01-11, signature TC3-HMAC-SHA256).

Both real backends are written against the providers' published HTTP APIs; the signing
functions are tested against the examples in their documentation.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.parse
import urllib.request
import uuid
from functools import cache

from django.conf import settings

from dangjian.core.files import private_append

from .phone import mask_phone

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider refused or could not be reached; the message says why, for the log."""


class ConsoleBackend:
    def send_code(self, phone: str, code: str, minutes: int) -> None:
        self._write(phone, f"【{settings.SMS_SIGN_NAME}】您的验证码是 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本短信。")

    def send_notice(self, phone: str, template_id: str, params: dict[str, str], text: str) -> None:
        self._write(phone, f"【{settings.SMS_SIGN_NAME}】{text}")

    def _write(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", mask_phone(phone), text)
        with private_append(settings.DATA_DIR / "sms.log") as log:  # live codes and numbers: 0600
            log.write(f"{dt.datetime.now().isoformat(timespec='seconds')}\t{phone}\t{text}\n")


def console_last_message(phone: str) -> str:
    """The last message the console backend wrote for `phone` (shown on screen in DEBUG)."""
    try:
        lines = (settings.DATA_DIR / "sms.log").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return ""
    return next((line.split("\t")[2] for line in reversed(lines) if line.split("\t")[1:2] == [phone]), "")


def aliyun_percent(value: str) -> str:
    """Alibaba Cloud's "special URL encoding": RFC 3986, space as %20, ~ kept."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    query = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    endpoint = "https://dysmsapi.aliyuncs.com/"

    def send_code(self, phone: str, code: str, minutes: int) -> None:
        self._send(phone, settings.SMS_TEMPLATE_ID, {"code": code})

    def send_notice(self, phone: str, template_id: str, params: dict[str, str], text: str) -> None:
        self._send(phone, template_id, params)

    def _send(self, phone: str, template_id: str, template_params: dict[str, str]) -> None:
        params = {
            "AccessKeyId": settings.SMS_ACCESS_KEY_ID, "Action": "SendSms", "Format": "JSON",
            "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0", "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25", "PhoneNumbers": phone.removeprefix("+86"), "SignName": settings.SMS_SIGN_NAME,
            "TemplateCode": template_id, "TemplateParam": json.dumps(template_params, ensure_ascii=False),
        }
        params["Signature"] = aliyun_signature(params, settings.SMS_ACCESS_KEY_SECRET)
        answer = _post_json(self.endpoint + "?" + urllib.parse.urlencode(params), None, {})
        if answer.get("Code") != "OK":
            raise SmsError(f"Alibaba Cloud: {answer.get('Code')} {answer.get('Message')}")


def tencent_authorization(*, secret_id: str, secret_key: str, service: str, host: str, timestamp: int,
                          payload: str, content_type: str = "application/json; charset=utf-8") -> str:
    """The Authorization header of Tencent Cloud API 3.0 (TC3-HMAC-SHA256)."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join([
        "POST", "/", "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host",
        hashlib.sha256(payload.encode()).hexdigest(),
    ])
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


class TencentBackend:
    host = "sms.tencentcloudapi.com"

    def send_code(self, phone: str, code: str, minutes: int) -> None:
        self._send(phone, settings.SMS_TEMPLATE_ID, [code, str(minutes)])

    def send_notice(self, phone: str, template_id: str, params: dict[str, str], text: str) -> None:
        self._send(phone, template_id, list(params.values()))  # Tencent's templates number their parameters

    def _send(self, phone: str, template_id: str, template_params: list[str]) -> None:
        payload = json.dumps({
            "PhoneNumberSet": [phone], "SmsSdkAppId": settings.SMS_APP_ID, "SignName": settings.SMS_SIGN_NAME,
            "TemplateId": template_id, "TemplateParamSet": template_params,
        })
        timestamp = int(dt.datetime.now(dt.UTC).timestamp())
        headers = {
            "Authorization": tencent_authorization(
                secret_id=settings.SMS_ACCESS_KEY_ID, secret_key=settings.SMS_ACCESS_KEY_SECRET, service="sms",
                host=self.host, timestamp=timestamp, payload=payload,
            ),
            "Content-Type": "application/json; charset=utf-8", "Host": self.host, "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11", "X-TC-Timestamp": str(timestamp), "X-TC-Region": settings.SMS_REGION,
        }
        answer = _post_json(f"https://{self.host}/", payload.encode(), headers).get("Response", {})
        if "Error" in answer:
            raise SmsError(f"Tencent Cloud: {answer['Error'].get('Code')} {answer['Error'].get('Message')}")
        status = (answer.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise SmsError(f"Tencent Cloud: {status.get('Code')} {status.get('Message')}")


def _post_json(url: str, body: bytes | None, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except (OSError, ValueError) as error:
        raise SmsError(f"{url.split('?')[0]}: {error}") from error


BACKENDS = {"console": ConsoleBackend, "aliyun": AliyunBackend, "tencent": TencentBackend}


@cache
def backend():
    return BACKENDS[settings.SMS_BACKEND]()
