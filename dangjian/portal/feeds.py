"""RSS 2.0 feeds: the whole site at /feed/, each channel at /<channel>/feed/."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed
from wagtail.models import Site

from .models import ArticlePage, ChannelPage, PortalSettings, without_control_characters

FEED_SIZE = 30


class ArticleFeed(Feed):
    """The newest articles of the site, or of one channel when given one."""

    feed_type = Rss201rev2Feed

    def get_object(self, request, channel: ChannelPage | None = None):
        self.request = request
        self.site = Site.find_for_request(request)
        self.portal = PortalSettings.for_site(self.site)
        return channel

    def title(self, channel):
        return without_control_characters(f"{channel.title} - {self.portal.site_name}" if channel else self.portal.site_name)

    def link(self, channel):
        return (channel or self.site.root_page).get_full_url(self.request)

    def description(self, channel):
        return without_control_characters((channel.description if channel else "") or self.portal.description)

    def items(self, channel):
        articles = ArticlePage.objects.live().public()
        articles = articles.child_of(channel) if channel else articles.descendant_of(self.site.root_page)
        return articles.listing()[:FEED_SIZE]

    def item_title(self, item):
        return without_control_characters(item.title)

    def item_description(self, item):
        return without_control_characters(item.summary)

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_author_name(self, item):
        return without_control_characters(item.byline_author) or None

