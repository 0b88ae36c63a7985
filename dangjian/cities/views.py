"""Applying for a city channel: the contact number first (an SMS code, with the login's
limits and captcha), then the application. Views stay thin: services.py decides."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.accounts.models import PhoneCode
from dangjian.accounts.phone import mask_phone
from dangjian.accounts.selectors import code_request_status
from dangjian.accounts.views import phone_code_step
from dangjian.core.clientip import client_ip

from . import regions, services
from .forms import ApplicationForm
from .models import CityApplication

SESSION_KEY = "cities_apply"


def reader_required(view):
    """Logged in (else to the phone login, coming back here) and never cached."""
    return never_cache(login_required(view, login_url="accounts:login"))


def about(request):
    return render(request, "cities/about.html", {"data_date": regions.data_date()})


@reader_required
def apply(request):
    open_application = CityApplication.objects.filter(applicant=request.user, status=CityApplication.Status.PENDING).first()
    if open_application:
        return redirect("cities:application", reference=open_application.reference)
    pending = request.session.get(SESSION_KEY)
    if request.POST.get("step") == "own" and _own_verified_phone(request.user):
        # The number the applicant logged in with was verified by SMS then: no second code.
        request.session[SESSION_KEY] = {"phone": request.user.phone, "request": "", "own": True}
        return redirect("cities:apply")
    if pending is None or request.POST.get("step") == "phone":
        return _phone_step(request)
    needs_code = not (pending.get("own") and pending["phone"] == _own_verified_phone(request.user))
    form = ApplicationForm(request.POST or None, request.FILES or None, contact_phone=pending["phone"], needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.city_application_submit(applicant=request.user, content=form.content(),
                                                           code=form.cleaned_data.get("code"), ip=client_ip(request.META))
        except services.CityError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            request.session.pop(SESSION_KEY, None)
            return redirect("cities:application", reference=application.reference)
    return render(request, "cities/apply.html", {
        "form": form, "masked_phone": mask_phone(pending["phone"]), "provinces": [(p, regions.children_of(p.code)) for p in regions.provinces()],
        "status": code_request_status(pending["request"]) if needs_code else "", "needs_code": needs_code,
    })


def _own_verified_phone(user) -> str:
    return user.phone if user.phone and user.phone_verified else ""


def _phone_step(request):
    form, sent = phone_code_step(request, purpose=PhoneCode.Purpose.CITY_APPLICATION)
    if sent is not None:
        request.session[SESSION_KEY] = {"phone": form.cleaned_data["phone"], "request": sent.request_id}
        return redirect("cities:apply")
    own = _own_verified_phone(request.user)
    return render(request, "cities/apply_phone.html", {"form": form, "own_phone": mask_phone(own) if own else ""})


@reader_required
def application(request, reference: str):
    found = CityApplication.objects.filter(applicant=request.user, reference=reference).select_related("city").first()
    if found is None:
        raise Http404
    return render(request, "cities/application.html", {"application": found})


@require_POST
@reader_required
def apply_restart(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("cities:apply")


def account_section(request) -> str:
    """The applicant's applications, on their account page (accounts.sections)."""
    applications = list(CityApplication.objects.filter(applicant=request.user).select_related("city")[:10])
    if not applications:
        return ""
    return render_to_string("cities/account_section.html", {"applications": applications}, request=request)


def region_children(request, code: str):
    return JsonResponse([[r.code, r.name] for r in regions.children_of(code)], safe=False,
                        headers={"Cache-Control": "public, max-age=86400"})
