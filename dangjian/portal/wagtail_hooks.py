from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import PublishMenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button, ListingButton

from .models import ChannelPage, MourningPeriod
from .selectors import channels_for_writing, drafts_of


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


class WritingPanel(Component):
    """First on an editor's admin home page: 写文章 in each channel the editor may write
    in, then the editor's drafts."""

    name = "writing"
    order = 10
    template_name = "portal/admin/writing_panel.html"

    def __init__(self, channels, drafts):
        self.channels, self.drafts = channels, drafts

    def get_context_data(self, parent_context=None):
        return {"channels": self.channels, "drafts": self.drafts}


@hooks.register("construct_homepage_panels")
def add_writing_panel(request, panels):
    channels = channels_for_writing(request.user)
    drafts = list(drafts_of(request.user))
    if channels or drafts:
        panels.append(WritingPanel(channels, drafts))


# The footer's primary button is the one that moves an article on: 批准 for a reviewer at
# their stage of 三审, 发布 for those who may publish, 提交审核 for the rest. Wagtail's
# default is 保存草稿, with publishing hidden in the menu beside it.
FORWARD_ACTIONS = ("approve", "action-publish", "action-submit")


class ReviewBypassPublishMenuItem(PublishMenuItem):
    """发布 on someone else's article that has not been through 三审 asks first (static
    portal/js/admin.js); the audit log records who published it either way."""

    def render_html(self, parent_context=None):
        message = _("This article was written by someone else and has not been through the three-stage review. Publish it anyway?")
        return format_html('<span class="review-bypass" data-confirm="{}">{}</span>', message, super().render_html(parent_context))


def _skips_review(page) -> bool:
    if page.current_workflow_state is not None:
        return True  # in review: publishing now skips the stages left
    return page.get_workflow() is not None and not page.workflow_states.filter(status="approved").exists()


@hooks.register("construct_page_action_menu")
def forward_action_first(menu_items, request, context):
    for name in FORWARD_ACTIONS:
        index = next((n for n, item in enumerate(menu_items) if item.name == name), None)
        if index is not None:
            menu_items.insert(0, menu_items.pop(index))
            break
    page = context.get("page")
    if context.get("view") == "edit" and page.owner_id not in (None, request.user.pk) and _skips_review(page):
        menu_items[:] = [ReviewBypassPublishMenuItem(order=item.order) if item.name == "action-publish" else item
                         for item in menu_items]


@hooks.register("insert_editor_js")
def editor_js():
    return format_html('<script src="{}" defer></script>', static("portal/js/admin.js"))


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("portal/css/admin.css"))


def _write_url(page, user) -> str | None:
    """Where 写文章 in `page` goes, when `page` is a channel `user` may add articles to."""
    if page.specific_class is ChannelPage and page.permissions_for_user(user).can_add_subpage():
        return reverse("wagtailadmin_pages:add", args=("portal", "articlepage", page.pk))
    return None


@hooks.register("register_page_listing_buttons")
def write_in_channel_listing_button(page, user, next_url=None):
    if url := _write_url(page, user):
        yield ListingButton(_("Write an article"), url, icon_name="edit", priority=5)


@hooks.register("register_page_header_buttons")
def write_in_channel_header_button(page, user, view_name, next_url=None):
    if url := _write_url(page, user):
        yield Button(_("Write an article"), url, icon_name="edit", priority=5)
