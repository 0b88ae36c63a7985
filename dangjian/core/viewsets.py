"""Admin pieces shared by several apps."""

from __future__ import annotations

from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet


class _RecordsEditor:
    def save_instance(self):
        self.form.instance.changed_by = self.request.user
        return super().save_instance()


class RecordsEditorCreateView(_RecordsEditor, CreateView):
    pass


class RecordsEditorEditView(_RecordsEditor, EditView):
    pass


class ListViewSet(ModelViewSet):
    """Editors' word lists (search dictionary, sensitive words): who changed an entry is
    recorded on it, besides Wagtail's audit log."""

    add_view_class = RecordsEditorCreateView
    edit_view_class = RecordsEditorEditView
    add_to_settings_menu = True


class PermissionMenuItem(MenuItem):
    """A menu item shown only to users with `permission` (reports, lists)."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
