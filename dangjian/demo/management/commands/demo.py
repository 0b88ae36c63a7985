import logging

from django.conf import settings
from django.core.management import call_command
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.management.base import TranslatedCommand
from dangjian.demo.services import (
    demo_admin_ensure,
    demo_cities_ensure,
    demo_content_load,
    demo_is_loaded,
    demo_reset,
    demo_reviewers_ensure,
)


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Create the database, load the demo content and create the admin account. "
        "Running it again changes nothing; --reset starts over."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help=gettext_lazy("Delete all data and uploaded files, then load the demo again"))
        parser.add_argument("--articles", type=int, default=48, help=gettext_lazy("Number of demo articles (default 48)"))
        parser.add_argument("--cities", type=int, default=3, help=gettext_lazy("Number of demo city channels (default 3)"))
        parser.add_argument("--city-articles", type=int, default=4, help=gettext_lazy("Demo articles per city channel (default 4)"))

    def handle(self, *args, reset: bool, articles: int, cities: int, city_articles: int, **options):
        if reset:
            self.stdout.write(_("Clearing the data…"))
            demo_reset()
        self.stdout.write(_("Setting up the database…"))
        call_command("migrate", interactive=False, verbosity=0)
        loading = not demo_is_loaded()
        if not loading:
            self.stdout.write(_("The demo content is already there; nothing was changed (use --reset to load it again)."))
        else:
            # Wagtail logs each publish at INFO, and so does the page cache's purge (of an
            # empty cache here); the progress bar says the same, more briefly.
            for name in ("wagtail", "dangjian.core.invalidation"):
                logging.getLogger(name).setLevel(logging.WARNING)
            made = demo_content_load(article_count=articles, progress=options["verbosity"] > 0)
            self.stdout.write(self.style.SUCCESS(_("Loaded %(count)s demo articles.") % {"count": made}))
        username, password = demo_admin_ensure()
        self.stdout.write("")
        self.stdout.write(_("Home page: %(url)s") % {"url": f"{settings.BASE_URL}/"})
        self.stdout.write(_("Admin: %(url)s") % {"url": f"{settings.BASE_URL}/admin/"})
        self.stdout.write(_("Admin username: %(username)s") % {"username": username})
        self.stdout.write(
            _("Admin password: %(password)s") % {"password": password or _("(changed by you; not kept in plain text)")}
        )
        reviewers = demo_reviewers_ensure(password)
        if reviewers:
            self.stdout.write(_("Reviewers (初审, 复审, 终审), same password: %(names)s") % {"names": "、".join(reviewers)})
        # Cities come with a fresh demo only: a second run changes nothing.
        for title, url, usernames in demo_cities_ensure(count=cities if loading else 0, password=password, articles_per_city=city_articles,
                                                        progress=options["verbosity"] > 0):
            self.stdout.write(_("City channel %(title)s %(url)s: administrator, first, second and final review, same password: %(names)s")
                              % {"title": title, "url": f"{settings.BASE_URL}{url}", "names": "、".join(usernames)})
        self.stdout.write(_("Contribute: %(url)s (log in with any mobile number; the demo shows the SMS code)")
                          % {"url": f"{settings.BASE_URL}/contribute/"})
