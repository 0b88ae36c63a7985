from __future__ import annotations

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from wagtail import hooks

from dangjian.portal.models import ArticlePage
from dangjian.portal.templatetags.portal_tags import absolute_url

from . import wechat
from .qr import qr_svg


def _wechat_card(page: ArticlePage, url: str, context) -> str:
    """WeChat's share card (title, summary, picture) set through its JS-SDK, in WeChat only."""
    if not wechat.configured():
        return ""
    portal = context["portal"]
    picture = page.cover_image or portal.share_image
    image_url = ""
    if picture is not None:
        rendition = picture.get_rendition("fill-600x315|format-jpeg" if page.cover_image else "fill-600x600|format-jpeg")
        image_url = absolute_url(context, rendition.url)
    return format_html(
        '<script src="{}" defer data-config-url="{}" data-sdk="{}" data-title="{}" data-desc="{}" data-link="{}" data-image="{}"></script>',
        static("sharing/js/wechat.js"), reverse("share_wechat"), static("sharing/js/vendor/jweixin-1.6.5.js"), page.title,
        page.summary or portal.description, url, image_url,
    )


@hooks.register("portal_slot_share")
def share_block(context) -> str:
    page = context.get("page")
    if not isinstance(page, ArticlePage) or getattr(context.get("request"), "is_preview", False):
        return ""
    url = context["canonical"]
    return _wechat_card(page, url, context) + format_html(
        '<link rel="stylesheet" href="{}"><div class="share-save">'
        '<figure class="share-qr">{}<figcaption>{}</figcaption></figure>'
        '<a class="button share-poster" href="{}" data-hint="{}" data-close="{}">{}</a></div>'
        '<script src="{}" defer></script>',
        static("sharing/css/share.css"), mark_safe(qr_svg(url, title=_("QR code of this article"))), _("Scan to read on a phone"),
        reverse("share_poster", args=[page.pk]), _("Press and hold the picture to save it or send it to a friend"), _("Close"),
        _("Save the poster"), static("sharing/js/poster.js"),
    )
