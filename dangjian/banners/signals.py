"""Saving or deleting a banner refreshes the pages showing its place (its old place too)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from .models import Banner
from .services import banner_changed


def _remember_position(sender, instance, **kwargs):
    instance._old_position = Banner.objects.filter(pk=instance.pk).values_list("position", flat=True).first() if instance.pk else None


def _changed(sender, instance, **kwargs):
    banner_changed(banner=instance, positions={instance.position, getattr(instance, "_old_position", None) or instance.position})


def connect() -> None:
    pre_save.connect(_remember_position, sender=Banner, dispatch_uid="banners-position")
    post_save.connect(_changed, sender=Banner, dispatch_uid="banners-saved")
    post_delete.connect(_changed, sender=Banner, dispatch_uid="banners-deleted")
