"""`dangjian nginx_config`: print an nginx site that matches this installation's settings
(static, media and page cache directories), so nginx and the app never disagree on paths."""

from django.conf import settings
from django.core.management.base import CommandError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.management.base import TranslatedCommand
from dangjian.core.middleware import security_headers, strict_transport_security
from dangjian.core.pagecache import IGNORED_QUERY_KEYS
from dangjian.core.sendfile import INTERNAL_URL


class Command(TranslatedCommand):
    help = gettext_lazy("Print an nginx configuration for this installation.")

    def add_arguments(self, parser):
        parser.add_argument("--server-name", default="_")
        parser.add_argument("--listen", default="80")
        parser.add_argument("--upstream", default=f"127.0.0.1:{settings.PORT}")
        parser.add_argument("--certificate", help=gettext_lazy("TLS certificate (chain) file: listen with https and HTTP/2"))
        parser.add_argument("--certificate-key", help=gettext_lazy("TLS private key file for --certificate"))
        parser.add_argument("--full", action="store_true", help=gettext_lazy("A whole nginx.conf, not only the site"))
        parser.add_argument("--prefix", default="/tmp", help=gettext_lazy("With --full: where pid and logs go"))
        parser.add_argument("--user", default="www-data", help=gettext_lazy("With --full: the user nginx workers run as"))

    def handle(self, *args, server_name, listen, upstream, full, prefix, user, certificate, certificate_key, **options):
        if bool(certificate) != bool(certificate_key):
            raise CommandError(_("--certificate and --certificate-key go together."))
        self.stdout.write(render_to_string("core/nginx.conf", {
            "server_name": server_name, "listen": listen, "certificate": certificate, "certificate_key": certificate_key, "upstream": upstream, "full": full, "user": user,
            "pid_file": f"{prefix}/nginx.pid", "error_log": f"{prefix}/nginx-error.log", "access_log": f"{prefix}/nginx-access.log",
            "static_root": settings.STATIC_ROOT, "media_root": settings.MEDIA_ROOT,
            "private_root": settings.PRIVATE_MEDIA_ROOT, "private_url": INTERNAL_URL,
            "page_cache_dir": settings.PAGE_CACHE_DIR, "session_cookie": settings.SESSION_COOKIE_NAME,
            "ignored_query_keys": "|".join(IGNORED_QUERY_KEYS),
            "hsts": strict_transport_security(), "security_headers": security_headers(), "ssl_redirect": settings.SECURE_SSL_REDIRECT,
        }))
