"""The complainant's pages (no account needed: the mobile number is proved by SMS codes)
and the uploader's counter-notice. Never cached; thin: services.py decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.accounts import services as accounts
from dangjian.accounts.forms import CodeForm, PhoneForm
from dangjian.accounts.models import PhoneCode
from dangjian.accounts.phone import mask_phone
from dangjian.accounts.selectors import code_captcha_required, code_request_status
from dangjian.accounts.views import phone_code_step, too_many_guesses
from dangjian.core.clientip import client_ip
from dangjian.portal.models import PortalSettings

from . import selectors, services
from .forms import ComplaintForm, CounterNoticeForm, SupplementForm, TrackForm
from .models import Complaint

FORM_SESSION = "complaint_form"
TRACK_SESSION = "complaint_track"
CASES_SESSION = "complaint_cases"  # numbers this browser proved it may read


def _settings(request) -> PortalSettings:
    return PortalSettings.for_request(request)


@never_cache
def complaint_new(request):
    pending = request.session.get(FORM_SESSION)
    if pending is None or request.POST.get("step") == "phone":
        form, sent = phone_code_step(request, purpose=PhoneCode.Purpose.COMPLAINT)
        if sent is not None:
            request.session[FORM_SESSION] = {"phone": form.cleaned_data["phone"], "request": sent.request_id}
            return redirect("complaints:new")
        return render(request, "complaints/phone.html", {"form": form, "portal": _settings(request)})
    form = ComplaintForm(request.POST or None, request.FILES or None, with_captcha=code_captcha_required(pending["phone"]))
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_submit(content=form.content(phone=pending["phone"]), code=form.cleaned_data["code"],
                                                  ip=client_ip(request.META))
        except services.ComplaintError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            request.session.pop(FORM_SESSION, None)
            _grant(request, complaint.number)
            messages.success(request, _("Your complaint is received. Keep the case number %(number)s: with it and your mobile number you can follow the case here.")
                             % {"number": complaint.number})
            return redirect("complaints:case", number=complaint.number)
    return render(request, "complaints/form.html", {
        "form": form, "masked_phone": mask_phone(pending["phone"]), "status": code_request_status(pending["request"]),
        "portal": _settings(request),
    })


@require_POST
def complaint_restart(request):
    request.session.pop(FORM_SESSION, None)
    return redirect("complaints:new")


def _grant(request, number: str) -> None:
    request.session[CASES_SESSION] = [*request.session.get(CASES_SESSION, [])[-9:], number]


@never_cache
def case_track(request):
    """Case number and mobile number, then the code sent to it: the case page."""
    pending = request.session.get(TRACK_SESSION)
    if pending is None or request.POST.get("step") == "phone":
        track = TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")[:20]})
        if request.method == "POST" and not track.is_valid():  # no code is sent for a mistyped number
            return render(request, "complaints/track.html", {"track": track, "form": PhoneForm(request.POST)})
        form, sent = phone_code_step(request, purpose=PhoneCode.Purpose.COMPLAINT)
        if sent is not None:
            request.session[TRACK_SESSION] = {"phone": form.cleaned_data["phone"], "request": sent.request_id,
                                              "number": track.cleaned_data["number"]}
            return redirect("complaints:track")
        return render(request, "complaints/track.html", {"track": track, "form": form})
    form = CodeForm(request.POST or None, with_captcha=code_captcha_required(pending["phone"]))
    if request.method == "POST" and form.is_valid():
        try:
            right = accounts.phone_code_verify(phone=pending["phone"], purpose=PhoneCode.Purpose.COMPLAINT,
                                               code=form.cleaned_data["code"], ip=client_ip(request.META))
        except accounts.TooManyGuesses as refused:
            form.add_error(None, too_many_guesses(refused))
        else:
            found = right and Complaint.objects.filter(number=pending["number"], phone=pending["phone"]).exists()
            if found:
                request.session.pop(TRACK_SESSION, None)
                _grant(request, pending["number"])
                return redirect("complaints:case", number=pending["number"])
            form.add_error(None, _("The code is wrong, or no case with this number was filed from this mobile number."))
    return render(request, "complaints/track_code.html", {
        "form": form, "masked_phone": mask_phone(pending["phone"]), "number": pending["number"],
        "status": code_request_status(pending["request"]),
    })


@require_POST
def track_restart(request):
    request.session.pop(TRACK_SESSION, None)
    return redirect("complaints:track")


@never_cache
def case(request, number: str):
    if number not in request.session.get(CASES_SESSION, []):
        return redirect(f"{reverse('complaints:track')}?{urlencode({'number': number[:20]})}")
    complaint = Complaint.objects.filter(number=number, anonymized_at__isnull=True).prefetch_related("articles", "files").first()
    if complaint is None:
        raise Http404
    form = SupplementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_supplement(complaint=complaint, text=form.cleaned_data["text"], files=form.cleaned_data["files"])
        except services.ComplaintError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Thank you: the information is added to the case."))
            return redirect("complaints:case", number=number)
    return render(request, "complaints/case.html", {"complaint": complaint, "form": form, "portal": _settings(request)})


@never_cache
@login_required(login_url="accounts:login")
def counter_notice(request, number: str):
    complaint = selectors.cases_of_uploader(request.user).filter(number=number).first()
    if complaint is None:
        raise Http404
    form = CounterNoticeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.counter_notice_file(complaint=complaint, user=request.user, statement=form.cleaned_data["statement"],
                                         files=form.cleaned_data["files"])
        except services.ComplaintError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your counter-notice is filed. The editors will review it and tell you the result."))
            return redirect("accounts:profile")
    return render(request, "complaints/counter_notice.html", {"complaint": complaint, "form": form})


def account_section(request) -> str:
    """Complaints about the person's articles, on their account page (accounts.sections)."""
    cases = list(selectors.cases_of_uploader(request.user).order_by("-received_at")[:20])
    if not cases:
        return ""
    return render_to_string("complaints/account_section.html", {"cases": cases}, request=request)
