#!/usr/bin/env python3
"""What the costliest contribution request costs the server: CPU time and extra memory of
the web worker that handles it.

A demo site runs under `dangjian serve --workers 1`; a contributor saves a draft with 20
photos (the most one submission takes), built to be as costly as the checks let them be:

- png-max: 20 white PNGs of 3460 x 3460 (just under the 12 million pixels a PNG may have),
  about 50 KB each: all decode work, nothing to upload;
- png-40mp: 20 white PNGs of 6300 x 6300 (the attack in issue 22), refused before decoding;
- jpeg-40mp: 20 white JPEGs of 7300 x 5475 (40 million pixels);
- jpeg-noise: 20 JPEGs of random noise at 4000 x 3000 near the 10 MB file limit;
- jpeg-phone: 20 ordinary phone photos (4000 x 3000, smooth gradients): what readers send.

For each, the worker's CPU time (utime + stime from /proc) and the growth of its peak
resident memory (VmHWM, reset through /proc/<pid>/clear_refs before each request) for the
one request, and the answer's status.

    .venv/bin/python bench/uploads.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import urllib.request
import uuid
from pathlib import Path

from common import demo_site, shell
from PIL import Image

TICKS = os.sysconf("SC_CLK_TCK")


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noise_jpeg() -> bytes:
    image = Image.frombytes("RGB", (4000, 3000), random.randbytes(4000 * 3000 * 3))
    return encoded(image, "JPEG", quality=75)


def phone_jpeg() -> bytes:
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    return encoded(Image.merge("RGB", (gradient, gradient.rotate(90, expand=False), gradient)), "JPEG", quality=92)


CASES = {
    "png-max": lambda: encoded(Image.new("RGB", (3460, 3460), "white"), "PNG"),
    "png-40mp": lambda: encoded(Image.new("RGB", (6300, 6300), "white"), "PNG"),
    "jpeg-40mp": lambda: encoded(Image.new("RGB", (7300, 5475), "white"), "JPEG", quality=90),
    "jpeg-noise": noise_jpeg,
    "jpeg-phone": phone_jpeg,
}

SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from dangjian.portal.models import ChannelPage
user = get_user_model().objects.create_user('bench-contributor', phone='+8613800138999', phone_verified=True)
session = SessionStore()
session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), 'django.contrib.auth.backends.ModelBackend'
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key, ChannelPage.objects.filter(accepts_contributions=True, depth=3).first().pk)
"""


def worker_pid(server_pid: int) -> int:
    """The granian worker: the descendant of `dangjian serve` that has no children itself
    and runs granian."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int(re.search(r"^PPid:\s+(\d+)", (entry / "status").read_text(), re.M).group(1))
            except (OSError, AttributeError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [server_pid]
    while todo:
        pid = todo.pop()
        kids = children.get(pid, [])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if not kids and b"granian" in cmdline:
            found.append(pid)
        todo.extend(kids)
    if len(found) != 1:
        raise SystemExit(f"expected one granian worker, found {found}")
    return found[0]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int, field: str) -> float:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M).group(1)) / 1024


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_draft(base: str, session_key: str, channel: str, photo: bytes, filename: str) -> int:
    csrf = uuid.uuid4().hex + uuid.uuid4().hex
    body, content_type = multipart(
        {"csrfmiddlewaretoken": csrf, "action": "save", "title": "压力测试", "channel": channel, "body": "<p>正文</p>",
         "author": "张三", "organization": "测试支部", "contact_phone": "13800138000", "origin": "original"},
        [("new_photos", f"{n}-{filename}", photo) for n in range(20)],
    )
    request = urllib.request.Request(f"{base}/contribute/new/", data=body, method="POST", headers={
        "Content-Type": content_type, "Cookie": f"sessionid={session_key}; csrftoken={csrf}", "Referer": f"{base}/contribute/new/",
    })

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # No embedded task worker in the server's process tree: only the web worker is measured.
    with demo_site(2, workers=1, DANGJIAN_SERVE_WORKER="0", DANGJIAN_CONTRIBUTION_PHOTO_SAVES="1000/3600") as (base, env, server, _data):
        session_key, channel = shell(SESSION, env).split()[-2:]
        pid = worker_pid(server.pid)
        post_draft(base, session_key, channel, CASES["jpeg-phone"](), "warm-up.jpg")  # imports, connections, first-use caches
        print(f"{'case':12s} {'file KB':>8s} {'status':>6s} {'CPU s (max of rounds)':>22s} {'extra MB (max)':>15s}", flush=True)
        for name, make in CASES.items():
            photo = make()
            cpu, extra, statuses = [], [], set()
            for _ in range(args.rounds):
                Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS := current RSS
                before_cpu, before_rss = cpu_seconds(pid), rss_mb(pid, "VmRSS")
                statuses.add(post_draft(base, session_key, channel, photo, "photo.jpg" if b"JFIF" in photo[:20] else "photo.png"))
                cpu.append(cpu_seconds(pid) - before_cpu)
                extra.append(rss_mb(pid, "VmHWM") - before_rss)
            print(f"{name:12s} {len(photo) // 1024:>8d} {'/'.join(map(str, sorted(statuses))):>6s} {max(cpu):>22.2f} {max(extra):>15.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
