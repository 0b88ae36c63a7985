"""Sensitive words in the admin: the lists, and a warning (not a block) when staff save."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from dangjian.accounts.roles import FINAL_REVIEW, FIRST_REVIEW
from dangjian.contributions.models import SensitiveWord
from dangjian.contributions.wagtail_hooks import _warn_sensitive_words
from dangjian.portal.tests.fixtures import make_article


def login(client, role: str):
    user = get_user_model().objects.create_user(f"user-{role}", password="x-Long-password-1")
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def test_chief_editor_keeps_the_list(client, portal_site):
    chief = login(client, FINAL_REVIEW)
    response = client.post("/admin/sensitive_words/new/", {"word": "违禁词", "category": "forbidden", "note": "示例"})
    assert response.status_code == 302
    assert SensitiveWord.objects.get().changed_by == chief
    html = client.post("/admin/sensitive_words/new/", {"word": "违禁词", "category": "hint"}).content.decode()
    assert "列表中已有这个词。" in html


@pytest.mark.parametrize("url", ["/admin/sensitive_words/new/"])
def test_first_reviewers_may_read_but_not_change_the_list(client, portal_site, url):
    login(client, FIRST_REVIEW)
    assert client.get("/admin/sensitive_words/").status_code == 200
    assert client.get(url).status_code == 302  # Wagtail sends those without permission home


def test_staff_saving_an_article_are_warned(portal_site):
    SensitiveWord.objects.create(word="违禁词", category="forbidden")
    SensitiveWord.objects.create(word="提醒词", category="hint")
    article = make_article(portal_site.channels[0], title="标题里有提醒词", revision=True)
    request = RequestFactory().post("/admin/")
    request.session = {}
    request._messages = FallbackStorage(request)
    _warn_sensitive_words(request, article)
    [message] = list(get_messages(request))
    assert message.level_tag == "warning"
    assert str(message.message) == (
        '提醒词（提示）：文章中有敏感词，请在发布前核对。<br>标题里有<mark class="sensitive-hint">提醒词</mark>\n党建引领基层治理的测试摘要。…'
    )
    assert article.live  # warned, not blocked
