"""All settings, read from environment variables only.

Every variable is listed with its default in README.md and .env.example. With none set,
the site runs embedded: SQLite in WAL mode and local media under DANGJIAN_DATA_DIR, no other
server. Setting DATABASE_URL and REDIS_URL switches to PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dangjian.core.files import data_dir, private_file_ensure
from dangjian.core.logs import log_format
from dangjian.core.objectstorage import StorageURLError, storages_for

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    """The variable's value; unset and empty both mean the default, as in .env.example."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = data_dir()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY, else a random key created once and kept in the data dir.

    Several server processes may start at once: O_EXCL makes exactly one of them write it.
    """
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    path = DATA_DIR / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.05)
        raise ImproperlyConfigured(f"{path} is empty; delete it or set SECRET_KEY") from None
    key = secrets.token_urlsafe(64)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)

_port = env("DANGJIAN_PORT", "8000")
if not (_port.isascii() and _port.isdigit() and 0 < int(_port) < 65536):
    raise ImproperlyConfigured(f"DANGJIAN_PORT must be a port number (1-65535), not {_port!r}")
PORT = int(_port)  # `dangjian serve`'s, and where nginx and `upgrade` find it
# Unset, the site's own links (canonical, share, the demo's printed addresses) name the port
# it is served on.
BASE_URL = env("DANGJIAN_BASE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in {"http", "https"} or not _base.hostname:
    raise ImproperlyConfigured(f"DANGJIAN_BASE_URL must be an http(s) URL, not {BASE_URL!r}")
HTTPS = _base.scheme == "https"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f"{_base.hostname},localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

INSTALLED_APPS = [
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.portal",
    "dangjian.pageviews",
    "dangjian.search",
    "dangjian.contributions",
    "dangjian.cities",
    "dangjian.complaints",
    "dangjian.sharing",
    "dangjian.banners",
    "dangjian.documents",
    "captcha",
    "dangjian.demo",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Its catalogue: Wagtail writes "3 seconds ago" with humanize's naturaltime.
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "dangjian.core.middleware.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dangjian.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag and 304 for what Django renders too, not only for page-cache hits.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dangjian.accounts.hint.LoginHintMiddleware",
    # A city's staff reach their own city's objects only (cities/isolation.py).
    "dangjian.cities.isolation.AdminGuardMiddleware",
    "dangjian.core.middleware.PageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# Content-Security-Policy (django-csp): enforced on every public answer, cached ones too (the
# fast path and nginx send security_headers()); only reported on Wagtail's admin, whose
# templates use inline styles (see ContentSecurityPolicyMiddleware).
ADMIN_PATH_PREFIXES = ("/admin/",)
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],  # and the object storage's address when media are kept there
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
}
CONTENT_SECURITY_POLICY = {"EXCLUDE_URL_PREFIXES": ADMIN_PATH_PREFIXES, "DIRECTIVES": _CSP_DIRECTIVES}
CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "dangjian.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(env("DANGJIAN_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The database holds personal data: 0600 from the start (private_file_ensure).
    private_file_ensure(DATABASES["default"]["NAME"])
    # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN so two writers queue on the timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests on a file, as the site runs: an in-memory database shares its cache between
    # threads and fails concurrent writers with "table is locked" instead of queueing them.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -----------------------------------------------------
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("DANGJIAN_CACHE_PREFIX", "dangjian"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    # Background tasks (ours and Wagtail's) go through Redis to `dangjian worker`.
    TASKS = {"default": {"BACKEND": "dangjian.core.taskqueue.OnCommitRQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    # The worker must run jobs through django-tasks-rq's job class, which calls the task.
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}
else:
    # A file cache, unlike locmem, is shared by every worker process of `dangjian serve`,
    # so a change one worker makes (e.g. Wagtail's site root paths) is seen by all.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "KEY_PREFIX": env("DANGJIAN_CACHE_PREFIX", "dangjian"),
        },
        # Wagtail writes every rendition it shows back to this cache: in the file cache that
        # is a file write per image shown (bench/README.md). Rendition keys change
        # with the focal point, so a per-process copy is only stale when an image file is
        # replaced, and then for at most the timeout.
        "renditions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": 60,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }

# --- Full-page cache (dangjian/core/pagecache.py) ------------------------------
PAGE_CACHE_ENABLED = env_bool("DANGJIAN_PAGE_CACHE", True)
PAGE_CACHE_DIR = Path(env("DANGJIAN_PAGE_CACHE_DIR", str(DATA_DIR / "pagecache")))
# How long a page a change made stale is still served while one render replaces it.
PAGE_CACHE_STALE_SECONDS = float(env("DANGJIAN_PAGE_CACHE_STALE_SECONDS", "30"))
PAGE_CACHE_EXCLUDED_PREFIXES = ("/admin/", "/documents/", "/media/", "/static/")

if not REDIS_URL:
    # Embedded: the task queue is a table in the same SQLite database; `dangjian serve`
    # runs the worker and the scheduler itself.
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {}
SERVE_RUNS_WORKER = env_bool("DANGJIAN_SERVE_WORKER", not REDIS_URL)

# --- View counts (dangjian/pageviews) ------------------------------------------
# One visitor counts once per article per this many minutes.
PAGEVIEWS_DEDUP_SECONDS = 60 * int(env("DANGJIAN_VIEWS_DEDUP_MINUTES", "30"))
# Beacons per client address in any 60 seconds; above it the answer is 429. Generous, because many
# phones share one carrier address.
PAGEVIEWS_RATE_LIMIT = int(env("DANGJIAN_VIEWS_RATE_LIMIT", "300"))
# Views one client address (an IPv6 /64 as a whole) adds to one article in any hour,
# whatever cookies and user agents it sends (README: 浏览次数).
PAGEVIEWS_ADDRESS_HOURLY = int(env("DANGJIAN_VIEWS_PER_ADDRESS_HOURLY", "20"))
# The embedded buffer (without Redis): a SQLite file of its own, see pageviews/buffer/.
PAGEVIEWS_BUFFER_PATH = DATA_DIR / "pageviews-buffer.sqlite3"
PAGEVIEWS_FLUSH_SECONDS = int(env("DANGJIAN_VIEWS_FLUSH_SECONDS", "5"))
HOT_LISTS_SECONDS = int(env("DANGJIAN_HOT_LISTS_SECONDS", "300"))

# --- SMS codes and login limits (dangjian/accounts) ----------------------------
SMS_BACKEND = env("DANGJIAN_SMS_BACKEND", "console")  # console | aliyun | tencent
SMS_SIGN_NAME = env("DANGJIAN_SMS_SIGN_NAME", "基层党建网")
SMS_TEMPLATE_ID = env("DANGJIAN_SMS_TEMPLATE_ID")
SMS_ACCESS_KEY_ID = env("DANGJIAN_SMS_ACCESS_KEY_ID")
SMS_ACCESS_KEY_SECRET = env("DANGJIAN_SMS_ACCESS_KEY_SECRET")
SMS_APP_ID = env("DANGJIAN_SMS_APP_ID")  # Tencent Cloud's SmsSdkAppId
SMS_REGION = env("DANGJIAN_SMS_REGION", "ap-guangzhou")  # Tencent Cloud region
# The provider's template for "your city channel application <reference>: <result>" (its
# parameters: reference, result); empty = no SMS, the applicant's account page says it.
SMS_CITY_RESULT_TEMPLATE_ID = env("DANGJIAN_SMS_CITY_RESULT_TEMPLATE_ID")
# The provider's template for "copyright complaint <number>: <state>", sent to the
# complainant and to the uploader of the article (parameters: number, state); empty = no
# SMS, the case page and the uploader's account page say it.
SMS_COMPLAINT_TEMPLATE_ID = env("DANGJIAN_SMS_COMPLAINT_TEMPLATE_ID")
# Sends allowed per daily budget (all numbers together); a warning from the threshold on.
SMS_DAILY_BUDGET = int(env("DANGJIAN_SMS_DAILY_BUDGET", "2000"))
SMS_BUDGET_WARNING = int(env("DANGJIAN_SMS_BUDGET_WARNING", "1500"))
# The share of the budget kept for numbers that have logged in before: an attack that
# sends codes to new numbers cannot use it, so existing readers and staff still get codes.
SMS_RESERVE_PERCENT = int(env("DANGJIAN_SMS_RESERVE_PERCENT", "30"))
# "count per seconds", comma separated. Per phone, per number range (numbers that differ
# only in their last four digits: SMS pumping sends to blocks of numbers), per client
# address (an IPv4 address or an IPv6 /64), per prefix (IPv4 /24, IPv6 /48), per browser.
SMS_LIMITS_PHONE = env("DANGJIAN_SMS_LIMITS_PHONE", "1/60,5/3600,10/86400")
SMS_LIMITS_RANGE = env("DANGJIAN_SMS_LIMITS_RANGE", "10/3600,30/86400")
SMS_LIMITS_IP = env("DANGJIAN_SMS_LIMITS_IP", "10/60,30/86400")
SMS_LIMITS_PREFIX = env("DANGJIAN_SMS_LIMITS_PREFIX", "30/60,300/86400")
SMS_LIMITS_SESSION = env("DANGJIAN_SMS_LIMITS_SESSION", "5/3600")
# The surge detector: when the sends of the last SMS_SURGE_MINUTES reach SMS_SURGE_FACTOR
# times the usual number for that many minutes (the mean of the last 24 hours), and at least
# SMS_SURGE_MINIMUM, every send needs the captcha, from the first.
SMS_SURGE_MINUTES = int(env("DANGJIAN_SMS_SURGE_MINUTES", "10"))
SMS_SURGE_FACTOR = float(env("DANGJIAN_SMS_SURGE_FACTOR", "3"))
SMS_SURGE_MINIMUM = int(env("DANGJIAN_SMS_SURGE_MINIMUM", "20"))
# Wrong SMS codes and wrong staff passwords per client address and per prefix (as above).
# A number or user name itself is never locked (a stranger could lock anyone out): after a
# few failures its code entry or password login asks for the captcha instead.
GUESS_LIMITS_IP = env("DANGJIAN_GUESS_LIMITS_IP", "20/900,60/86400")
GUESS_LIMITS_PREFIX = env("DANGJIAN_GUESS_LIMITS_PREFIX", "100/900,300/86400")
LOGIN_RECORD_DAYS = int(env("DANGJIAN_LOGIN_RECORD_DAYS", "180"))
# django-simple-captcha: a sum to work out, easier for elderly readers than distorted letters.
WAGTAILADMIN_USER_LOGIN_FORM = "dangjian.accounts.forms.StaffLoginForm"
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.math_challenge"
CAPTCHA_TIMEOUT = 5  # minutes
CAPTCHA_IMAGE_SIZE = (240, 80)
CAPTCHA_FONT_SIZE = 52
CAPTCHA_MATH_CHALLENGE_OPERATOR = "×"
CAPTCHA_LETTER_ROTATION = (-15, 15)

# --- Users ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "wagtailadmin_login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PHONE_DEFAULT_REGION = env("DANGJIAN_PHONE_REGION", "CN")

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# The project's own strings, then Chinese for the Wagtail admin strings that Wagtail's
# zh-Hans catalog lacks (LOCALE_PATHS outrank the apps' own catalogs).
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_wagtail"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DANGJIAN_MEDIA_DIR") or DATA_DIR / "media")
# Files only the admin shows (city channel applications' letters): outside MEDIA_ROOT,
# which nginx and `dangjian serve` answer for anyone.
PRIVATE_MEDIA_ROOT = Path(env("DANGJIAN_PRIVATE_DIR") or DATA_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/no-public-url/"}},
    "staticfiles": {
        # Fingerprinted names let nginx and browsers cache static files for a year.
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    },
}
# Several hosts: media on S3-compatible object storage (core/objectstorage.py).
MEDIA_STORAGE_URL = env("DANGJIAN_MEDIA_STORAGE_URL", "")
if MEDIA_STORAGE_URL:
    try:
        STORAGES["default"], STORAGES["private"], _media_origin = storages_for(MEDIA_STORAGE_URL)
    except StorageURLError as error:
        raise ImproperlyConfigured(str(error)) from None
    _CSP_DIRECTIVES["img-src"].append(_media_origin)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Wagtail ----------------------------------------------------------------
WAGTAIL_SITE_NAME = env("DANGJIAN_ADMIN_TITLE", "党建门户")
WAGTAILADMIN_BASE_URL = BASE_URL
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# No request from the admin to releases.wagtail.org: the admin must work without the outside
# internet, and its Content-Security-Policy allows the site only.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Nor to gravatar.com for avatars (every admin page asked it, telling it who was logged in;
# blocked or slow from many networks in China): Wagtail's built-in avatar instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_I18N_ENABLED = False
# The site runs on Beijing time; a list of the world's zones in the account settings only confuses.
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "dangjian.search.wagtail_backend"}}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "dangjian.portal.forms.ImageForm"
# Documents live in the private storage and leave only through Wagtail's serve view, after
# its checks: handed to nginx (X-Accel-Redirect) or streamed (core/sendfile.py); on object
# storage, a redirect to a short-lived signed URL.
WAGTAILDOCS_DOCUMENT_MODEL = "documents.Document"
SENDFILE_BACKEND = "dangjian.core.sendfile"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "txt", "zip"]
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# 三审: the final approval publishes, naming the final approver 责任编辑 (contributions).
WAGTAIL_FINISH_WORKFLOW_ACTION = "dangjian.contributions.publishing.publish_reviewed"
WAGTAIL_WORKFLOW_CANCEL_ON_PUBLISH = True

# --- Contributions ----------------------------------------------------------
CONTRIBUTIONS_PER_DAY = int(env("DANGJIAN_CONTRIBUTIONS_PER_DAY", "5"))
# Photos: the most pixels a contributor's photo may have (phones take up to about 40
# million), and how often one contributor may save with new photos ("count/seconds").
PHOTO_MAX_PIXELS = int(env("DANGJIAN_PHOTO_MAX_PIXELS", "40000000"))
CONTRIBUTION_PHOTO_SAVES = env("DANGJIAN_CONTRIBUTION_PHOTO_SAVES", "30/3600")
# City channel applications: "count/seconds" limits, comma-separated, per account and per
# client network (an IPv4 address or an IPv6 /64).
CITY_APPLICATION_LIMITS_USER = env("DANGJIAN_CITY_APPLICATION_LIMITS_USER", "3/86400")
CITY_APPLICATION_LIMITS_NETWORK = env("DANGJIAN_CITY_APPLICATION_LIMITS_NETWORK", "10/86400")
# Copyright complaints: "count/seconds" limits per complainant's mobile number and per client
# network; how long a case keeps the complainant's personal data after it was received.
COMPLAINT_LIMITS_PHONE = env("DANGJIAN_COMPLAINT_LIMITS_PHONE", "5/86400")
COMPLAINT_LIMITS_NETWORK = env("DANGJIAN_COMPLAINT_LIMITS_NETWORK", "10/86400")
COMPLAINT_RETENTION_DAYS = int(env("DANGJIAN_COMPLAINT_RETENTION_DAYS", "1095"))

# --- Sharing (dangjian/sharing) ---------------------------------------------
# The Chinese font share posters are drawn with (Debian's fonts-noto-cjk), and the face in
# the collection (Noto Sans CJK: 2 is Simplified Chinese); posters drawn per client network
# ("count/seconds"; a poster already drawn costs nothing).
POSTER_FONT = env("DANGJIAN_POSTER_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
POSTER_FONT_INDEX = int(env("DANGJIAN_POSTER_FONT_INDEX", "2"))
POSTER_LIMITS = env("DANGJIAN_POSTER_LIMITS", "30/60,300/86400")
# WeChat's JS-SDK share card for articles opened in WeChat (an official account's AppID and
# AppSecret; the site's domain must be its JS interface domain). Unset: nothing is loaded.
WECHAT_APP_ID = env("DANGJIAN_WECHAT_APP_ID")
WECHAT_APP_SECRET = env("DANGJIAN_WECHAT_APP_SECRET")
WECHAT_API_URL = env("DANGJIAN_WECHAT_API_URL", "https://api.weixin.qq.com")

# --- Mail (Wagtail tells each 三审 stage's reviewers of new work) -------------
# One variable: smtp://user:password@host:587 (STARTTLS) or smtps://…:465 (TLS); user and
# password URL-encoded. Unset: nothing is sent (the admin's review queue still counts).
EMAIL_URL = env("DANGJIAN_EMAIL_URL", "")
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env("DANGJIAN_EMAIL_FROM", "dangjian@localhost")
if EMAIL_URL:
    _mail = urlsplit(EMAIL_URL)
    if _mail.scheme not in ("smtp", "smtps") or not _mail.hostname:
        raise ImproperlyConfigured(f"DANGJIAN_EMAIL_URL must look like smtp://user:password@host:587 or smtps://…:465, not {EMAIL_URL!r}")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _mail.hostname, _mail.port or (465 if _mail.scheme == "smtps" else 587)
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = unquote(_mail.username or ""), unquote(_mail.password or "")
    EMAIL_USE_SSL, EMAIL_USE_TLS = _mail.scheme == "smtps", _mail.scheme == "smtp" and EMAIL_PORT != 25
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
WAGTAILEMBEDS_FINDERS = []  # embeds would fetch from outside sites

# --- Security ---------------------------------------------------------------
# Wagtail's live preview shows the page in an iframe of the admin, which DENY would block.
X_FRAME_OPTIONS = "SAMEORIGIN"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("DANGJIAN_SSL_REDIRECT", HTTPS)
# (Health probes over plain http are not redirected: core.middleware.HealthMiddleware
# answers them before SecurityMiddleware.)
SECURE_HSTS_SECONDS = int(env("DANGJIAN_HSTS_SECONDS") or (31_536_000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DANGJIAN_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DANGJIAN_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
# The header a trusted reverse proxy puts the client's address in (nginx: X-Real-IP).
# Empty: REMOTE_ADDR, right when nothing sits in front of `dangjian serve`.
CLIENT_IP_HEADER = env("DANGJIAN_CLIENT_IP_HEADER")
CLIENT_IP_META_KEY = "HTTP_" + CLIENT_IP_HEADER.upper().replace("-", "_") if CLIENT_IP_HEADER else ""
if env("DANGJIAN_PROXY_SSL_HEADER"):
    # e.g. "X-Forwarded-Proto": set only when a proxy you control sets that header.
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + env("DANGJIAN_PROXY_SSL_HEADER").upper().replace("-", "_"),
        "https",
    )
SILENCED_SYSTEM_CHECKS = [
    "security.W019",  # X_FRAME_OPTIONS is SAMEORIGIN on purpose, see above
    "security.W021",  # HSTS preload is a submission to browser vendors: the operator's call
]

# Production logs are one JSON object per line (for journald, Loki, ELK); the embedded
# default keeps plain lines, easier to read in a terminal.
LOG_FORMAT = log_format()
# A line per request answered by `dangjian serve` (core/accesslog.py); nginx logs its own.
ACCESS_LOG = env_bool("DANGJIAN_ACCESS_LOG", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "dangjian.core.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("DANGJIAN_LOG_LEVEL", "INFO")},
    # django_tasks logs every task start and finish at INFO, RQ's worker every job it takes
    # and finishes (about 88 lines a minute from the periodic tasks): too much for an
    # operator to read. RQ's lines go through the site's handler, JSON in JSON mode (RQ
    # would otherwise add a plain-text handler of its own).
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"},
                "rq": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
