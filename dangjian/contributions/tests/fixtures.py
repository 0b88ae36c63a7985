"""Contribution fixtures: a contributor with a verified phone, one reviewer per 三审 stage,
and the steps they take through the real public form and Wagtail's real admin views."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.urls import reverse

from dangjian.accounts.roles import FINAL_REVIEW, FIRST_REVIEW, SECOND_REVIEW
from dangjian.contributions.models import Submission

_numbers = itertools.count(1)
STAGE_GROUPS = (FIRST_REVIEW, SECOND_REVIEW, FINAL_REVIEW)


@functools.cache
def _password_hash() -> str:
    return make_password("x-Long-password-1")  # a quarter of a second: once, not for each of the many users


def make_user(name: str, *groups: str, phone_verified: bool = True, **fields):
    n = next(_numbers)
    user = get_user_model().objects.create(
        username=f"{name}-{n}", password=_password_hash(), phone=f"+861380013{n:04d}", phone_verified=phone_verified, **fields
    )
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


@dataclass
class Newsroom:
    contributor: object
    first: object
    second: object
    final: object

    @property
    def stages(self):
        return [self.first, self.second, self.final]


@pytest.fixture
def newsroom(portal_site, settings) -> Newsroom:
    # Wagtail updates its own search index in a task; run tasks as they are enqueued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return Newsroom(
        contributor=make_user("contributor", real_name="李老师", organization="凤庆县教育局"),
        first=make_user("first", FIRST_REVIEW, real_name="王初审", email="first@example.com"),
        second=make_user("second", SECOND_REVIEW, real_name="赵复审", email="second@example.com"),
        final=make_user("final", FINAL_REVIEW, real_name="孙终审", email="final@example.com"),
    )


def form_data(channel, **overrides) -> dict:
    data = {
        "title": "凤庆县开展党员教育培训", "channel": channel.pk,
        "body": "<p>近日，凤庆县组织全县党员开展<strong>集中培训</strong>。</p><p>培训内容丰富。</p>",
        "author": "李老师", "organization": "凤庆县教育局", "contact_phone": "13800138000",
        "origin": "original", "declaration": "on", "action": "submit",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, contributor, channel, **overrides):
    """The contributor fills in the public form; returns the response and the submission."""
    client.force_login(contributor)
    response = client.post(reverse("contributions:new"), form_data(channel, **overrides))
    return response, Submission.objects.filter(contributor=contributor).order_by("-pk").first()


def current_task_state(submission):
    state = submission.page.current_workflow_state
    return state.current_task_state if state else None


def act(client, user, submission, action: str, comment: str = ""):
    """A reviewer acts in Wagtail's admin, through its workflow action view."""
    client.force_login(user)
    task_state = current_task_state(submission)
    url = reverse("wagtailadmin_pages:workflow_action", args=(submission.page_id, action, task_state.pk))
    return client.post(url, {"comment": comment}, headers={"x-requested-with": "XMLHttpRequest"})


def state_label(client, contributor, submission) -> tuple[str, str]:
    """(state, reason) as 我的投稿 shows them."""
    import re

    client.force_login(contributor)
    html = client.get(reverse("contributions:mine")).content.decode()
    item = re.search(rf'<li id="s{submission.pk}".*?</li>', html, re.S).group(0)
    state = re.search(r'class="submission-state">([^<]*)<', item).group(1)
    reason = re.search(r'class="submission-reason"><strong>[^<]*</strong>(.*?)</p>', item, re.S)
    return state, reason.group(1) if reason else ""


class _FormFields(HTMLParser):
    """The fields of a form as a browser would post them (the admin's edit form)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data, self._textarea, self._select = form_id, False, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file", "checkbox", "radio"):
            self.data.append((attrs["name"], attrs.get("value", "")))
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio") and "checked" in attrs:
            self.data.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.data.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def edit_form_data(client, page_id: int) -> dict:
    """The admin's edit form for an article as the browser posts it unchanged: the plain
    fields from the HTML, the body (which the admin's script builds) from the draft."""
    from wagtail.models import Page
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    html = client.get(reverse("wagtailadmin_pages:edit", args=[page_id])).content.decode()
    parser = _FormFields("page-edit-form")
    parser.feed(html)
    draft = Page.objects.get(pk=page_id).specific.get_latest_revision_as_object()
    blocks = [
        ("text", rich_text(block.value.source)) if block.block_type == "text"
        else ("image", {"image": block.value["image"].pk, "caption": block.value["caption"]})
        for block in draft.body
    ]
    return {**dict(parser.data), **nested_form_data({"body": streamfield(blocks)})}
