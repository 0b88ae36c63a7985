"""`dangjian purge_cache`: remove cached pages at once, all of them or those at given URLs."""

from urllib.parse import urlsplit

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.invalidation import purge_pages
from dangjian.core.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Remove pages from the page cache: every page (--all) or the given URLs or paths.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help=gettext_lazy("Remove every cached page"))
        parser.add_argument("urls", nargs="*", metavar="URL", help=gettext_lazy("A URL or path, e.g. /a/12/ or https://example.cn/a/12/"))

    def handle(self, *args, all: bool, urls: list[str], **options):
        if all == bool(urls):
            raise CommandError(_("Give either --all or one or more URLs."))
        paths = []
        for url in urls:
            path = urlsplit(url).path
            if not path.startswith("/"):
                raise CommandError(_("Not a URL or path: %(url)s") % {"url": url})
            paths.append(path)
        with transaction.atomic():
            purge_pages(reason="purge_cache command", paths=paths, everything=all, hard=True)
        self.stdout.write(_("Removed every cached page.") if all else _("Removed %(count)s URLs from the page cache.") % {"count": len(paths)})
