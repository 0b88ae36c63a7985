"""The `dangjian` command: Django's management commands plus the project's own
(`demo`, `serve`), with the settings module already chosen."""

import os
import sys


def main() -> None:
    from dangjian.core.files import service_user_become

    service_user_become()  # before the settings create the data directory or the key
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
