import re

from dangjian.demo.content import make_articles
from dangjian.testing.processes import backend_env, dangjian, dangjian_shell

COUNT_CODE = (
    "from wagtail.models import Page, Revision; from wagtail.images.models import Image;"
    "from dangjian.portal.models import ArticlePage, ChannelPage;"
    "print(ArticlePage.objects.live().count(), ChannelPage.objects.live().count(),"
    " Page.objects.count(), Revision.objects.count(), Image.objects.count())"
)


def test_demo_articles_are_long_chinese_and_spread_over_two_years():

    from django.utils import timezone

    now = timezone.now()
    articles = make_articles(48, now=now)
    assert all(1000 <= a.length <= 4000 for a in articles), sorted(a.length for a in articles)
    assert len({a.title for a in articles}) == len(articles)
    ages = [(now - a.published).days for a in articles]
    assert min(ages) < 60 and max(ages) > 600 and max(ages) <= 731
    assert {a.source_type for a in articles} == {"original", "contributed", "shared", "repost"}
    assert all(a.source_name for a in articles if a.source_type == "repost")
    assert make_articles(5, now=now, seed=1) == make_articles(5, now=now, seed=1)
    assert any(a.initial_views > 60000 for a in articles)


def test_demo_command_is_idempotent_and_reset_starts_over(tmp_path):
    with backend_env(tmp_path) as env:
        first = dangjian("demo", "--articles", "6", env=env)
        assert first.returncode == 0, first.stdout + first.stderr
        password = re.search(r"管理员密码：(\S+)", first.stdout).group(1)
        assert "已载入 6 篇演示文章" in first.stdout and "管理员用户名：admin" in first.stdout
        counts = dangjian_shell(COUNT_CODE, env=env).split()
        # 6 national articles in 5 channels; 3 cities with 4 articles in 3 columns each.
        assert counts[:2] == ["18", "14"]
        assert "城市频道 沈阳市党建" in first.stdout and "shenyang-admin、shenyang-chushen" in first.stdout

        again = dangjian("demo", "--articles", "6", env=env)
        assert again.returncode == 0, again.stderr
        assert "演示内容已存在" in again.stdout and f"管理员密码：{password}" in again.stdout
        assert dangjian_shell(COUNT_CODE, env=env).split() == counts

        check = f"from django.contrib.auth import authenticate; print(bool(authenticate(username='admin', password='{password}')))"
        assert dangjian_shell(check, env=env).strip() == "True"

        reset = dangjian("demo", "--reset", "--articles", "3", env=env)
        assert reset.returncode == 0, reset.stderr
        assert "已载入 3 篇演示文章" in reset.stdout
        assert re.search(r"管理员密码：(\S+)", reset.stdout).group(1) != password
        assert dangjian_shell(COUNT_CODE, env=env).split()[0] == "15"


def test_a_large_demo_archive_still_has_unique_titles():
    from django.utils import timezone

    articles = make_articles(3000, now=timezone.now())
    assert len({a.title for a in articles}) == 3000
