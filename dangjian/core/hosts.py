"""The host names this site answers for: its Wagtail sites, ALLOWED_HOSTS (wildcards left
out) and DANGJIAN_BASE_URL's. For checking a URL someone hands in (a complaint's infringing
address, a page asking for its WeChat signature) without trusting the Host header."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from wagtail.models import Site


def site_hosts() -> set[str]:
    hosts = {site.hostname.lower() for site in Site.objects.all()}
    hosts |= {host.lower().strip("[]") for host in settings.ALLOWED_HOSTS if host and not host.startswith(".") and host != "*"}
    hosts.add((urlsplit(settings.BASE_URL).hostname or "").lower())
    return hosts
