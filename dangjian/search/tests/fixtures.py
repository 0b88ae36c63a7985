"""Search fixtures: a fixed archive whose expected search results are known, and index
updates that run as soon as the transaction commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from dangjian.portal.tests.fixtures import make_article
from dangjian.search.services import search_index_rebuild

# (key, channel index, days ago, title, body). Each key names an article in the tests.
ARCHIVE = [
    ("fengqing-meeting", 0, 1, "凤庆县召开基层党建工作推进会", "凤庆县委组织部召开全县基层党建工作推进会，部署2023年重点任务，要求各支部落实三会一课制度。"),
    ("congress-community", 0, 2, "二十大精神进社区", "社区党支部组织党员集中学习二十大报告，来自凤庆县的代表参加了宣讲。"),
    ("5g-village", 1, 3, "5G网络助力乡村振兴", "乡村振兴离不开数字基础设施。今年5G基站已经覆盖全部行政村，电商直播带动农产品销售。"),
    ("tea", 1, 4, "茶叶产业带动群众增收", "凤庆是滇红茶的故乡。茶叶产业是当地乡村振兴的支柱，茶农收入持续增长，茶叶加工厂吸纳了大量就业，茶叶品牌越来越响。"),
    ("volunteers", 0, 5, "党员志愿服务队走进养老院", "党员志愿者为老人理发、打扫卫生，医务人员开展义诊活动，受到老人们欢迎。"),
    ("study-points", 0, 6, "学习强国积分排行榜公布", "本月学习强国积分排名前十的党员受到支部表彰，大家纷纷表示要坚持每天学习。"),
    ("theme-education", 0, 7, "“不忘初心、牢记使命”主题教育总结", "主题教育期间，各支部认真查摆问题，逐项整改落实，取得明显成效。"),
    ("epidemic", 1, 8, "COVID-19疫情防控中的党员先锋", "疫情防控一线，党员干部冲锋在前，设立党员先锋岗二十个。"),
    ("model-members", 0, 9, "2023年度优秀共产党员名单公布", "经过层层评选，共有30名同志被评为2023年度优秀共产党员，将在七一大会上受到表彰。"),
    ("collective-economy", 1, 10, "村级集体经济发展调研报告", "调研组深入各村，了解集体经济发展情况，凤庆县的经验值得推广。"),
    ("red-property", 0, 11, "红色物业进小区", "街道党工委推行红色物业模式，物业公司成立党支部，解决居民急难愁盼问题。"),
    ("red-tourism", 1, 12, "红色旅游线路发布", "县里发布三条红色旅游线路。景区物业管理也同步提升，游客满意度提高。"),
    ("wuyue", 0, 13, "吾悦社区开展邻里节", "吾悦社区党委联合辖区单位举办邻里节，居民包饺子、写春联，其乐融融。"),
    ("english", 1, 14, "Party building goes digital 数字党建", "The county launched an app for party members: 数字党建平台上线，支持在线学习和组织生活。"),
]
# Never to be found: a draft, an unpublished article and one readers may not see.
HIDDEN = [
    ("draft", 0, 1, "凤庆县茶叶大会草稿", "凤庆县茶叶大会的草稿，尚未发布。"),
    ("unpublished", 0, 2, "凤庆县撤下的稿件", "这篇关于凤庆县的稿件已经撤下。"),
    ("private", 0, 3, "凤庆县内部通知", "仅限登录用户阅读的凤庆县内部通知。"),
]


@dataclass
class SearchArchive:
    articles: dict  # key -> ArticlePage
    channels: list

    def key_of(self, page) -> str:
        return next(key for key, article in self.articles.items() if article.pk == page.pk)


def dated_article(channel, days_ago: int, title: str, body: str, **extra):
    return make_article(
        channel, title=title, summary="", byline_organization="", byline_author="",
        body=[("text", RichText(f"<p>{body}</p>"))],
        first_published_at=timezone.now() - dt.timedelta(days=days_ago), **extra,
    )


@pytest.fixture
def search_archive(portal_site) -> SearchArchive:
    channels = portal_site.channels
    articles = {key: dated_article(channels[ch], days, title, body) for key, ch, days, title, body in ARCHIVE}
    articles["draft"] = dated_article(channels[0], 1, *HIDDEN[0][3:], live=False)
    unpublished = dated_article(channels[0], 2, *HIDDEN[1][3:])
    unpublished.unpublish()
    articles["unpublished"] = unpublished
    private = dated_article(channels[0], 3, *HIDDEN[2][3:])
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    articles["private"] = private
    search_index_rebuild()
    return SearchArchive(articles=articles, channels=channels)


@pytest.fixture
def index_tasks(settings, django_capture_on_commit_callbacks):
    """Index updates run when the transaction commits, as the worker would run them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def committed():
        return django_capture_on_commit_callbacks(execute=True)

    return committed
