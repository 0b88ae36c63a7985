"""RSS 2.0 feeds: the whole site at /feed/, each channel at /<channel>/feed/."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed
from wagtail.models import Site

from dangjian.core.dependencies import depends_on, depends_on_pages, list_key, page_key

from .models import ArticlePage, ChannelPage, PortalSettings, without_control_characters

FEED_SIZE = 30


@dataclass(frozen=True)
class FeedSource:
    """What one request's feed is about. The Feed instance itself is shared by every thread
    of a worker (it lives in the URLconf), so per-request state travels in this object."""

    site: Site
    portal: PortalSettings
    channel: ChannelPage | None


class ArticleFeed(Feed):
    """The newest articles of the site, or of one channel when given one."""

    feed_type = Rss201rev2Feed

    def get_object(self, request, channel: ChannelPage | None = None) -> FeedSource:
        site = Site.find_for_request(request)
        return FeedSource(site=site, portal=PortalSettings.for_site(site), channel=channel)

    def title(self, source: FeedSource):
        name = source.portal.site_name
        return without_control_characters(f"{source.channel.title} - {name}" if source.channel else name)

    def link(self, source: FeedSource):
        return (source.channel or source.site.root_page).get_full_url()

    def description(self, source: FeedSource):
        text = (source.channel.description if source.channel else "") or source.portal.description
        return without_control_characters(text)

    def items(self, source: FeedSource):
        articles = ArticlePage.objects.live().public()
        scope = source.channel or source.site.root_page
        if source.channel:
            articles = source.channel.articles()
            depends_on(page_key(source.channel.pk))
        else:
            articles = articles.descendant_of(source.site.root_page)
        items = list(articles.listing()[:FEED_SIZE])
        depends_on(list_key(scope.pk))
        depends_on_pages(items)
        return items

    def item_title(self, item):
        return without_control_characters(item.title)

    def item_description(self, item):
        return without_control_characters(item.summary)

    def item_link(self, item):
        return item.get_full_url()

    def item_pubdate(self, item):
        return item.first_published_at

    def item_author_name(self, item):
        return without_control_characters(item.byline_author) or None

