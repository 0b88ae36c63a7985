from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.backup import BackupError, backup_create
from dangjian.core.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("Write the database and uploaded media to one archive, while the site runs.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            manifest = backup_create(path=file, progress=options["verbosity"] > 0)
        except (BackupError, OSError) as error:
            raise CommandError(_("Backup failed: %(error)s") % {"error": error}) from error
        self.stdout.write(self.style.SUCCESS(
            _("Backup written to %(file)s (%(vendor)s database, %(count)s media files).")
            % {"file": file, "vendor": manifest["database"]["vendor"], "count": manifest.get("media_files", 0)}
        ))
        if settings.MEDIA_STORAGE_URL:
            self.stdout.write(_("Media are on object storage and not in the archive: the bucket keeps them "
                                "(turn on its versioning). A restore finds them there by name."))
