"""Articles a feature keeps off the site whatever editors do (a copyright takedown).

A feature registers two hooks in its wagtail_hooks.py:

- ``dangjian_publish_hold``: fn(page) -> a reason (str) or None. While a page has a reason,
  Wagtail's admin offers no publish or submit action for it (ArticlePage's permission
  tester), and saving it live is refused wherever the publish comes from (the admin, a
  workflow's last approval, scheduled publishing, code): ``PublishHeld``.
- ``dangjian_article_gone``: fn(request, page id) -> a response or None, for the article's
  URL while the article is not live (410 with the reason, instead of 404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models.signals import pre_save
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.models import Page, PagePermissionTester


class PublishHeld(PermissionDenied):
    """The page may not be published now; str() says why."""


def publish_hold(page: Page) -> str | None:
    for source in hooks.get_hooks("dangjian_publish_hold"):
        if reason := source(page):
            return reason
    return None


def article_gone(request, page_id: int):
    for source in hooks.get_hooks("dangjian_article_gone"):
        if (response := source(request, page_id)) is not None:
            return response
    return None


class HeldPagePermissionTester(PagePermissionTester):
    @cached_property
    def held(self) -> bool:
        return self.page.pk is not None and publish_hold(self.page) is not None

    def can_publish(self):
        return super().can_publish() and not self.held

    def can_submit_for_moderation(self):
        return super().can_submit_for_moderation() and not self.held


def _refuse_held(sender, instance, **kwargs):
    if instance.live and instance.pk is not None and (reason := publish_hold(instance)):
        raise PublishHeld(reason)


def connect(*models: type[Page]) -> None:
    for model in models:
        pre_save.connect(_refuse_held, sender=model, dispatch_uid=f"portal-publish-hold-{model._meta.label}")
