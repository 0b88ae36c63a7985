from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from .views import background_checks


class BackgroundJobsPanel(Component):
    """On the admin home page of site administrators: whether the scheduler and the task
    worker are running (scheduled publishing, view counts and hot lists depend on them)."""

    name = "background_jobs"
    order = 40
    template_name = "core/admin/background_panel.html"

    def get_context_data(self, parent_context=None):
        labels = {"scheduler": _("Scheduler"), "worker": _("Task worker")}
        states = {"ok": _("running"), "error": _("not running"), "unknown": _("unknown while the scheduler is down")}
        checks = background_checks()
        return {"rows": [(labels[name], state, states[state]) for name, state in checks.items()],
                "all_ok": all(state == "ok" for state in checks.values())}


@hooks.register("construct_homepage_panels")
def add_background_jobs_panel(request, panels):
    if request.user.has_perm("wagtailcore.change_site"):
        panels.append(BackgroundJobsPanel())


@hooks.register("construct_help_menu")
def keep_help_on_the_site(request, menu_items):
    """Wagtail's help menu links to its English editor guide and release notes on another
    site (and badges them as unread); the keyboard shortcuts stay."""
    menu_items[:] = [item for item in menu_items if not item.url.startswith(("http://", "https://"))]
