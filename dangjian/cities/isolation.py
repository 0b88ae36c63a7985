"""A city's staff see and touch their city only.

Wagtail's permissions on the city's subtree and collection already refuse edits elsewhere,
but Wagtail lets anyone with admin access look at much more: the page chooser browses the
whole tree, a preview or revision or workflow URL with another page's id may answer, and
reports list every page. So for city-only staff (members of city groups and of no national
role), two things narrow the admin to their cities:

- every admin URL whose arguments name a page, revision, workflow state, image, document
  or collection outside their cities answers 404 (AdminGuardMiddleware), before any view
  runs;
- the querysets Wagtail builds for the explorer, the page chooser and reports are filtered
  to their cities (wagtail_hooks).

National staff (any national role, superusers) are not narrowed: they act on every city.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from wagtail.models import Collection, Page, Revision, TaskState, WorkflowState

from dangjian.accounts.roles import ROLES

from .models import CityChannelPage

# URL arguments that name a page, whatever the view.
PAGE_ARGUMENTS = {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"}
# Wagtail's views listing pages, log entries or reviews of the whole site with no hook to
# narrow them: not for a city's staff (their city's review queue and traffic are ours).
CLOSED_REPORTS = ["workflow", "workflow_tasks", "site_history", "page_types_usage"]
CLOSED_VIEWS = {"wagtailadmin_pages:type_use", "wagtailadmin_pages:type_use_results",
                *(f"wagtailadmin_reports:{name}{suffix}" for name in CLOSED_REPORTS for suffix in ("", "_results"))}
# The reports menu's names for them.
CLOSED_MENU_ITEMS = {"workflows", "workflow-tasks", "site-history", "page-types-usage"}
# Views whose "pk" is a page.
PAGE_PK_VIEWS = {"wagtailadmin_api:pages:detail", "wagtailadmin_api:pages:action", "wagtailadmin_pages:revisions_compare"}


@dataclass(frozen=True)
class Scope:
    """Where a city-only staff member may look: their cities' subtrees and collections."""

    paths: tuple[str, ...]
    collection_ids: frozenset[int]

    def has_page(self, page: Page | None) -> bool:
        return page is not None and page.path.startswith(self.paths)

    def pages_q(self, prefix: str = "") -> Q:
        q = Q(pk__in=[])
        for path in self.paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q


def city_scope(user) -> Scope | None:
    """The scope of a city-only staff member; None for everyone else (not narrowed). Kept on
    the user object for the request."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    cached = getattr(user, "_city_scope", False)
    if cached is not False:
        return cached
    scope = None
    groups = set(user.groups.values_list("name", flat=True))
    if not groups & set(ROLES):
        cities = list(CityChannelPage.objects.filter(staff_groups__group__user=user).distinct().values_list("path", "collection_id"))
        if cities:
            scope = Scope(paths=tuple(path for path, _c in cities), collection_ids=frozenset(c for _p, c in cities if c))
    user._city_scope = scope
    return scope


def _page(value) -> Page | None:
    return Page.objects.filter(pk=int(value)).only("path").first() if str(value).isdigit() else None


def _object_page(model_filter) -> Page | None:
    """The page a revision, workflow state or task state belongs to (None for other objects)."""
    found = model_filter.values_list("base_content_type__app_label", "object_id").first() if model_filter is not None else None
    if not found or found[0] != "wagtailcore":
        return None
    return _page(found[1])


def _collection_allowed(scope: Scope, collection_id) -> bool:
    if collection_id in scope.collection_ids:
        return True
    # The city's collection and anything an admin may have made below it.
    collection = Collection.objects.filter(pk=collection_id).only("path").first()
    allowed = Collection.objects.filter(pk__in=scope.collection_ids).values_list("path", flat=True)
    return collection is not None and any(collection.path.startswith(path) for path in allowed)


def admin_url_allowed(scope: Scope, url_name: str, kwargs: dict) -> bool:
    """False when an argument of this admin URL names something outside the scope."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    namespace = url_name.rpartition(":")[0]
    for name, value in kwargs.items():
        checks = []
        if (name in PAGE_ARGUMENTS or (name == "pk" and url_name in PAGE_PK_VIEWS)
                or (name == "object_id" and kwargs.get("app_label") == "wagtailcore")):
            checks.append(scope.has_page(_page(value)))
        elif name in ("revision_id", "revision_id_a", "revision_id_b") and str(value).isdigit():
            checks.append(scope.has_page(_object_page(Revision.objects.filter(pk=value))))
        elif name == "workflow_state_id":
            checks.append(scope.has_page(_object_page(WorkflowState.objects.filter(pk=value))))
        elif name == "task_state_id":
            state = TaskState.objects.filter(pk=value).values_list("workflow_state_id", flat=True).first()
            checks.append(scope.has_page(_object_page(WorkflowState.objects.filter(pk=state))) if state else False)
        elif name in ("image_id",) or (name == "pk" and namespace in ("wagtailimages_chooser", "wagtailadmin_api:images")):
            collection = get_image_model().objects.filter(pk=value).values_list("collection_id", flat=True).first() if str(value).isdigit() else None
            checks.append(collection is not None and _collection_allowed(scope, collection))
        elif name in ("document_id", "doc_id") or (name == "pk" and namespace in ("wagtaildocs_chooser", "wagtailadmin_api:documents")):
            collection = get_document_model().objects.filter(pk=value).values_list("collection_id", flat=True).first() if str(value).isdigit() else None
            checks.append(collection is not None and _collection_allowed(scope, collection))
        elif name == "collection_id" or (name == "pk" and namespace == "wagtailadmin_collections"):
            checks.append(str(value).isdigit() and _collection_allowed(scope, int(value)))
        if checks and not all(checks):
            return False
    return True


class AdminGuardMiddleware:
    """Refuses (404) admin URLs naming objects outside a city-only staff member's cities."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/admin/"):
            return None
        scope = city_scope(request.user)
        if scope is None:
            return None
        view_name = request.resolver_match.view_name
        if view_name in CLOSED_VIEWS or not admin_url_allowed(scope, view_name, view_kwargs):
            raise Http404
        return None


def narrowed_pages(pages, user):
    """`pages` within the user's cities when they are city-only staff."""
    scope = city_scope(user)
    return pages if scope is None else pages.filter(scope.pages_q())
