"""City fixtures: city channels provisioned as an approved application would, and files a
letter can be."""

from __future__ import annotations

import itertools
from io import BytesIO

import pytest
from pypdf import PdfWriter

from dangjian.cities import services
from dangjian.cities.models import CityChannelPage, CityRole
from dangjian.contributions.tests.fixtures import make_user

_numbers = itertools.count(1)
# Prefecture-level cities in two provinces (辽宁 and 云南), then more for scale tests.
REGIONS = ["210100", "210200", "530900", "530100", "210300", "210400", "210500", "210600", "530300", "530400"]


def make_pdf(pages: int = 1, *, password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def make_city(*, region_code: str | None = None, admin=None, title: str | None = None, **kwargs) -> CityChannelPage:
    n = next(_numbers)
    region_code = region_code or REGIONS[n % len(REGIONS)]
    from dangjian.cities import regions

    return services.city_provision(
        title=title or f"{regions.lookup(region_code).name}党建", slug=f"city{n}", region_code=region_code,
        organization=f"中共{regions.lookup(region_code).name}委组织部", description="本市党建工作动态。",
        admin=admin or make_user("city-admin"), user=None, **kwargs,
    )


def city_staff(city: CityChannelPage) -> dict[str, object]:
    """One member per role of `city`, in its groups."""
    staff = {}
    for group in city.staff_groups.all():
        if group.role == CityRole.ADMIN:
            staff[group.role] = group.group.user_set.first()
            continue
        user = make_user(f"city-{group.role}")
        user.groups.add(group.group)
        staff[group.role] = user
    return staff


@pytest.fixture
def two_cities(portal_site, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return make_city(region_code="210100"), make_city(region_code="530900")
