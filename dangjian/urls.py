from django.conf import settings
from django.urls import include, path
from django.views.static import serve as serve_file
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from dangjian.accounts import views as accounts_views
from dangjian.banners import views as banners_views
from dangjian.pageviews import views as pageviews_views
from dangjian.portal import views as portal_views
from dangjian.portal.feeds import ArticleFeed
from dangjian.sharing import views as sharing_views

urlpatterns = [
    path("admin/login/", accounts_views.StaffLoginView.as_view(), name="wagtailadmin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("a/<int:page_id>/", portal_views.article, name="article"),
    path("a/<int:page_id>/poster.png", sharing_views.poster, name="share_poster"),
    path("share/wechat/", sharing_views.wechat_config, name="share_wechat"),
    path("b/<int:banner_id>/", banners_views.click, name="banner_click"),
    path("", include("dangjian.accounts.urls")),
    path("contribute/", include("dangjian.contributions.urls")),
    path("city/", include("dangjian.cities.urls")),
    path("complaint/", include("dangjian.complaints.urls")),
    path("captcha/", include("captcha.urls")),
    path("", include("dangjian.search.urls")),
    path("pv/<int:page_id>", pageviews_views.beacon, name="pageview_beacon"),
    path("feed/", ArticleFeed(), name="feed"),
    path("sitemap.xml", portal_views.sitemap, name="sitemap"),
    path("robots.txt", portal_views.robots_txt, name="robots_txt"),
    # Uploaded media: `dangjian serve` and nginx answer /media/ before Django does; this
    # route serves it to anything else that runs the WSGI app (tests, runserver).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_file, {"document_root": settings.MEDIA_ROOT}),
    path("", include(wagtail_urls)),
]
