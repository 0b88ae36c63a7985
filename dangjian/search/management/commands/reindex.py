from __future__ import annotations

import os

from django.core.management import call_command
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from dangjian.core.management.base import TranslatedCommand
from dangjian.search.services import search_index_rebuild


class Command(TranslatedCommand):
    help = gettext_lazy("Rebuild the search index of the public search page and the admin's page search.")

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help=gettext_lazy("Do not show a progress bar."))

    def handle(self, *args, no_progress=False, **options):
        with tqdm(desc=_("Indexing articles"), unit=_("article"), disable=no_progress, file=self.stderr._out) as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            count = search_index_rebuild(progress=progress, processes=os.cpu_count() or 1)
        # Wagtail's own index (admin page search) now holds segmented words too.
        call_command("update_index", verbosity=0)
        self.stdout.write(_("Search index rebuilt: %(count)d articles.") % {"count": count})
