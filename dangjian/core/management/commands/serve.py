"""`dangjian serve`: the production-grade server (granian), static and media included.

Granian's own Rust file server answers /static/ and /media/, so the embedded default needs
no nginx; Django only sees page requests.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "启动网站服务（granian，多进程），同时提供静态文件和上传的媒体文件。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("DANGJIAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("DANGJIAN_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("DANGJIAN_WORKERS") or os.cpu_count() or 1),
            help="工作进程数，默认等于CPU核数",
        )

    def handle(self, *args, host: str, port: int, workers: int, **options):
        if workers < 1:
            raise CommandError("--workers 必须至少为 1")
        call_command("collectstatic", interactive=False, verbosity=0)
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable, "-m", "granian",
            "--interface", "wsgi",
            "--host", host,
            "--port", str(port),
            "--workers", str(workers),
            "--respawn-failed-workers",
            "--static-path-route", settings.STATIC_URL.rstrip("/"),
            "--static-path-mount", str(settings.STATIC_ROOT),
            "--static-path-route", settings.MEDIA_URL.rstrip("/"),
            "--static-path-mount", str(settings.MEDIA_ROOT),
            "dangjian.wsgi:application",
        ]
        self.stdout.write(f"网站地址：http://{host}:{port}/  （{workers} 个工作进程，按 Ctrl+C 停止）")
        sys.stdout.flush()
        os.execv(sys.executable, argv)
