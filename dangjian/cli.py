"""The `dangjian` command: Django's management commands plus the project's own
(`demo`, `serve`), with the settings module already chosen."""

import os
import sys

# The commands systemd runs: in JSON mode all they print goes to the journal as JSON.
SERVICE_COMMANDS = {"migrate", "serve", "worker", "scheduler"}


def main() -> None:
    from dangjian.core.files import service_user_become
    from dangjian.core.logs import json_console, log_format

    service_user_become()  # before the settings create the data directory or the key
    if sys.argv[1:2] and sys.argv[1] in SERVICE_COMMANDS and log_format() == "json":
        json_console()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
