import logging

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from dangjian.demo.services import demo_admin_ensure, demo_content_load, demo_is_loaded, demo_reset


class Command(BaseCommand):
    help = "建立数据库、载入演示内容并创建管理员账号。再次运行不会改变任何内容；--reset 清空后重新开始。"

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="删除现有数据和上传文件，重新载入演示内容")
        parser.add_argument("--articles", type=int, default=48, help="演示文章数量（默认 48）")

    def handle(self, *args, reset: bool, articles: int, **options):
        if reset:
            self.stdout.write("正在清空数据……")
            demo_reset()
        self.stdout.write("正在建立数据库……")
        call_command("migrate", interactive=False, verbosity=0)
        if demo_is_loaded():
            self.stdout.write("演示内容已存在，未做改动（使用 --reset 可重新载入）。")
        else:
            # Wagtail logs each publish at INFO; the progress bar says the same, more briefly.
            logging.getLogger("wagtail").setLevel(logging.WARNING)
            made = demo_content_load(article_count=articles, progress=options["verbosity"] > 0)
            self.stdout.write(self.style.SUCCESS(f"已载入 {made} 篇演示文章。"))
        username, password = demo_admin_ensure()
        self.stdout.write("")
        self.stdout.write(f"网站首页：{settings.BASE_URL}/")
        self.stdout.write(f"管理后台：{settings.BASE_URL}/admin/")
        self.stdout.write(f"管理员用户名：{username}")
        self.stdout.write(f"管理员密码：{password or '（已由您修改，未保存明文）'}")
