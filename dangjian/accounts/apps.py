from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = _("User")

    def ready(self):
        from dangjian.core.scheduler import register_periodic

        from .tasks import purge_account_records

        register_periodic(purge_account_records, 3600)
        post_migrate.connect(_sync_roles_after_the_last_app, dispatch_uid="accounts-roles")


def _sync_roles_after_the_last_app(app_config, **kwargs):
    # Permissions are created app by app after `migrate`; the roles can only be given theirs
    # once the last app has its own.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is with_models[-1]:
        from .roles import roles_sync

        roles_sync()
