from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks


@checks.register()
def poster_font(app_configs, **kwargs):
    if Path(settings.POSTER_FONT).is_file():
        return []
    return [checks.Warning(
        f"海报字体不存在：{settings.POSTER_FONT}（DANGJIAN_POSTER_FONT）；分享海报无法生成。"
        "请安装 Debian 软件包 fonts-noto-cjk，或把 DANGJIAN_POSTER_FONT 设为一个中文字体文件。",
        id="sharing.W001",
    )]
