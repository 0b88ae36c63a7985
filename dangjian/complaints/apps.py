from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "dangjian.complaints"
    label = "complaints"
    verbose_name = _("Copyright complaints")

    def ready(self):
        from dangjian.accounts import roles
        from dangjian.accounts.sections import register_account_section
        from dangjian.core.scheduler import register_periodic

        from . import views
        from .tasks import anonymize_old_complaints

        # Site administrators and chief editors handle cases; auditors read them.
        for role in (roles.SITE_ADMIN, roles.FINAL_REVIEW):
            roles.role_permissions_add(role, ["complaints.view_complaint", "complaints.change_complaint"])
        roles.role_permissions_add(roles.AUDITOR, ["complaints.view_complaint"])
        register_periodic(anonymize_old_complaints, 86400)
        register_account_section(views.account_section)
