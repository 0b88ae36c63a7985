from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PageviewsConfig(AppConfig):
    name = "dangjian.pageviews"
    label = "pageviews"
    verbose_name = _("View counts")
