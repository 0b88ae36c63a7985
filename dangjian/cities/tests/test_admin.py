"""The city administrator's page: the city's staff, and the city's traffic only."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from dangjian.cities.models import CityRole
from dangjian.cities.tests.fixtures import city_staff
from dangjian.pageviews.services import views_apply
from dangjian.portal.models import ChannelPage
from dangjian.portal.tests.fixtures import make_article

pytestmark = pytest.mark.django_db


def test_the_city_admin_sees_the_citys_staff_and_traffic_only(two_cities):
    city_a, city_b = two_cities
    staff = city_staff(city_a)
    mine = make_article(ChannelPage.objects.child_of(city_a).first(), revision=True, title="沈阳本月热门文章")
    theirs = make_article(ChannelPage.objects.child_of(city_b).first(), revision=True, title="临沧本月热门文章")
    hour = int(time.time() // 3600)
    views_apply(batch_id="city-traffic", increments={(mine.pk, hour): 37, (theirs.pk, hour): 5000})
    client = Client()
    client.force_login(staff[CityRole.ADMIN])
    page = client.get("/admin/cities/mine/").content.decode()
    assert "沈阳本月热门文章" in page and "临沧本月热门文章" not in page
    assert 'data-views="37"' in page and "5000" not in page
    assert staff[CityRole.FINAL_REVIEW].phone in page
    client.force_login(staff[CityRole.FIRST_REVIEW])
    assert client.get("/admin/cities/mine/").status_code in (302, 403)
