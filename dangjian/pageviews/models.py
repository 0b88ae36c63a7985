"""Where views are kept. Never on the page rows: publishing a revision rewrites those rows
from the revision's copy and would put an old count back.

Views not yet flushed, and who was counted when, live in the buffer (the buffer package): a SQLite
file of its own in the embedded default, Redis in production.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ViewTotal(models.Model):
    """Views counted here since the article was created (its `initial_views` come on top)."""

    page = models.OneToOneField("wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+")
    views = models.PositiveBigIntegerField(default=0)


class HourlyViews(models.Model):
    """Views per article per hour (UTC), for the 24 h, 7 d and 30 d hot lists. Kept for the
    longest window only: older hours are already in DailyViews (see services.hourly_views_compact)."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "hour"], name="pageviews_hourly_page_hour")]
        indexes = [models.Index(fields=["hour"], name="pageviews_hourly_hour")]


class DailyViews(models.Model):
    """Views per article per day (Beijing time), kept for good: charts and period reports."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "day"], name="pageviews_daily_page_day")]
        indexes = [models.Index(fields=["day"], name="pageviews_daily_day")]


class FlushBatch(models.Model):
    """One applied flush. Written in the same transaction as the increments it carries, so a
    batch that is offered twice (the flusher died after committing) is applied once."""

    batch_id = models.CharField(max_length=64, unique=True)
    views = models.PositiveBigIntegerField()
    applied_at = models.DateTimeField(auto_now_add=True, db_index=True)


class HotListEntry(models.Model):
    """A precomputed hot list position, per page subtree (home, channel, city channel) and
    window; pages read these rows instead of ranking on every request."""

    class Window(models.TextChoices):
        DAY = "24h", _("24 hours")
        WEEK = "7d", _("7 days")
        MONTH = "30d", _("30 days")
        ALL = "all", _("All time")

    scope = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    window = models.CharField(max_length=3, choices=Window.choices)
    position = models.PositiveSmallIntegerField()
    article = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    views = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["scope", "window", "position"]
        constraints = [models.UniqueConstraint(fields=["scope", "window", "position"], name="pageviews_hot_position")]
