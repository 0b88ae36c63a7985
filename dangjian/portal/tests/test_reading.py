"""Reading on a phone, for elderly readers, on days of mourning and on paper, in Chromium:
长者模式, text size, read aloud, phone navigation and touch targets, printing, and WCAG 2.1 AA
(axe-core) on every public page in every mode at both widths."""

from __future__ import annotations

import re
import time
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from dangjian.demo.services import demo_cities_ensure, demo_content_load
from dangjian.portal.selectors import article_text
from dangjian.testing.axe import axe_violations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Every URL pattern readers can reach, and how the accessibility test covers it: a page it
# opens (by route), or why it is not a page of its own. A new pattern fails the test until
# it is placed here.
NOT_PAGES = {
    "documents/^(\\d+)/(.*)$": "a file download",
    "documents/authenticate_with_password/<int:restriction_id>/": "Wagtail's password form for private documents (none are)",
    "a/<int:page_id>/poster.png": "an image",
    "share/wechat/": "JSON",
    "b/<int:banner_id>/": "a redirect",
    "login/status/": "JSON",
    "logout/": "POST only",
    "logout/all/": "POST only",
    "me/state/": "JSON",
    "me/export/": "a JSON download",
    "contribute/<int:submission_id>/submit/": "POST only",
    "contribute/<int:submission_id>/withdraw/": "POST only",
    "city/apply/restart/": "POST only",
    "city/regions/<str:code>/": "JSON",
    "complaint/restart/": "POST only",
    "complaint/case/restart/": "POST only",
    "captcha/image/(?P<key>\\w+)/$": "an image",
    "captcha/image/(?P<key>\\w+)@2/$": "an image",
    "captcha/audio/(?P<key>\\w+).wav$": "a sound (not enabled)",
    "captcha/refresh/$": "JSON",
    "pv/<int:page_id>": "the view-count beacon",
    "feed/": "RSS",
    "sitemap.xml": "XML",
    "robots.txt": "text",
    "media/<path:path>": "files",
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": "Wagtail's password form (no page uses one)",
    "_util/login/": "redirects to the login page",
    "admin/login/": "the editors' admin (issue 27)",
}


def public_routes() -> set[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith(("admin/", "django-admin/")):
                    yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route

    return set(walk(get_resolver().url_patterns))


@pytest.fixture
def reading_site(settings):
    settings.SMS_BACKEND = "console"
    demo_content_load(article_count=12, progress=False)
    demo_cities_ensure(count=1, password="a-long-Passw0rd", articles_per_city=2, progress=False)


@pytest.fixture
def article(reading_site):
    """The newest article of a national channel."""
    from dangjian.portal.models import ArticlePage

    return ArticlePage.objects.live().filter(depth=4).order_by("-first_published_at").first()


def _pages(article) -> dict[str, str]:
    """One URL for each page route a reader reaches without logging in."""
    from dangjian.cities.models import CityChannelPage
    from dangjian.portal.models import ChannelPage

    city = CityChannelPage.objects.live().first()
    return {
        "^((?:[\\w\\-]+/)*)$ home": "/",
        "^((?:[\\w\\-]+/)*)$ channel": ChannelPage.objects.live().filter(depth=3).first().url,
        "^((?:[\\w\\-]+/)*)$ article": article.url,
        "^((?:[\\w\\-]+/)*)$ city directory": city.get_parent().url,
        "^((?:[\\w\\-]+/)*)$ city": city.url,
        "a/<int:page_id>/": f"/a/{article.pk}/",
        "search/": "/search/?q=党建",
        "search/ empty": "/search/",
        "login/": "/login/",
        "city/about/": "/city/about/",
        "complaint/": "/complaint/",
        "complaint/case/": "/complaint/case/",
        "^((?:[\\w\\-]+/)*)$ 404": "/no-such-page/",
    }


def _logged_in_pages(submission_id: int, application: str, case: str) -> dict[str, tuple[str, str]]:
    return {
        "me/": ("/me/", "reader"),
        "me/phone/": ("/me/phone/", "reader"),
        "me/delete/": ("/me/delete/", "reader"),
        "contribute/": ("/contribute/", "reader"),
        "contribute/new/": ("/contribute/new/", "reader"),
        "contribute/<int:submission_id>/": (f"/contribute/{submission_id}/", "reader"),
        "contribute/<int:submission_id>/preview/": (f"/contribute/{submission_id}/preview/", "reader"),
        "city/apply/": ("/city/apply/", "reader"),
        "city/apply/<str:reference>/": (f"/city/apply/{application}/", "applicant"),
        "complaint/case/<str:number>/": (f"/complaint/case/{case}/", "reader"),
        "complaint/counter/<str:number>/": (f"/complaint/counter/{case}/", "reader"),
    }


# Touch targets: every control a reader taps outside the article's own text (inline links in
# the body are exempt, as WCAG exempts links inside sentences). A checkbox or radio button is
# tapped through its label, which is measured instead (the hot list's tabs hide their radios).
TOO_SMALL = """(minimum) => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, summary')) {
    if (el.closest('.article-body') || el.matches('.skip-link, .visually-hidden')) continue;
    const target = el.matches('input[type=radio], input[type=checkbox]') ? el.labels[0] : el;
    if (!target) { small.push(`${el.outerHTML.slice(0, 80)} without a label`); continue; }
    const box = target.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (box.width < minimum - 0.5 || box.height < minimum - 0.5)
      small.push(`${target.outerHTML.slice(0, 80)} ${Math.round(box.width)}×${Math.round(box.height)}`);
  }
  return small;
}"""


def _axe(page, mode: str) -> list:
    """axe's WCAG 2.1 A/AA violations, and the touch targets under 44 px (48 in 长者模式)."""
    if mode == "mourning":  # the class modes.js sets during a period (tested with the clock below)
        page.evaluate("document.documentElement.classList.add('mourning')")
    assert page.evaluate("document.documentElement.classList.contains('elder')") == (mode == "elder")
    violations = axe_violations(page, "html", tags=WCAG_AA)
    if mode == "elder":  # 长者模式 promises the enhanced contrast, 7:1
        violations += axe_violations(page, "html", rules=["color-contrast-enhanced"])
    return violations + page.evaluate(TOO_SMALL, 48 if mode == "elder" else 44)


def check_every_page(chromium, base_url, anonymous, logged_in, cookies):
    """axe and the touch targets on every page in every mode at both widths: {(page, width, mode): problems}.
    `logged_in` maps a page to (URL, whose session cookie opens it)."""
    found = {}
    for number, (viewport, mode) in enumerate((v, m) for v in (PHONE, DESKTOP) for m in ("normal", "elder", "mourning")):
        # Each round is a reader of its own: its own address and number for the SMS code.
        context = chromium.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True,
                                       extra_http_headers={"X-Test-Client": f"192.0.2.{number + 1}"})
        if mode == "elder":
            context.add_init_script("localStorage.setItem('dj-elder', '1')")
        page = context.new_page()
        for name, url in anonymous.items():
            response = page.goto(base_url + url)
            assert response.status == (404 if name.endswith("404") else 200), name
            # /a/<id>/ is the short address of the article's page; everything else is itself.
            assert name == "a/<int:page_id>/" or unquote(page.url) == base_url + url, (name, page.url)
            found[(name, viewport["width"], mode)] = _axe(page, mode)
        page.goto(base_url + "/login/")
        page.fill("input[name=phone]", f"1390013900{number}")
        page.get_by_role("button", name="获取验证码").click()
        page.wait_for_url("**/login/code/")
        found[("login/code/", viewport["width"], mode)] = _axe(page, mode)
        page.goto(base_url + "/login/")  # a second code from this address: the captcha
        assert page.locator("img.captcha").is_visible()
        found[("login/ captcha", viewport["width"], mode)] = _axe(page, mode)
        for name, (url, who) in logged_in.items():
            context.clear_cookies()
            context.add_cookies([{**cookies[who], "url": base_url}])
            assert page.goto(base_url + url).status == 200, name
            assert page.url == base_url + url, (name, page.url)
            found[(name, viewport["width"], mode)] = _axe(page, mode)
        context.close()
    return found


def reader_with_everything(sms_outbox, settings):
    """A reader with a draft contribution, a city application, a complaint this browser may
    follow, and a taken-down article of theirs to answer with a counter-notice; the demo's
    pending city application's applicant. The pages they open, and their session cookies."""
    from django.test import Client

    from dangjian.cities.models import CityApplication
    from dangjian.complaints import services as complaint_services
    from dangjian.complaints.tests.fixtures import make_complaint
    from dangjian.complaints.views import CASES_SESSION
    from dangjian.contributions.models import Submission
    from dangjian.contributions.tests.fixtures import make_user
    from dangjian.portal.models import ArticlePage, ChannelPage

    reader = make_user("reader")
    channel = ChannelPage.objects.filter(accepts_contributions=True).first()
    draft = channel.add_child(instance=ArticlePage(title="读者来稿：社区里的老党员", slug="reader-draft", live=False,
                                                   summary="一位老党员的故事。", owner=reader))
    submission = Submission.objects.create(page=draft, contributor=reader, contact_phone=reader.phone)
    published = ArticlePage.objects.live().filter(depth=4).order_by("first_published_at").first()
    Submission.objects.create(page=published, contributor=reader, contact_phone=reader.phone)
    complaint = make_complaint(sms_outbox, published)
    admin = get_user_model().objects.create_superuser(username="takedown-admin", password="a-long-Passw0rd")
    complaint_services.complaint_take_down(complaint=complaint, user=admin)
    application = CityApplication.objects.first()

    def cookie(user, **session_values) -> dict:
        client = Client()
        client.force_login(user)
        session = client.session
        session.update(session_values)
        session.save()
        return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}

    cookies = {"reader": cookie(reader, **{CASES_SESSION: [complaint.number]}), "applicant": cookie(application.applicant)}
    return _logged_in_pages(submission.pk, application.reference, complaint.number), cookies


@pytest.mark.one_backend
def test_every_public_page_meets_wcag_21_aa_with_large_touch_targets_in_every_mode(
    browser, live_server, article, sms_outbox, settings
):
    settings.CLIENT_IP_META_KEY = "HTTP_X_TEST_CLIENT"
    anonymous = _pages(article)
    logged_in, cookies = reader_with_everything(sms_outbox, settings)

    covered = {name.split(" ")[0] for name in {**anonymous, **logged_in}} | {"login/code/"}
    unplaced = public_routes() - covered - set(NOT_PAGES)
    assert not unplaced, f"public URL patterns the accessibility test does not cover: {sorted(unplaced)}"

    found = browser.run(check_every_page, live_server.url, anonymous, logged_in, cookies)
    print(f"axe-core on {len(found)} page views: {sorted({name for name, _w, _m in found})}")
    assert len(found) == (len(anonymous) + 2 + len(logged_in)) * 6
    failures = {key: violations for key, violations in found.items() if violations}
    assert failures == {}, "\n".join(f"{key}: {problems}" for key, problems in failures.items())




def read_on_a_phone(chromium, base_url, article_url):
    context = chromium.new_context(viewport=NARROW, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    seen = {}

    page.goto(base_url + "/")
    # Every channel in sight on a 360 px screen: the menu wraps instead of scrolling away.
    seen["channels off screen"] = page.evaluate("""() => [...document.querySelectorAll('.site-nav a')]
        .filter(a => a.getBoundingClientRect().right > window.innerWidth || a.getBoundingClientRect().left < 0)
        .map(a => a.textContent)""")
    seen["channels"] = page.locator(".site-nav a").count()
    hot = page.locator(".hot-list").bounding_box()["y"] + page.evaluate("window.scrollY")
    seen["hot list at"] = hot / page.evaluate("document.documentElement.scrollHeight")

    page.goto(base_url + article_url)
    seen["normal body px"] = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize)")
    seen["banner shown"] = page.locator(".banner-slot").first.is_visible()

    # A+ three times, then A− once: each step larger, remembered on the next page.
    sizes = []
    for _ in range(3):
        page.get_by_role("button", name="放大字号").press("Enter")
        sizes.append(page.evaluate("parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize)"))
    seen["A+ disabled at the largest"] = page.get_by_role("button", name="放大字号").is_disabled()
    page.get_by_role("button", name="缩小字号").press("Enter")
    seen["sizes"] = sizes
    page.reload()
    seen["size after reload"] = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize)")
    page.get_by_role("button", name="缩小字号").click()
    page.get_by_role("button", name="缩小字号").click()

    # 长者模式, switched on with the keyboard (Space on the focused button).
    toggle = page.get_by_role("button", name="长者模式")
    toggle.focus()
    page.keyboard.press("Space")
    seen["pressed"] = toggle.get_attribute("aria-pressed")
    page.goto(base_url + article_url)  # remembered: applied before the page is drawn
    seen["elder after navigation"] = page.evaluate("document.documentElement.classList.contains('elder')")
    seen["elder body px"] = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.article-body')).fontSize)")
    seen["elder line height"] = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.article-body'));
        return parseFloat(s.lineHeight) / parseFloat(s.fontSize); }""")
    seen["elder banner rendered"] = page.evaluate("""() => [...document.querySelectorAll('.banner-slot')]
        .some(el => el.getClientRects().length > 0)""")
    seen["elder overflow"] = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    # Text zoomed to 200% on top of it, as a phone's largest font setting does.
    page.evaluate("document.documentElement.style.fontSize = '275%'")
    seen["200% overflow"] = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    seen["200% site name lines"] = page.evaluate("""() => { const r = document.querySelector('.site-name span').getClientRects();
        return r.length; }""")
    page.evaluate("document.documentElement.style.fontSize = ''")

    # Read aloud: this Chromium has no voices, so the reader is told so.
    page.get_by_role("button", name="朗读").click()
    seen["no voice message"] = page.locator(".read-status").inner_text()
    seen["errors"] = errors
    context.close()
    return seen


@pytest.mark.one_backend
def test_reading_on_a_phone_with_elder_mode_and_text_size(browser, live_server, article):
    seen = browser.run(read_on_a_phone, live_server.url, article.url)
    print(seen)
    assert seen["channels"] >= 5 and seen["channels off screen"] == []
    assert seen["hot list at"] < 1 / 3
    assert seen["banner shown"] and seen["normal body px"] >= 19.8
    assert seen["sizes"] == sorted(seen["sizes"]) and len(set(seen["sizes"])) == 3 and seen["A+ disabled at the largest"]
    assert seen["size after reload"] == seen["sizes"][1]
    assert seen["pressed"] == "true" and seen["elder after navigation"]
    assert seen["elder body px"] >= 22 and seen["elder line height"] >= 1.8
    assert not seen["elder banner rendered"]
    assert not seen["elder overflow"]
    assert not seen["200% overflow"] and seen["200% site name lines"] == 1
    assert seen["no voice message"] == "这台设备没有安装中文语音，暂时无法朗读文章。"
    assert seen["errors"] == []


# Chromium here has no speech voices. Its speech API is replaced by one with a Chinese voice
# that records what it is asked to say: the page's part (choosing the voice, the order, the
# buttons) is what runs for real.
FAKE_SPEECH = """
window.__spoken = [];
const voices = [{ lang: 'en-US', name: 'English' }, { lang: 'zh-CN', name: '中文' }];
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
Object.defineProperty(window, 'speechSynthesis', { value: {
  paused: false, getVoices: () => voices, cancel() { window.__spoken.push('cancel'); },
  speak(u) { window.__spoken.push([u.voice.lang, u.text]); },
  pause() { this.paused = true; }, resume() { this.paused = false; },
}});
"""


def read_aloud_and_print(chromium, base_url, article_url):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.goto(base_url + article_url)
    seen = {}
    page.get_by_role("button", name="朗读").click()
    seen["spoken"] = page.evaluate("window.__spoken")
    seen["status"] = page.locator(".read-status").inner_text()
    page.get_by_role("button", name="暂停").click()
    seen["paused"] = (page.locator(".read-status").inner_text(), page.locator(".read-pause").inner_text())
    page.get_by_role("button", name="停止").click()
    seen["stopped"] = page.get_by_role("button", name="朗读").is_visible()

    page.emulate_media(media="print")
    visible = lambda selector: page.locator(selector).first.is_visible()  # noqa: E731
    seen["printed"] = {name: visible(selector) for name, selector in [
        ("title", ".article-head h1"), ("meta", ".article-head .meta"), ("body", ".article-body"), ("byline", ".byline"),
        ("url", ".print-url"), ("qr", ".share-qr svg"), ("header", ".site-header"), ("nav", ".site-nav"),
        ("banner", ".banner-slot"), ("share buttons", ".share-actions"), ("login box", ".login-box"),
        ("tools", ".article-tools"), ("footer", ".site-footer"), ("related", ".prev-next"),
    ]}
    seen["url text"] = page.locator(".print-url").inner_text()
    seen["pdf pages"] = page.pdf(format="A4")[:4] == b"%PDF"
    context.close()
    return seen


@pytest.mark.one_backend
def test_read_aloud_speaks_title_then_body_in_a_chinese_voice_and_print_keeps_the_article(browser, live_server, article):
    seen = browser.run(read_aloud_and_print, live_server.url, article.url)
    spoken = [item for item in seen["spoken"] if item != "cancel"]
    assert spoken[0] == ["zh-CN", article.title]
    assert all(lang == "zh-CN" for lang, _text in spoken) and len(spoken) > 2
    body = re.sub(r"\s", "", "".join(text for _lang, text in spoken[1:]))
    assert len(body) > 200 and body in re.sub(r"\s", "", article_text(article)), body[:80]
    assert seen["status"] == "正在朗读……" and seen["paused"] == ("已暂停", "继续") and seen["stopped"]
    printed = seen["printed"]
    assert all(printed[name] for name in ("title", "meta", "body", "byline", "url", "qr")), printed
    assert not any(printed[name] for name in ("header", "nav", "banner", "share buttons", "login box", "tools", "footer", "related")), printed
    assert seen["url text"].endswith(article.url) and seen["pdf pages"]



def _gray(page) -> bool:
    on = page.evaluate("document.documentElement.classList.contains('mourning')")
    assert on == (page.evaluate("getComputedStyle(document.documentElement).filter") == "grayscale(1)")
    return on


def cached_pages_for_everyone(chromium, base, article, start_ms, end_ms, phone):
    seen = {}
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(base + article)
    # Stored by the first load; the background tasks of a fresh server may purge it once meanwhile.
    deadline = time.monotonic() + 30
    while (response := page.goto(base + article)).headers.get("x-page-cache") != "HIT" and time.monotonic() < deadline:
        pass
    seen["anonymous"] = (response.headers.get("x-page-cache"), page.locator(".account-links").inner_text(),
                         page.locator(".login-box form").count())
    cached = response.body()

    # The edges of a scheduled mourning period, on the browser's clock; every load a cache hit.
    edges, bodies = {}, set()
    for name, moment in (("before", start_ms - 1), ("start", start_ms), ("last", end_ms - 1), ("end", end_ms)):
        page.clock.set_fixed_time(moment / 1000)
        response = page.goto(base + article)
        edges[name] = _gray(page)
        # From the page cache (a background task may have purged it meanwhile: then stored again).
        assert response.headers.get("x-page-cache") in ("HIT", "MISS"), response.headers
        bodies.add(response.body())
    seen["edges"] = edges
    seen["one page for every moment"] = bodies == {cached}
    # A page left open turns gray at the start, without a reload.
    page.clock.install(time=(start_ms - 5000) / 1000)
    page.goto(base + article)
    before = _gray(page)
    page.clock.run_for(6000)
    seen["open across the start"] = (before, _gray(page))
    context.close()

    # A reader logs in with the phone: the same cached page now shows the account.
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/login/?next={article}")
    page.fill("input[name=phone]", phone)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/login/code/")
    code = re.search(r"\d{6}", page.locator(".demo-sms samp").inner_text(timeout=30_000)).group()
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{article}")
    page.locator(".account-links.logged-in").wait_for()
    response = page.goto(base + article)
    page.locator(".account-links.logged-in").wait_for()
    seen["logged in"] = (page.locator(".account-links").inner_text(), page.locator(".login-box").inner_text(),
                         page.locator(".login-box form.login-form").count())
    seen["same html"] = response.body() == cached
    seen["hint"] = [c["httpOnly"] for c in context.cookies() if c["name"] == "dj_login"]

    # 我的账号 from the header, then 退出登录 (a POST with the CSRF token the state gave).
    page.locator(".account-links").get_by_role("link", name="我的账号").click()
    page.wait_for_url("**/me/")
    page.goto(base + article)
    page.locator(".account-links.logged-in").get_by_role("button", name="退出登录").click()
    page.wait_for_url(base + "/")
    seen["logged out"] = (page.locator(".account-links").inner_text(), page.locator(".login-box form.login-form").count(),
                          [c["name"] for c in context.cookies() if c["name"] in ("dj_login", "sessionid")])
    context.close()
    return seen


def test_cached_pages_show_the_account_and_follow_mourning_periods_for_every_reader(browser, tmp_path):
    import datetime as dt
    import json

    from dangjian.testing.processes import backend_env, dangjian_shell, demo_load, served_site

    start = dt.datetime(2030, 4, 4, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    end = start + dt.timedelta(days=1)
    with backend_env(tmp_path, DANGJIAN_SMS_BACKEND="console") as env:
        demo_load("--articles", "3", "--cities", "0", env=env)
        article = json.loads(dangjian_shell(
            "import json, datetime as dt; from dangjian.portal.models import ArticlePage, MourningPeriod\n"
            f"MourningPeriod.objects.create(start=dt.datetime.fromisoformat('{start.isoformat()}'),"
            f" end=dt.datetime.fromisoformat('{end.isoformat()}'), reason='全国哀悼日')\n"
            "print(json.dumps(ArticlePage.objects.live().first().url))", env=env).strip().splitlines()[-1])
        with served_site(env, background=True) as (base, _server):
            seen = browser.run(cached_pages_for_everyone, base, article, int(start.timestamp() * 1000),
                               int(end.timestamp() * 1000), "13900139123")
            # Switched on now, without an end: saving purges, and every page is gray at once.
            period = dangjian_shell("from dangjian.portal.models import MourningPeriod;"
                                    "print(MourningPeriod.objects.create(reason='现在开始').pk)", env=env).strip().splitlines()[-1]
            on_now = browser.run(gray_now, base, article)
            dangjian_shell("from django.utils import timezone; from dangjian.portal.models import MourningPeriod;"
                           f"p = MourningPeriod.objects.get(pk={period}); p.end = timezone.now(); p.save()", env=env)
            off_again = browser.run(gray_now, base, article)
    assert seen["anonymous"] == ("HIT", "登录", 1)
    assert seen["edges"] == {"before": False, "start": True, "last": True, "end": False}
    assert seen["one page for every moment"]
    assert seen["open across the start"] == (False, True)
    header, box, login_forms = seen["logged in"]
    assert header.split() == ["我的账号", "我的投稿", "退出登录"] and "您好，139****9123" in box and login_forms == 0
    assert seen["same html"] and seen["hint"] == [False]
    assert seen["logged out"] == ("登录", 1, [])
    assert on_now and not off_again


def gray_now(chromium, base, article):
    """Gray or not once the purge's refresh is done: right after a purge of everything the
    page cache may hand out the page it had while it renders the new one (STALE)."""
    page = chromium.new_page()
    deadline = time.monotonic() + 30
    while page.goto(base + article).headers.get("x-page-cache") == "STALE":
        assert time.monotonic() < deadline
        page.wait_for_timeout(200)
    gray = _gray(page)
    page.close()
    return gray


def images_on_a_phone(chromium, base_url, paths):
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    seen = {}
    for path in paths:
        page.goto(base_url + path)
        for image in page.locator("main img").all():  # lazy images load when near the screen
            image.scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        seen[path] = page.evaluate("""() => [...document.querySelectorAll('main img')]
            .filter(img => img.complete && img.naturalWidth && img.getBoundingClientRect().width)
            .map(img => [img.currentSrc.split('/').pop(), img.naturalWidth, Math.round(img.getBoundingClientRect().width)])""")
    context.close()
    return seen


@pytest.mark.one_backend
def test_a_phone_downloads_images_sized_for_its_screen_in_webp(browser, live_server, reading_site):
    from dangjian.portal.models import ArticlePage

    article = next(a for a in ArticlePage.objects.live().filter(depth=4) if any(b.block_type == "image" for b in a.body))
    seen = browser.run(images_on_a_phone, live_server.url, ["/", article.url])
    print(seen)
    images = [image for found in seen.values() for image in found]
    assert len(seen["/"]) >= 3
    assert any(".max-" in name and "demo-11" not in name for name, _n, _c in seen[article.url])  # a body image, not the banner
    for name, natural, css in images:
        assert natural <= 2 * css and name.endswith(".webp"), (name, natural, css)


def _tab_to(page, selector: str, *, key: str = "Tab", limit: int = 120) -> int:
    """Press Tab (or Shift+Tab) until the focus is on an element matching `selector`; the
    number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} never took the focus")


def by_keyboard_only(chromium, base_url, article_url, cookie):
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    seen = {}
    page.goto(base_url + "/")
    _tab_to(page, ".skip-link")
    seen["skip link first"] = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    seen["skip link target"] = page.evaluate("location.hash")

    page.goto(base_url + "/")
    _tab_to(page, ".site-nav li:nth-child(2) a")  # the first channel
    channel = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + channel)
    seen["channel"] = channel

    _tab_to(page, "#header-q")
    page.keyboard.type("党建")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    seen["search results"] = page.locator(".search-results li").count()

    _tab_to(page, ".elder-toggle")
    page.keyboard.press("Space")
    seen["elder"] = page.evaluate("document.documentElement.classList.contains('elder')")
    _tab_to(page, ".text-larger", key="Shift+Tab")  # back one control
    page.keyboard.press("Enter")
    seen["larger"] = page.evaluate("document.documentElement.classList.contains('text-1')")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # A−: back to the normal size
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # 长者模式 off again
    seen["back to normal"] = page.evaluate("document.documentElement.className")

    page.goto(base_url + article_url)
    _tab_to(page, ".share-copy")
    page.keyboard.press("Enter")
    page.locator(".share-status").filter(has_text=re.compile(r"\S")).wait_for()
    seen["share"] = page.locator(".share-status").inner_text()
    _tab_to(page, "#login-phone")
    page.keyboard.type("13800138123")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/?phone=13800138123")
    seen["login"] = page.locator("input[name=phone]").input_value()

    context.add_cookies([{**cookie, "url": base_url}])
    page.goto(base_url + "/contribute/new/")
    _tab_to(page, "input[name=title]")
    page.keyboard.type("键盘写的来稿")
    page.keyboard.press("Tab")  # the channel list: the arrow key picks the first channel
    page.keyboard.press("ArrowDown")
    _tab_to(page, ".editor-area")  # past the formatting buttons
    page.keyboard.type("社区党员用键盘写下这篇来稿。")
    _tab_to(page, "button[value=save]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/contribute/\d+/$"))
    seen["draft"] = page.locator("main").inner_text()
    context.close()
    return seen


@pytest.mark.one_backend
def test_a_reader_with_only_a_keyboard_reaches_and_uses_menu_search_modes_share_login_and_contribution(
    browser, live_server, article, settings
):
    from django.test import Client

    from dangjian.contributions.models import Submission
    from dangjian.contributions.tests.fixtures import make_user
    client = Client()
    client.force_login(make_user("keyboard", real_name="李读者", organization="某社区"))
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    seen = browser.run(by_keyboard_only, live_server.url, article.url, cookie)
    assert seen["skip link first"] == "跳到主要内容" and seen["skip link target"] == "#main"
    assert seen["channel"].count("/") == 2 and seen["search results"] > 0
    assert seen["elder"] and seen["larger"] and seen["back to normal"] == ""
    assert seen["share"] and seen["login"] == "13800138123"
    assert "草稿已保存。" in seen["draft"], seen["draft"]
    assert Submission.objects.get().page.title == "键盘写的来稿"
