"""City channels: applications, provisioning, staff and recommendations. Every change of
state is one of these functions, whoever calls it (views, the admin, the demo, commands)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from dangjian.accounts.limits import Limit, counters, limits_from_spec
from dangjian.accounts.models import PhoneCode
from dangjian.accounts.services import TooManyGuesses, phone_code_verify
from dangjian.contributions.models import ReviewTask
from dangjian.core.clientip import client_network
from dangjian.core.dependencies import list_key
from dangjian.core.invalidation import purge_pages
from dangjian.core.scans import Scan
from dangjian.pageviews.services import hot_list_article_remove
from dangjian.portal.models import ArticlePage, ChannelPage, HomePage

from . import regions
from .models import (
    CityApplication,
    CityArticleCount,
    CityChannelPage,
    CityDirectoryPage,
    CityGroup,
    CityRole,
    Recommendation,
)
from .selectors import city_directory, city_of_page

# Addresses below /city/ that are not cities.
RESERVED_SLUGS = {"apply", "about", "feed", "search", "admin", "static", "media"}
DEFAULT_COLUMNS = [("工作动态", True), ("基层风采", True), ("通知公告", False)]
# Page permissions of each role on its city's subtree (Wagtail's codenames).
ROLE_PAGE_PERMISSIONS = {
    CityRole.ADMIN: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    CityRole.FIRST_REVIEW: ["add_page", "change_page"],
    CityRole.SECOND_REVIEW: ["add_page", "change_page"],
    CityRole.FINAL_REVIEW: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
COLLECTION_PERMISSIONS = ["add_image", "change_image", "choose_image", "add_document", "change_document", "choose_document"]
REVIEW_STAGES = [("初审", CityRole.FIRST_REVIEW), ("复审", CityRole.SECOND_REVIEW), ("终审", CityRole.FINAL_REVIEW)]


class CityError(Exception):
    """Refused, with a message for the person who asked."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class ApplicationContent:
    organization: str
    region_code: str
    contact_name: str
    contact_phone: str
    channel_name: str
    slug: str
    description: str
    letter: Scan


# --- applications ----------------------------------------------------------------
def region_check(code: str) -> regions.Region:
    region = regions.lookup(code)
    if region is None or region.level < 2:
        raise CityError(_("Please choose the province and the city of the channel."), field="region_code")
    return region


def slug_check(slug: str, *, open_applications: bool = True) -> None:
    try:
        validate_slug(slug)
    except Exception:
        raise CityError(_("The address may use lower-case letters, digits and hyphens only."), field="slug") from None
    if slug != slug.lower() or slug in RESERVED_SLUGS:
        raise CityError(_("This address cannot be used; please choose another."), field="slug")
    directory = city_directory()
    if directory is not None and Page.objects.child_of(directory).filter(slug=slug).exists():
        raise CityError(_("This address is taken by another city channel."), field="slug")
    if open_applications and CityApplication.objects.filter(slug=slug, status=CityApplication.Status.PENDING).exists():
        raise CityError(_("This address is taken by another application."), field="slug")


def region_taken_check(code: str, *, open_applications: bool = True) -> None:
    """A region has one city channel, and one application in review at a time."""
    if CityChannelPage.objects.filter(region_code=code).exists():
        raise CityError(_("%(region)s already has a city channel.") % {"region": regions.full_name(code)}, field="region_code")
    if open_applications and CityApplication.objects.filter(region_code=code, status=CityApplication.Status.PENDING).exists():
        raise CityError(_("An application for %(region)s is already being reviewed.") % {"region": regions.full_name(code)},
                        field="region_code")


def _open_applications_check(applicant, region_code: str) -> None:
    region_taken_check(region_code)
    if CityApplication.objects.filter(applicant=applicant, status=CityApplication.Status.PENDING).exists():
        raise CityError(_("You already have an application being reviewed; please wait for its result."))


def application_limits(*, applicant, ip: str) -> list[Limit]:
    return (limits_from_spec(settings.CITY_APPLICATION_LIMITS_USER, "city-application-user", str(applicant.pk))
            + limits_from_spec(settings.CITY_APPLICATION_LIMITS_NETWORK, "city-application-network", client_network(ip)))


def _reference() -> str:
    return f"CS{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


def city_application_submit(*, applicant, content: ApplicationContent, code: str | None, ip: str) -> CityApplication:
    """Store an application for review. The contact number is proved by an SMS `code`, or,
    without one, must be the applicant's own number, verified by SMS when they logged in.
    Refused (CityError, nothing stored, the code still usable) for a region or address
    already taken, a second open application of the same account, a wrong code for the
    contact number, or beyond the limits."""
    region = region_check(content.region_code)
    slug_check(content.slug)
    _open_applications_check(applicant, region.code)
    wrong_code = CityError(_("The code is wrong or no longer valid. Check the SMS, or ask for a new code."), field="code")
    if code is None:
        if not (applicant.phone_verified and applicant.phone == content.contact_phone):
            raise wrong_code
    else:
        try:
            right = phone_code_verify(phone=content.contact_phone, purpose=PhoneCode.Purpose.CITY_APPLICATION, code=code, use=False, ip=ip)
        except TooManyGuesses as refused:
            raise CityError(_("Too many wrong codes from this network. Please try again in %(minutes)d minutes.")
                            % {"minutes": max(1, -(-refused.retry_after // 60))}, field="code") from None
        if not right:
            raise wrong_code
    limits = application_limits(applicant=applicant, ip=ip)
    refused = counters().consume(limits)
    if refused is not None:
        hours = max(1, round(refused.retry_after / 3600))
        raise CityError(_("Too many applications from this account or network; please try again in %(hours)d hours.") % {"hours": hours})
    application = None
    try:
        with transaction.atomic():
            if code is not None and not phone_code_verify(phone=content.contact_phone, purpose=PhoneCode.Purpose.CITY_APPLICATION, code=code):
                raise wrong_code
            application = CityApplication(
                reference=_reference(), applicant=applicant, organization=content.organization,
                region_code=region.code, region_name=regions.full_name(region.code), contact_name=content.contact_name,
                contact_phone=content.contact_phone, letter_type=content.letter.kind, channel_name=content.channel_name,
                slug=content.slug, description=content.description,
            )
            application.letter.save(f"letter.{content.letter.extension}", ContentFile(content.letter.content), save=False)
            application.save()
            log(instance=application, action="cities.application_submit", user=applicant)
    except BaseException as error:
        counters().release(limits)
        if application is not None and application.letter.name:
            application.letter.delete(save=False)  # the row is gone with the transaction
        if isinstance(error, IntegrityError):
            # Another application (for the region, or of the applicant) was stored between
            # the checks and the insert: the checks now say which.
            _open_applications_check(applicant, region.code)
        raise
    return application


@transaction.atomic
def city_application_reject(*, application: CityApplication, user, reason: str) -> CityApplication:
    application = CityApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != CityApplication.Status.PENDING:
        raise CityError(_("This application has already been decided."))
    reason = reason.strip()
    if not reason:
        raise CityError(_("Please give the reason: the applicant sees it."), field="reason")
    application.status, application.reason = CityApplication.Status.REJECTED, reason
    application.decided_by, application.decided_at = user, timezone.now()
    application.save()
    log(instance=application, action="cities.application_reject", user=user, data={"reason": reason})
    _tell_applicant(application)
    return application


@transaction.atomic
def city_application_approve(*, application: CityApplication, user) -> CityChannelPage:
    """Approve and provision the city in the same transaction: all of it or nothing."""
    application = CityApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != CityApplication.Status.PENDING:
        raise CityError(_("This application has already been decided."))
    city = city_provision(title=application.channel_name, slug=application.slug, region_code=application.region_code,
                          organization=application.organization, description=application.description,
                          admin=application.applicant, user=user)
    application.status, application.city = CityApplication.Status.APPROVED, city
    application.decided_by, application.decided_at = user, timezone.now()
    application.save()
    log(instance=application, action="cities.application_approve", user=user)
    _tell_applicant(application)
    return city


def _tell_applicant(application: CityApplication) -> None:
    """By SMS to the contact number, once the decision is committed (accounts.sms: the
    console backend writes it, a provider needs SMS_CITY_RESULT_TEMPLATE_ID)."""
    from dangjian.accounts.tasks import send_sms_notice

    result = str(application.get_status_display())
    text = _("Your city channel application %(reference)s: %(result)s. See My account for details.") % {
        "reference": application.reference, "result": result}
    transaction.on_commit(lambda: send_sms_notice.enqueue(
        phone=application.contact_phone, template_id=settings.SMS_CITY_RESULT_TEMPLATE_ID,
        params={"reference": application.reference, "result": result}, text=text))


# --- provisioning ------------------------------------------------------------------
def city_directory_ensure() -> CityDirectoryPage:
    directory = city_directory()
    if directory is None:
        home = HomePage.objects.order_by("path").first()
        directory = CityDirectoryPage(title="城市频道", slug="city",
                                      intro="各地党组织开设的城市频道，展示本地党建工作成果。")
        home.add_child(instance=directory)
        directory.save_revision().publish()
    return directory


@dataclass
class Provisioning:
    """What provisioning made so far; each step adds to it."""

    title: str
    slug: str
    region_code: str
    organization: str
    description: str
    admin: object
    user: object
    columns: list[tuple[str, bool]]
    city: CityChannelPage | None = None
    groups: dict[str, Group] = field(default_factory=dict)


def _step_page(p: Provisioning) -> None:
    directory = city_directory_ensure()
    p.city = CityChannelPage(title=p.title, slug=p.slug, region_code=p.region_code, region_name=regions.full_name(p.region_code),
                             organization=p.organization, description=p.description, owner=p.admin)
    directory.add_child(instance=p.city)
    p.city.save_revision(user=p.user).publish(user=p.user)
    CityArticleCount.objects.create(city=p.city)
    for title, contributions in p.columns:
        column = ChannelPage(title=title, accepts_contributions=contributions, show_in_menus=True, owner=p.admin)
        p.city.add_child(instance=column)
        column.save_revision(user=p.user).publish(user=p.user)


def _step_collection(p: Provisioning) -> None:
    collection = Collection.get_first_root_node().add_child(name=f"城市频道：{p.title}（{p.slug}）")
    p.city.collection = collection
    p.city.save(update_fields=["collection"])


def _step_groups(p: Provisioning) -> None:
    page_permissions = {perm.codename: perm for perm in Permission.objects.filter(content_type__app_label="wagtailcore",
                                                                                  codename__in=sum(ROLE_PAGE_PERMISSIONS.values(), []))}
    collection_permissions = list(Permission.objects.filter(
        content_type__app_label__in=["wagtailimages", "documents"], codename__in=COLLECTION_PERMISSIONS))
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    for role in CityRole:
        group = Group.objects.create(name=f"{p.title}（{p.slug}）·{role.label}")
        group.permissions.add(access_admin)
        CityGroup.objects.create(city=p.city, role=role, group=group)
        GroupPagePermission.objects.bulk_create(
            [GroupPagePermission(group=group, page=p.city, permission=page_permissions[codename]) for codename in ROLE_PAGE_PERMISSIONS[role]])
        GroupCollectionPermission.objects.bulk_create(
            [GroupCollectionPermission(group=group, collection=p.city.collection, permission=perm) for perm in collection_permissions])
        p.groups[role] = group


def _step_workflow(p: Provisioning) -> None:
    workflow = Workflow.objects.create(name=f"三审：{p.title}", active=True)
    content_type = ContentType.objects.get_for_model(ReviewTask)
    for order, (name, role) in enumerate(REVIEW_STAGES):
        # Named as the national stages: contributors and reviewers read "待初审", whoever reviews.
        task = ReviewTask.objects.create(name=name, content_type=content_type, active=True)
        task.groups.set([p.groups[role]])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    WorkflowPage.objects.create(page=p.city, workflow=workflow)


def _step_admin(p: Provisioning) -> None:
    p.admin.groups.add(p.groups[CityRole.ADMIN])
    log(instance=p.city, action="cities.provision", user=p.user, data={"admin": p.admin.pk})


# In order; a test makes the last one fail to show that nothing of the others is left.
PROVISION_STEPS: list[Callable[[Provisioning], None]] = [_step_page, _step_collection, _step_groups, _step_workflow, _step_admin]


@transaction.atomic
def city_provision(*, title: str, slug: str, region_code: str, organization: str, description: str, admin, user,
                   columns: list[tuple[str, bool]] | None = None) -> CityChannelPage:
    """The city channel page with its columns, the city's collection, its four groups with
    permissions on the city's subtree and collection only, its own 三审 workflow, and `admin`
    as its administrator: one transaction, so a failure anywhere leaves none of it."""
    region_check(region_code)
    region_taken_check(region_code, open_applications=False)
    slug_check(slug, open_applications=False)
    p = Provisioning(title=title, slug=slug, region_code=region_code, organization=organization, description=description,
                     admin=admin, user=user, columns=list(DEFAULT_COLUMNS if columns is None else columns))
    for step in PROVISION_STEPS:
        step(p)
    return p.city


# --- article counts (the directory) ------------------------------------------------
def city_article_count_refresh(*, city_ids: list[int] | None = None) -> None:
    """Count the published articles below these cities (every city without ids): after
    each commit that publishes, unpublishes, moves or deletes one (signals.py), and after
    bulk loads that bypass signals (demo, bench)."""
    cities = CityChannelPage.objects.all() if city_ids is None else CityChannelPage.objects.filter(pk__in=city_ids)
    for city_id, path in cities.values_list("pk", "path"):
        count = ArticlePage.objects.live().filter(path__startswith=path).count()
        CityArticleCount.objects.update_or_create(city_id=city_id, defaults={"articles": count})


# --- staff ---------------------------------------------------------------------
@transaction.atomic
def city_staff_add(*, city: CityChannelPage, role: str, phone: str, by) -> object:
    """Put the account of `phone` (made now when there is none: it is verified at the first
    SMS login) into the city's group for `role`."""
    from dangjian.accounts.phone import normalize_phone

    try:
        normalized = normalize_phone(phone)
    except ValidationError as error:
        raise CityError(error.messages[0], field="phone") from None
    User = get_user_model()
    user = User.objects.filter(phone=normalized).first()
    if user is None:
        user = User.objects.create_user(username=f"u{secrets.token_hex(6)}", phone=normalized, phone_verified=False)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    group = CityGroup.objects.get(city=city, role=role).group
    user.groups.add(group)
    log(instance=city, action="cities.staff_add", user=by, data={"user": user.pk, "role": role})
    return user


@transaction.atomic
def city_staff_remove(*, city: CityChannelPage, role: str, user, by) -> None:
    if role == CityRole.ADMIN and user.pk == by.pk:
        raise CityError(_("You cannot remove yourself as administrator."))
    group = CityGroup.objects.get(city=city, role=role).group
    user.groups.remove(group)
    log(instance=city, action="cities.staff_remove", user=by, data={"user": user.pk, "role": role})


# --- recommendations -----------------------------------------------------------------
@transaction.atomic
def recommendation_add(*, article: ArticlePage, channel: ChannelPage, user) -> Recommendation:
    if not article.live or city_of_page(article) is None:
        raise CityError(_("Only published articles of city channels can be recommended."))
    if channel.depth != 3:
        raise CityError(_("Articles are recommended to national channels only."))
    recommendation, created = Recommendation.objects.get_or_create(article=article, channel=channel, defaults={"recommended_by": user})
    if created:
        log(instance=article, action="cities.recommend", user=user, data={"channel": channel.pk, "channel_title": channel.title})
        _purge_recommended(article, channel)
    return recommendation


@transaction.atomic
def recommendation_withdraw(*, recommendation: Recommendation, user) -> None:
    article, channel = recommendation.article, recommendation.channel
    recommendation.delete()
    hot_list_article_remove(scope=channel, article_id=article.pk)
    log(instance=article, action="cities.recommend_withdraw", user=user, data={"channel": channel.pk, "channel_title": channel.title})
    _purge_recommended(article, channel)


def _purge_recommended(article: ArticlePage, channel: ChannelPage) -> None:
    """The channel's lists and feed show it (they record list:<channel>); nothing else does."""
    purge_pages(reason=f"recommendation of {article.pk} to {channel.pk} changed", keys=[list_key(channel.pk)])
