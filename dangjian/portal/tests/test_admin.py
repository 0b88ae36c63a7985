"""What editors and operators do in the admin, through the admin's own views."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from dangjian.demo.images import make_picture
from dangjian.portal.models import ArticlePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="editor", password="a-long-Passw0rd")
    client.force_login(user)
    return client


def test_admin_login_page_and_dashboard_are_chinese(client, django_user_model, portal_site):
    login = client.get(reverse("wagtailadmin_login")).content.decode()
    assert "登录" in login and 'lang="zh-hans"' in login
    django_user_model.objects.create_superuser(username="boss", password="a-long-Passw0rd")
    response = client.post(reverse("wagtailadmin_login"), {"username": "boss", "password": "a-long-Passw0rd"})
    assert response.status_code == 302
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    for text in ["页面", "图片", "设置"]:
        assert text in dashboard


def test_editor_writes_and_publishes_an_article_with_a_photo(editor_client, client, portal_site):
    channel = portal_site.channels[0]
    def upload():
        return SimpleUploadedFile("interview.jpg", make_picture(42, (800, 600)), content_type="image/jpeg")

    refused = editor_client.post(reverse("wagtailimages:add"), {"title": "采访照片", "file": upload(), "description": "  "})
    assert refused.status_code == 200 and not get_image_model().objects.exists()
    assert "图片说明（替代文字）" in refused.content.decode() and "这个字段是必须的" in refused.content.decode()
    response = editor_client.post(reverse("wagtailimages:add"), {"title": "采访照片", "file": upload(), "description": "记者采访社区党员"})
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = get_image_model().objects.get(title="采访照片")
    form_url = reverse("wagtailadmin_pages:add", args=("portal", "articlepage", channel.pk))
    assert editor_client.get(form_url).status_code == 200
    data = nested_form_data({
        "title": "编辑部新写的文章：社区党支部开展志愿服务",
        "slug": "",  # editors write Chinese titles and leave the slug alone
        "summary": "社区党支部组织党员开展志愿服务。",
        "cover_image": str(photo.pk),
        "body": streamfield([
            ("text", rich_text("<p>周末，社区党支部组织党员走进小区，开展义诊和政策宣讲。</p>")),
            ("image", {"image": str(photo.pk), "caption": "党员志愿者在小区服务"}),
        ]),
        "source_type": "original",
        "byline_organization": "某社区党支部",
        "byline_author": "刘记者",
        "responsible_editor": "陈编辑",
        "initial_views": "0",
        "tags": "志愿服务",
        "action-publish": "publish",
    })
    response = editor_client.post(form_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = ArticlePage.objects.get(title="编辑部新写的文章：社区党支部开展志愿服务")
    assert article.slug.startswith("bian-ji-bu-xin-xie-de-wen-zhang") and article.slug.isascii()
    assert article.live and article.first_published_at is not None

    page = client.get(article.url).content.decode()
    assert "周末，社区党支部组织党员走进小区" in page
    assert "党员志愿者在小区服务" in page and "<img" in page
    assert "某社区党支部" in page and "刘记者" in page and "陈编辑" in page
    assert article.title in client.get("/").content.decode()
    assert article.title in client.get(channel.url).content.decode()


def test_editor_preview_of_an_unsaved_article_renders(editor_client, portal_site):
    channel = portal_site.channels[0]
    preview_url = reverse("wagtailadmin_pages:preview_on_add", args=("portal", "articlepage", channel.pk))
    data = nested_form_data({
        "title": "预览中的文章", "slug": "preview-me", "source_type": "original", "initial_views": "0",
        "body": streamfield([("text", rich_text("<p>预览正文</p>"))]),
    })
    assert editor_client.post(preview_url, data).json()["is_valid"]
    html = editor_client.get(preview_url).content.decode()
    assert "预览中的文章" in html and "预览正文" in html


def test_repost_without_source_is_refused_with_a_chinese_message(editor_client, portal_site):
    channel = portal_site.channels[0]
    form_url = reverse("wagtailadmin_pages:add", args=("portal", "articlepage", channel.pk))
    data = nested_form_data({
        "title": "转载文章", "slug": "repost", "source_type": "repost", "initial_views": "0",
        "body": streamfield([]), "action-publish": "publish",
    })
    response = editor_client.post(form_url, data)
    assert response.status_code == 200
    assert "转载的文章必须填写转载来源" in response.content.decode()
    assert not ArticlePage.objects.filter(slug="repost").exists()


def test_operator_changes_site_settings_without_code(editor_client, client, portal_site):
    url = reverse("wagtailsettings:edit", args=("portal", "portalsettings", portal_site.site.pk))
    data = querydict_from_html(editor_client.get(url).content.decode(), form_id="w-editor-form").dict()
    data.update({
        "site_name": "云岭党建网",
        "description": "新的一句话简介",
        "address": "云岭市党建路8号",
        "telephone": "0871-66668888",
        "email": "yunling@example.com",
        "icp_number": "滇ICP备99999999号",
        "police_number": "滇公网安备53010202000001号",
        "copyright_notice": "本站文章版权归作者所有。异议请联系 {email}，{days} 日内答复。",
        "complaint_email": "banquan@example.com",
        "complaint_days": "5",
        "cooperation_title": "申请城市频道",
        "cooperation_text": "欢迎各市党组织申请开设城市频道。",
    })
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    from .fixtures import make_article

    article = make_article(portal_site.channels[0])
    for html in (client.get("/").content.decode(), client.get(article.url).content.decode()):
        for text in ["云岭党建网", "新的一句话简介", "云岭市党建路8号", "0871-66668888", "滇ICP备99999999号",
                     "滇公网安备53010202000001号", "申请城市频道", "欢迎各市党组织申请开设城市频道"]:
            assert text in html, text
    assert '异议请联系 <a href="mailto:banquan@example.com">banquan@example.com</a>，5 日内答复' in client.get(article.url).content.decode()


@pytest.mark.parametrize("title, slug", [("社区党建", "she-qu-dang-jian"), ("。。！", "articlepage"), ("5G 基站", "5g-ji-zhan")])
def test_slugs_are_romanized_titles_and_unique(portal_site, title, slug):
    from .fixtures import make_article

    first = make_article(portal_site.channels[0], title=title, slug="")
    second = make_article(portal_site.channels[0], title=title, slug="")
    assert (first.slug, second.slug) == (slug, f"{slug}-2")
