"""A city as a search scope: its articles are found with its filter, on both engines."""

from __future__ import annotations

import re

import pytest

from dangjian.cities.tests.fixtures import make_city
from dangjian.portal.models import ChannelPage
from dangjian.search.services import search_index_rebuild
from dangjian.search.tests.fixtures import dated_article

pytestmark = pytest.mark.django_db


def found(client, **params) -> set[int]:
    html = client.get("/search/", {"q": "红色物业", **params}).content.decode()
    return {int(pk) for pk in re.findall(r'<a class="title" href="/a/(\d+)/">', html)}


def test_the_search_page_filters_by_city(client, two_cities, portal_site):
    shenyang, lincang = two_cities
    dalian = make_city(region_code="210200")
    articles = {}
    for city, name in ((shenyang, "沈阳"), (lincang, "临沧"), (dalian, "大连")):
        articles[city.pk] = [
            dated_article(column, 2, f"{name}{column.title}红色物业", f"{name}推行红色物业模式，解决居民急难愁盼问题。").pk
            for column in ChannelPage.objects.child_of(city)[:2]
        ]
    national = dated_article(portal_site.channels[0], 3, "全国红色物业经验", "各地推行红色物业模式。").pk
    search_index_rebuild()
    html = client.get("/search/", {"q": "红色物业"}).content.decode()
    select = re.search(r'<select name="channel"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert '<optgroup label="城市频道">' in select and f'<option value="{lincang.pk}">{lincang.title}</option>' in select
    assert found(client) == {national, *(pk for pks in articles.values() for pk in pks)}
    assert found(client, channel=lincang.pk) == set(articles[lincang.pk])
    assert found(client, channel=portal_site.channels[0].pk) == {national}
