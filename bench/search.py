#!/usr/bin/env python3
"""Chinese search at 100,000 articles, on SQLite (FTS5) and on PostgreSQL.

    .venv/bin/python bench/search.py                        # both databases, 100,000 articles
    .venv/bin/python bench/search.py --articles 10000 --databases sqlite --no-stock
    .venv/bin/python bench/search.py --databases postgres --no-stock --reuse /tmp/dangjian-search-bench-postgres-…

For each database: a fresh data directory (and a scratch PostgreSQL database, from
DANGJIAN_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres), the demo site
with no articles, then a seeded synthetic archive written straight into the page tables:
about 1,500 characters an article, words drawn from jieba's dictionary with its
frequencies (a Zipf-like vocabulary; jieba is a test dependency), titles of 6 to 10 words,
publish times over five years. Then it times `search_index_rebuild` (the code behind
`dangjian reindex`), prints the index size, runs 200 seeded queries through the engine and
through the whole search page (`dangjian serve --workers 1`, one request at a time over
HTTP), and runs the same queries against Wagtail's stock database backend on the same
archive. "Expected hits" for a query are the articles whose title or text contains every
word of it as typed; each engine's share of them is printed.

--keep keeps a run's data directory (and, for PostgreSQL, its database until the next run);
--reuse DIR runs the queries and the pages again on it with the code as it is now (after
its migrations), without writing or indexing the archive: a change to searching or to the
page measured in minutes instead of half an hour, on the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, run_dangjian, wait_for  # noqa: E402

SEED = 1921


# --- the parent: one child process per database, then the page requests ------------------

BENCH_DATABASE = "dangjian_search_bench"


def bench_postgres(*, fresh: bool) -> str:
    import psycopg

    admin_url = os.environ.get("DANGJIAN_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
    if fresh:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return admin_url.rsplit("/", 1)[0] + f"/{BENCH_DATABASE}"


def page_latencies(env: dict, queries: list[str]) -> list[float]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dangjian", "serve", "--workers", "1", "--port", str(port)],
        env=dict(env, DANGJIAN_SERVE_WORKER="0"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        for query in queries[:20]:  # warm up
            urllib.request.urlopen(f"{base}/search/?q={urllib.parse.quote(query)}").read()
        latencies = []
        for query in queries:
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}/search/?q={urllib.parse.quote(query)}") as response:
                response.read()
                assert response.status == 200
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        server.terminate()
        server.wait(timeout=20)


def run_database(database: str, args) -> dict:
    data_dir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix=f"dangjian-search-bench-{database}-"))
    env = dict(os.environ, DANGJIAN_DATA_DIR=str(data_dir), DANGJIAN_LOG_LEVEL="WARNING", REDIS_URL="", DATABASE_URL="")
    if database == "postgres":
        env["DATABASE_URL"] = bench_postgres(fresh=not args.reuse)
    if args.reuse:
        print(f"-- {database}: the archive kept in {data_dir}", flush=True)
        run_dangjian("migrate", env=env, stdout=subprocess.DEVNULL)
    else:
        print(f"-- {database}: site without articles in {data_dir}", flush=True)
        run_dangjian("demo", "--articles", "0", "--cities", "0", env=env, stdout=subprocess.DEVNULL)
    child = [sys.executable, __file__, "--child", "--articles", str(args.articles), "--queries", str(args.queries)]
    if args.no_stock:
        child.append("--no-stock")
    if args.reuse:
        child += ["--reuse", str(data_dir)]
    result = json.loads(subprocess.run(child, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines()[-1])
    print(f"-- {database}: {args.queries} search pages over HTTP", flush=True)
    result["page_ms"] = page_latencies(env, result["queries"])
    if args.keep or args.reuse:
        print(f"-- {database}: kept {data_dir}", flush=True)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(results: dict[str, dict], args) -> None:
    print(f"\n{args.articles} articles, {args.queries} queries, {os.cpu_count()} cores")
    first = next(iter(results.values()))
    if "segmenter" in first:
        s = first["segmenter"]
        print(f"segmentation: rjieba {s['rjieba']:.1f} M chars/s, jieba {s['jieba']:.2f} M chars/s (same text, cut_for_search)")
    print(f"archive: {first['characters'] / first['articles']:.0f} characters an article on average")
    header = f"{'':<10}{'build s':>9}{'index MB':>10}{'engine p50':>12}{'engine p95':>12}{'select p95':>12}{'page p50':>10}{'page p95':>10}{'found':>8}"
    print(header)
    for database, r in results.items():
        print(
            f"{database:<10}{'reused' if r['build_s'] is None else format(r['build_s'], '.1f'):>9}{r['index_bytes'] / 1e6:>10.0f}"
            f"{percentile(r['engine_ms'], 50):>12.2f}{percentile(r['engine_ms'], 95):>12.2f}"
            f"{percentile(r['selector_ms'], 95):>12.2f}"
            f"{percentile(r['page_ms'], 50):>10.1f}{percentile(r['page_ms'], 95):>10.1f}"
            f"{100 * r['found'] / max(1, r['expected']):>7.1f}%"
        )
    print("(ms; engine = count + ranking of the first results page; select = the whole selector, with the "
          "documents and pages loaded; page = the search page over HTTP; found = share of the expected hits)")
    for database, r in results.items():
        if "stock" in r:
            st = r["stock"]
            print(
                f"stock Wagtail database backend on {database}: index built in {st['build_s']:.0f} s, "
                f"found {st['found']} of {st['expected']} expected hits ({100 * st['found'] / max(1, st['expected']):.1f}%), "
                f"queries p50 {percentile(st['ms'], 50):.1f} ms, p95 {percentile(st['ms'], 95):.1f} ms; "
                f"dangjian found {r['found']} ({100 * r['found'] / max(1, r['expected']):.1f}%)"
            )
            print(f"  queries where stock Wagtail found nothing but there were hits: {st['missed_queries']} of {len(st['ms'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--no-stock", action="store_true", help="skip Wagtail's stock backend")
    parser.add_argument("--keep", action="store_true", help="keep the data directories, to look into them")
    parser.add_argument("--reuse", metavar="DIR", help="measure again on a data directory kept by --keep (one database)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    if args.reuse and "," in args.databases:
        parser.error("--reuse takes the data directory of one database: give --databases sqlite or postgres")
    results = {database: run_database(database, args) for database in args.databases.split(",")}
    report(results, args)


# --- the child: inside Django, on one database -------------------------------------------

def vocabulary():
    """jieba's dictionary: (words, cumulative weights), weights damped so rare words occur."""
    import jieba

    words, cumulative, total = [], [], 0.0
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as source:
        for line in source:
            word, frequency, _tag = line.split(" ")
            total += int(frequency) ** 0.8
            words.append(word)
            cumulative.append(total)
    return words, cumulative


def make_text(rng: random.Random, words, cumulative, length: int) -> str:
    parts, size = [], 0
    while size < length:
        sentence = "".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(6, 14)))
        parts.append(sentence + rng.choice("，，，。。；！？"))
        size += len(sentence) + 1
    return "".join(parts)


def write_archive(count: int, rng: random.Random) -> list[tuple[int, str, str]]:
    """Insert `count` live articles straight into the page tables; returns (id, title, text)."""
    import datetime as dt
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from tqdm import tqdm
    from wagtail.models import Page

    from dangjian.portal.models import ArticlePage, ChannelPage

    words, cumulative = vocabulary()
    channels = list(ChannelPage.objects.order_by("path"))
    content_type = ContentType.objects.get_for_model(ArticlePage)
    fields = [f for f in ArticlePage._meta.local_concrete_fields if f.column != "page_ptr_id"]
    insert = (
        f"INSERT INTO portal_articlepage (page_ptr_id, {', '.join(f.column for f in fields)}) "
        f"VALUES (%s, {', '.join(['%s'] * len(fields))})"
    )
    now = timezone.now()
    archive, children = [], {channel.pk: channel.numchild for channel in channels}
    batch = 2000
    for start in tqdm(range(0, count, batch), desc="writing articles", unit_scale=batch, file=sys.stderr):
        pages, extras = [], []
        for n in range(start, min(count, start + batch)):
            channel = channels[n % len(channels)]
            children[channel.pk] += 1
            title = "".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(6, 10)))[:60]
            text = make_text(rng, words, cumulative, rng.randint(1200, 1800))
            published = now - dt.timedelta(seconds=rng.uniform(3600, 5 * 365 * 86400))
            slug = f"b{n}"
            pages.append(Page(
                title=title, draft_title=title, slug=slug, content_type=content_type, live=True,
                path=channel.path + _step(children[channel.pk]),
                depth=channel.depth + 1, numchild=0, url_path=f"{channel.url_path}{slug}/", locale_id=channel.locale_id,
                translation_key=uuid.UUID(int=rng.getrandbits(128)), first_published_at=published, last_published_at=published,
            ))
            article = ArticlePage(title=title, body=[{"type": "text", "value": f"<p>{text}</p>", "id": str(uuid.UUID(int=n))}])
            extras.append(article)
            archive.append((title, text))
        with transaction.atomic():
            created = Page.objects.bulk_create(pages)
            rows = [
                [page.pk] + [field.get_db_prep_save(getattr(article, field.attname), connection) for field in fields]
                for page, article in zip(created, extras, strict=True)
            ]
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)
    for channel in channels:
        Page.objects.filter(pk=channel.pk).update(numchild=children[channel.pk])
    # A PostgreSQL site that grew to this size has planner statistics (autovacuum); rows
    # written in one go have none until autovacuum comes round, and without them PostgreSQL
    # walked every page to find the five channels (5 ms per header). SQLite gathers none
    # unless someone runs ANALYZE (with them, taken while the index was empty, a rebuild of
    # 10,000 articles took 110 s instead of 28).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ids = list(ArticlePage.objects.order_by("pk").values_list("pk", flat=True))
    return [(page_id, title, text) for page_id, (title, text) in zip(ids, archive, strict=True)]


def kept_archive() -> list[tuple[int, str, str]]:
    """What write_archive returned, read back: the text is the documents' (plain, as written)."""
    from dangjian.portal.models import ArticlePage
    from dangjian.search.models import SearchDocument

    texts = dict(SearchDocument.objects.values_list("page_id", "text"))
    return [(page_id, title, texts[page_id]) for page_id, title in ArticlePage.objects.order_by("pk").values_list("pk", "title")]


def _step(number: int) -> str:
    """The 4-character base-36 step of Wagtail's (treebeard's) tree paths."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digits = ""
    for _ in range(4):
        number, digit = divmod(number, 36)
        digits = alphabet[digit] + digits
    return digits


def make_queries(rng: random.Random, archive, count: int) -> list[str]:
    """Seeded queries as readers type them: title words, rarer words, two-word searches,
    phrases copied from articles, single characters, Latin and numbers, and misses."""
    import rjieba

    jieba = rjieba.Jieba()
    queries = []
    plan = [("title word", 0.35), ("two words", 0.2), ("phrase", 0.15), ("body word", 0.15), ("one character", 0.05), ("miss", 0.1)]
    for kind, share in plan:
        for _ in range(round(share * count)):
            _page_id, title, text = rng.choice(archive)
            title_words = [w for w in jieba.cut(title) if len(w) >= 2]
            body_words = [w for w in jieba.cut(text[:300]) if len(w) >= 2]
            if kind == "title word" and title_words:
                queries.append(rng.choice(title_words))
            elif kind == "two words" and len(title_words) >= 2:
                queries.append(" ".join(rng.sample(title_words, 2)))
            elif kind == "phrase":
                start = rng.randrange(0, max(1, len(text) - 8))
                queries.append(text[start : start + rng.randint(4, 8)].strip("，。；！？"))
            elif kind == "body word" and body_words:
                queries.append(rng.choice(body_words))
            elif kind == "one character":
                queries.append(rng.choice([c for c in title if c not in "，。；！？"]))
            else:
                queries.append(rng.choice(["区块链冬奥", "Kubernetes", "5G基站2035", "元宇宙直播带货", "ChatGPT"]) + str(rng.randint(1, 99)))
    while len(queries) < count:
        queries.append(rng.choice(archive)[1][:2])
    return queries[:count]


def expected_hits(haystacks, query: str) -> set[int]:
    words = query.lower().split()
    return {page_id for page_id, haystack in haystacks if all(word in haystack for word in words)}


def measure_segmenters(text: str) -> dict:
    import jieba
    import rjieba

    jieba.setLogLevel(60)
    jieba.initialize()
    result = {}
    for name, cut in [("rjieba", rjieba.Jieba().cut_for_search), ("jieba", lambda t: list(jieba.cut_for_search(t)))]:
        cut(text[:100])  # rjieba loads its dictionary on first use, which is not segmenting
        started = time.perf_counter()
        cut(text)
        result[name] = len(text) / (time.perf_counter() - started) / 1e6
    return result


def child_main(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    import django

    django.setup()
    import logging

    from django.db import connection
    from wagtail.models import Page
    from wagtail.search import index
    from wagtail.search.backends.database import SearchBackend as StockBackend

    from dangjian.portal.models import ArticlePage
    from dangjian.search import segmenter
    from dangjian.search.backends import Query, engine
    from dangjian.search.models import KEY_SHIFT
    from dangjian.search.selectors import ranked_keys, search_articles
    from dangjian.search.services import search_index_rebuild

    logging.disable(logging.INFO)
    rng = random.Random(SEED)
    archive = kept_archive() if args.reuse else write_archive(args.articles, rng)
    result = {"articles": len(archive), "characters": sum(len(t) + len(x) for _i, t, x in archive), "build_s": None}
    if connection.vendor == "sqlite":
        result["segmenter"] = measure_segmenters("".join(text for _i, _t, text in archive[:1500]))

    if not args.reuse:
        print("-- building the search index", file=sys.stderr, flush=True)
        started = time.perf_counter()
        search_index_rebuild(processes=os.cpu_count() or 1)  # as `dangjian reindex` does
        result["build_s"] = time.perf_counter() - started
    result["index_bytes"] = engine().size_bytes()

    queries = make_queries(random.Random(SEED + 1), archive, args.queries)
    result["queries"] = queries
    for query in queries[:20]:  # warm the database's caches as a running site has them
        search_articles(query=query)
    haystacks = [(page_id, f"{title}\n{text}".lower()) for page_id, title, text in archive]
    engine_ms, selector_ms, found, expected, per_query = [], [], 0, 0, []
    for query in queries:
        terms = segmenter.query_terms(query)
        started = time.perf_counter()
        if terms:
            with engine().reading():
                if total := engine().count(Query(terms=terms)):
                    ranked_keys(Query(terms=terms), relevance=True, offset=0, limit=20, total=total)
        engine_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        search_articles(query=query)
        selector_ms.append((time.perf_counter() - started) * 1000)
        want = expected_hits(haystacks, query)
        with engine().reading():
            got = {key & ((1 << KEY_SHIFT) - 1) for key in engine().newest(Query(terms=terms), limit=10**7)} if terms else set()
        found += len(want & got)
        expected += len(want)
        per_query.append(want)
    result.update(engine_ms=engine_ms, selector_ms=selector_ms, found=found, expected=expected)
    slowest = sorted(zip(engine_ms, queries, strict=True), reverse=True)[:5]
    print("-- slowest engine calls: " + ", ".join(f"{q!r} {ms:.1f} ms" for ms, q in slowest), file=sys.stderr)

    if not args.no_stock:
        # What a stock Wagtail site has: Page's own search fields and the body, unsegmented.
        ArticlePage.search_fields = Page.search_fields + [index.SearchField("body")]
        stock = StockBackend({})
        print("-- building the stock Wagtail index", file=sys.stderr, flush=True)
        started = time.perf_counter()
        stock.reset_indexes()
        articles = ArticlePage.objects.live().order_by("pk")
        for start in range(0, len(archive), 2000):
            stock.add_bulk(ArticlePage, list(articles[start : start + 2000]))
        stock_result = {"build_s": time.perf_counter() - started, "ms": [], "found": 0, "expected": expected, "missed_queries": 0}
        for query, want in zip(queries, per_query, strict=True):
            started = time.perf_counter()
            live = ArticlePage.objects.live().only("pk")
            got = {page.pk for page in stock.search(query, live, order_by_relevance=False)}
            stock_result["ms"].append((time.perf_counter() - started) * 1000)
            stock_result["found"] += len(want & got)
            stock_result["missed_queries"] += bool(want and not got)
        result["stock"] = stock_result
    print(json.dumps(result))


if __name__ == "__main__":
    main()
