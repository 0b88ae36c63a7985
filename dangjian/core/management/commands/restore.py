from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.backup import BackupError, backup_restore
from dangjian.core.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Replace the database and uploaded media with a backup archive. Stop the site first.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            manifest = backup_restore(path=file, progress=options["verbosity"] > 0)
        except (BackupError, OSError) as error:
            raise CommandError(_("Restore failed: %(error)s") % {"error": error}) from error
        self.stdout.write(self.style.SUCCESS(
            _("Restored the backup made at %(created)s.") % {"created": manifest["created"]}
        ))
