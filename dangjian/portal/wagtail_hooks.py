from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import MourningPeriod


class MourningPeriodViewSet(ModelViewSet):
    model = MourningPeriod
    form_fields = ["start", "end", "reason"]
    list_display = ["__str__", "start", "end"]
    icon = "time"
    menu_label = _("Mourning mode")
    add_to_settings_menu = True
    name = "mourning"


@hooks.register("register_admin_viewset")
def register_mourning_viewset():
    return MourningPeriodViewSet()
