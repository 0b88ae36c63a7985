#!/usr/bin/env python3
"""City channels at scale: provisioning time, and uncached renders of the directory, a city
home and a city column with 300 cities and 100,000 articles.

    .venv/bin/python bench/cities.py                          # 300 cities, 100,000 articles
    .venv/bin/python bench/cities.py --cities 30 --articles 5000

A fresh data directory gets the demo's national channels; then, in one process, the
cities are provisioned one by one as approvals do (services.city_provision, timed), the
articles are written straight into the page tables across every channel (national and
city columns, as bench/search.py does), and each page is rendered in Django with the full
page cache off (median of 20 renders after 3 warm-ups, with its number of queries). Last,
the isolation guard: a city's editor asks the admin for 100 pages of other cities; and one
refresh of every hot list (home, channels, cities, columns).
SQLite, the embedded default; set DATABASE_URL (a scratch database: 100,000 pages are written
into it) and REDIS_URL for PostgreSQL + Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(args) -> None:
    import django

    django.setup()
    import logging

    for name in ("wagtail", "dangjian.core.invalidation", "django.request"):  # a line per page published or refused
        logging.getLogger(name).setLevel(logging.WARNING)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from search import write_archive

    from dangjian.cities import regions, services
    from dangjian.cities.models import CityChannelPage, CityRole
    from dangjian.portal.models import ArticlePage, ChannelPage

    def make_user(name: str):
        return get_user_model().objects.create_user(name)

    codes = [city.code for province in regions.provinces() for city in regions.children_of(province.code)][: args.cities]
    durations = []
    for n, code in enumerate(codes):
        admin = make_user(f"bench-city-{n}")
        started = time.perf_counter()
        services.city_provision(title=f"{regions.lookup(code).name}党建", slug=f"c{code}", region_code=code,
                                organization=f"中共{regions.lookup(code).name}委组织部", description="", admin=admin, user=None)
        durations.append(time.perf_counter() - started)
    write_archive(args.articles, random.Random(7))
    services.city_article_count_refresh()  # the rows were written without signals

    city = CityChannelPage.objects.order_by("path")[len(codes) // 2]
    column = ChannelPage.objects.child_of(city).order_by("path").first()
    client = Client(HTTP_HOST="127.0.0.1")  # the demo site's host (DANGJIAN_BASE_URL)
    renders = {}
    for name, url in [("directory", "/city/"), ("city home", city.url), ("city column", column.url)]:
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(20):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                assert client.get(url).status_code == 200
                times.append((time.perf_counter() - started) * 1000)
        renders[name] = {"median_ms": statistics.median(times), "queries": len(queries)}

    # Hot lists are ranked per scope (the home page, every channel, every city and column):
    # one refresh, with views on 2,000 articles in the last hour.
    from dangjian.pageviews.selectors import hot_list_scopes
    from dangjian.pageviews.services import hot_lists_refresh, views_apply

    hour = int(time.time() // 3600)
    read = ArticlePage.objects.order_by("?").values_list("pk", flat=True)[:2000]
    views_apply(batch_id="bench-cities", increments={(pk, hour): n % 50 + 1 for n, pk in enumerate(read)})
    started = time.perf_counter()
    hot_lists_refresh()
    hot_lists_s = time.perf_counter() - started
    scopes = hot_list_scopes().count()

    editor = city.staff_groups.get(role=CityRole.FIRST_REVIEW).group
    user = make_user("bench-editor")
    user.groups.add(editor)
    client.force_login(user)
    others = list(ArticlePage.objects.exclude(path__startswith=city.path).order_by("?").values_list("pk", flat=True)[:100])
    started = time.perf_counter()
    refused = sum(client.get(f"/admin/pages/{pk}/edit/").status_code == 404 for pk in others)
    guard_ms = (time.perf_counter() - started) * 1000 / max(1, len(others))
    mine = ArticlePage.objects.filter(path__startswith=city.path).first()
    allowed = mine is None or client.get(f"/admin/pages/{mine.pk}/edit/").status_code == 200
    print(json.dumps({
        "database": connection.vendor, "cities": len(codes), "articles": ArticlePage.objects.count(),
        "provision_median_s": statistics.median(durations), "provision_max_s": max(durations),
        "renders": renders, "other_cities_refused": f"{refused}/{len(others)}", "own_article_editable": allowed,
        "admin_request_ms": guard_ms, "hot_lists_s": hot_lists_s, "hot_list_scopes": scopes,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=300)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-cities-") as data:
        env = {**os.environ, "DANGJIAN_DATA_DIR": data, "DANGJIAN_PAGE_CACHE": "0", "DJANGO_SETTINGS_MODULE": "dangjian.settings",
               "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        for command in (["demo", "--articles", "0", "--cities", "0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([sys.executable, "-m", "dangjian", *command], env=env, check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([sys.executable, __file__, "--child", "--cities", str(args.cities), "--articles", str(args.articles)],
                             env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"{result['database']}: {result['cities']} cities, {result['articles']:,} articles")
    print(f"  provisioning one city: median {result['provision_median_s']:.2f} s, slowest {result['provision_max_s']:.2f} s")
    for name, figures in result["renders"].items():
        print(f"  {name:12s} uncached render: median {figures['median_ms']:.1f} ms, {figures['queries']} queries")
    print(f"  a city editor opening other cities' articles in the admin: {result['other_cities_refused']} refused (404), "
          f"{result['admin_request_ms']:.1f} ms per request; own article editable: {result['own_article_editable']}")
    print(f"  hot lists refresh: {result['hot_lists_s']:.1f} s for {result['hot_list_scopes']} scopes")


if __name__ == "__main__":
    main()
