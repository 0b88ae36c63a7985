"""`dangjian migrate`: Django's migrate, then the page cache emptied if other code wrote it,
so an upgrade never serves pages of the old templates."""

from django.core.management.commands.migrate import Command as MigrateCommand

from dangjian.core.middleware import page_cache_sync_version


class Command(MigrateCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        page_cache_sync_version()
