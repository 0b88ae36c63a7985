"""Reading cases: who may see and act on which, what an uploader is told, the queue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail import hooks
from wagtail.models import Site

from dangjian.core.hosts import site_hosts
from dangjian.portal.models import MAX_PAGE_ID, ArticlePage

from .models import Complaint, ComplaintArticle, CounterNotice

HANDLE_PERMISSION = "complaints.change_complaint"
READ_PERMISSION = "complaints.view_complaint"
ARTICLE_PATH = re.compile(r"^/a/(\d{1,19})/?$")


@dataclass(frozen=True)
class Access:
    """What a user may do with cases: every case (site admins, chief editors; auditors read
    only), or the cases about articles below `paths` (a city's administrators, registered
    by the "dangjian_city_admin_paths" hook: fn(user) -> tree paths)."""

    read_all: bool = False
    handle_all: bool = False
    paths: tuple[str, ...] = ()

    @property
    def reads(self) -> bool:
        return self.read_all or bool(self.paths)

    def handles(self, complaint: Complaint) -> bool:
        if self.handle_all:
            return True
        pages = [article.page for article in complaint.articles.all()]
        return bool(self.paths) and bool(pages) and all(page is not None and page.path.startswith(self.paths) for page in pages)


def access_for(user) -> Access:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Access()
    handle_all = user.has_perm(HANDLE_PERMISSION)
    paths = tuple(path for source in hooks.get_hooks("dangjian_city_admin_paths") for path in source(user))
    return Access(read_all=handle_all or user.has_perm(READ_PERMISSION), handle_all=handle_all, paths=paths)


def cases_for(access: Access) -> QuerySet[Complaint]:
    cases = Complaint.objects.all()
    if access.read_all:
        return cases
    if not access.paths:
        return cases.none()
    below = Q(pk__in=[])
    for path in access.paths:
        below |= Q(page__path__startswith=path)
    return cases.filter(pk__in=ComplaintArticle.objects.filter(below).values("complaint_id"))


def waiting(cases: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Cases waiting for a decision: new or completed complaints, and takedowns answered by
    a counter-notice."""
    answered = Q(state=Complaint.State.TAKEN_DOWN, pk__in=CounterNotice.objects.values("complaint_id"))
    return cases.filter(Q(state__in=Complaint.OPEN) | answered)


def open_case_count(user) -> int:
    return waiting(cases_for(access_for(user))).count()


def overdue(cases: QuerySet[Complaint], *, now=None) -> QuerySet[Complaint]:
    return cases.filter(state__in=Complaint.OPEN, deadline_at__lt=now or timezone.now())


def taken_down_by(page_id: int) -> ComplaintArticle | None:
    """The complaint that holds the article down, if one does."""
    return (ComplaintArticle.objects.filter(page_id=page_id, taken_down_at__isnull=False, restored_at__isnull=True)
            .select_related("complaint").order_by("taken_down_at").first())


def uploader_of(page: ArticlePage):
    """Who put the article on the site: its contributor, else the page's owner (staff)."""
    try:
        return page.submission.contributor
    except ObjectDoesNotExist:
        return page.owner


def cases_of_uploader(user) -> QuerySet[Complaint]:
    """Cases whose taken-down articles `user` contributed or owns: what they are told of and
    may answer with a counter-notice."""
    mine = Q(page__submission__contributor=user) | Q(page__submission__isnull=True, page__owner=user)
    return Complaint.objects.filter(
        pk__in=ComplaintArticle.objects.filter(mine, taken_down_at__isnull=False).values("complaint_id")
    ).prefetch_related("articles", "counter_notices")


def article_for_url(url: str) -> ArticlePage | None:
    """The published article of this site that `url` shows (/a/<id>/, its tree path, a city
    channel's path), with or without this site's scheme and host; None for anything else."""
    url = url.strip()
    if not url:
        return None
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url) and not url.startswith("/"):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return None
    if host is not None and host.lower() not in site_hosts():
        return None
    path = unquote(parts.path or "/")
    articles = ArticlePage.objects.live()
    if match := ARTICLE_PATH.match(path):
        page_id = int(match.group(1))
        return articles.filter(pk=page_id).first() if page_id <= MAX_PAGE_ID else None
    sites = [site for site in Site.objects.select_related("root_page") if host is None or site.hostname.lower() == host.lower()]
    sites = sites or list(Site.objects.filter(is_default_site=True).select_related("root_page"))
    relative = path.strip("/")
    for site in sites:
        found = articles.filter(url_path=f"{site.root_page.url_path}{relative}/").first()
        if found is not None:
            return found
    return None
