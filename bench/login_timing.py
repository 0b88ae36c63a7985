#!/usr/bin/env python3
"""Does asking for a login code take the same time whatever the number? It must, or the
timing tells which numbers are registered or were just sent a code.

Against a fresh demo site under `dangjian serve`, asks for codes N times for each kind of
number, interleaved: a registered number, new unregistered numbers, and a number that is
throttled (it was sent a code a moment ago). Each request comes from its own browser
session and address (X-Real-IP), so no captcha and no address limit is involved. Prints
the median and p90 of the request time per kind, and the largest difference of medians.

    .venv/bin/python bench/login_timing.py [--requests 200]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import time
import urllib.parse
import urllib.request

from common import demo_site, shell


def ask_code(base: str, phone: str, address: str) -> float:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    headers = {"X-Real-IP": address}
    page = opener.open(urllib.request.Request(base + "/login/", headers=headers), timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "phone": phone}).encode()
    request = urllib.request.Request(base + "/login/", data=body, headers={**headers, "Referer": base + "/login/"})
    start = time.perf_counter()
    try:
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, answer.code
    return (time.perf_counter() - start) * 1000


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with demo_site(3, workers=2, DANGJIAN_CLIENT_IP_HEADER="X-Real-IP", DANGJIAN_SMS_DAILY_BUDGET="1000000",
                   DANGJIAN_SMS_BUDGET_WARNING="1000000") as (base, env, _server, _data_dir):
        shell("from dangjian.accounts.models import User\n"
              f"User.objects.bulk_create([User(username=f'r{{n}}', phone=f'+86139{{n:08d}}') for n in range({args.requests})])", env)
        ask_code(base, "13700137000", "10.255.0.1")  # from now on this number is throttled
        times: dict[str, list[float]] = {"registered": [], "unregistered": [], "throttled": []}
        for n in range(args.requests):
            address = f"10.{n // 250 % 250}.{n % 250}.%d"
            times["registered"].append(ask_code(base, f"139{n:08d}", address % 1))
            times["unregistered"].append(ask_code(base, f"136{n:08d}", address % 2))
            times["throttled"].append(ask_code(base, "13700137000", address % 3))
    medians = {}
    for kind, values in times.items():
        values.sort()
        medians[kind] = statistics.median(values)
        print(f"{kind:13s} median {medians[kind]:6.2f} ms  p90 {values[int(len(values) * 0.9)]:6.2f} ms  ({len(values)} requests)")
    print(f"largest difference of medians: {max(medians.values()) - min(medians.values()):.2f} ms")


if __name__ == "__main__":
    main()
