"""Phone login: number → (captcha) → SMS code → logged in. Views stay thin: the rules
live in services.py and limits.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.views.account import LoginView as WagtailLoginView

from dangjian.core.clientip import client_ip
from dangjian.core.redirects import safe_next

from . import selectors, services
from .forms import CodeForm, PhoneForm, ProfileForm, normalize_code
from .hint import hint_clear
from .models import LoginRecord, PhoneCode
from .phone import mask_phone
from .sections import account_sections
from .sms import console_last_message

SESSION_KEY = "accounts_login"


def _session_key(request) -> str:
    if not request.session.session_key:
        request.session.create()
    return request.session.session_key


def phone_code_step(request, *, purpose: str, initial: dict | None = None) -> tuple[PhoneForm, services.CodeRequest | None]:
    """The number step of anything proved by an SMS code (the login, a city channel
    application, a copyright complaint): the captcha when the login's rules ask for it, and
    the code requested once the number is valid. The form, and the request once a code was
    asked for (a refusal by the limits is an error of the form)."""
    ip = client_ip(request.META)
    with_captcha = selectors.captcha_required(ip=ip, session_key=_session_key(request))
    if request.method != "POST":
        return PhoneForm(initial=initial, with_captcha=with_captcha), None
    form = PhoneForm(request.POST, with_captcha=with_captcha)
    if form.is_valid():
        result = services.phone_code_request(phone=form.cleaned_data["phone"], purpose=purpose, ip=ip,
                                             session_key=_session_key(request))
        if result.refused is None:
            return form, result
        form.add_error(None, _("Too many requests from this network or browser; please try again in %(seconds)d seconds.")
                       % {"seconds": result.refused.retry_after})
    return form, None


def login_phone(request):
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form, sent = phone_code_step(request, purpose=PhoneCode.Purpose.LOGIN, initial={"phone": request.GET.get("phone", "")[:32]})
    if sent is not None:
        request.session[SESSION_KEY] = {"phone": form.cleaned_data["phone"], "request": sent.request_id, "next": next_url}
        return redirect("accounts:login_code")
    return render(request, "accounts/login_phone.html", {"form": form, "next": next_url})


def login_code(request):
    pending = request.session.get(SESSION_KEY)
    if not pending:
        return redirect("accounts:login")
    phone = pending["phone"]
    form = CodeForm(request.POST or None, with_captcha=selectors.code_captcha_required(phone))
    if request.method == "POST" and form.is_valid():
        ip, agent = client_ip(request.META), request.META.get("HTTP_USER_AGENT", "")
        try:
            right = services.phone_code_verify(phone=phone, purpose=PhoneCode.Purpose.LOGIN, code=form.cleaned_data["code"], ip=ip)
        except services.TooManyGuesses as refused:
            form.add_error(None, too_many_guesses(refused))
        else:
            if right:
                user = services.user_get_or_create(phone=phone)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                services.login_record_add(identifier=phone, method=LoginRecord.Method.SMS, result=LoginRecord.Result.SUCCESS,
                                          ip=ip, user_agent=agent, user=user)
                request.session.pop(SESSION_KEY, None)
                return redirect(pending.get("next") or "/")
            services.login_record_add(identifier=phone, method=LoginRecord.Method.SMS, result=LoginRecord.Result.WRONG_CODE,
                                      ip=ip, user_agent=agent)
            form.add_error("code", _("The code is wrong or no longer valid. Check the SMS, or ask for a new code."))
            if selectors.code_captcha_required(phone):
                form.add_captcha()
    return render(request, "accounts/login_code.html", {
        "form": form, "masked_phone": mask_phone(phone), "minutes": services.CODE_MINUTES,
        "status": selectors.code_request_status(pending["request"]), "phone": phone, "next": pending.get("next", "/"),
        # The console backend sends nothing: a newcomer to the demo could not log in otherwise.
        "demo": settings.SMS_BACKEND == "console",
        "demo_sms": console_last_message(phone) if settings.SMS_BACKEND == "console" else "",
    })


def too_many_guesses(refused: services.TooManyGuesses) -> str:
    return _("Too many wrong codes from this network. Please try again in %(minutes)d minutes.") % {
        "minutes": max(1, -(-refused.retry_after // 60))}


def login_code_status(request):
    pending = request.session.get(SESSION_KEY)
    status = selectors.code_request_status(pending["request"]) if pending else "none"
    return JsonResponse({"status": status}, headers={"Cache-Control": "no-store"})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    saved = False
    if request.method == "POST" and form.is_valid():
        form.save()
        saved = True
    return render(request, "accounts/profile.html", {
        "form": form, "saved": saved, "masked_phone": mask_phone(request.user.phone) if request.user.phone else "",
        "sections": account_sections(request),
    })


@login_required
def profile_phone(request):
    """Change the number: codes go to the new number and to the current one; both needed."""
    user, ip = request.user, client_ip(request.META)
    pending = request.session.get("accounts_phone_change")
    with_captcha = selectors.captcha_required(ip=ip, session_key=_session_key(request))
    if request.method == "POST" and "phone" in request.POST:
        form = PhoneForm(request.POST, with_captcha=with_captcha)
        if form.is_valid():
            new_phone = form.cleaned_data["phone"]
            requests = [services.phone_code_request(phone=new_phone, purpose=PhoneCode.Purpose.PHONE_CHANGE,
                                                    ip=ip, session_key=_session_key(request))]
            if user.phone:
                requests.append(services.phone_code_request(phone=user.phone, purpose=PhoneCode.Purpose.PHONE_CONFIRM_OLD,
                                                            ip=ip, session_key=_session_key(request)))
            refused = next((r.refused for r in requests if r.refused), None)
            if refused is None:
                request.session["accounts_phone_change"] = {"phone": new_phone}
                return redirect("accounts:profile_phone")
            form.add_error(None, _("Too many requests from this network or browser; please try again in %(seconds)d seconds.")
                           % {"seconds": refused.retry_after})
        return render(request, "accounts/phone.html", {"form": form})
    if pending and request.method == "POST":
        try:
            changed = services.user_phone_change(user=user, new_phone=pending["phone"], new_code=normalize_code(request.POST.get("new_code", "")),
                                                 old_code=normalize_code(request.POST.get("old_code", "")), ip=ip)
        except services.PhoneTaken:
            changed, error = False, _("This number belongs to another account.")
        except services.TooManyGuesses as refused:
            changed, error = False, too_many_guesses(refused)
        else:
            error = "" if changed else _("The code is wrong or no longer valid. Check the SMS, or ask for a new code.")
        if changed:
            request.session.pop("accounts_phone_change", None)
            return redirect("accounts:profile")
        return render(request, "accounts/phone.html", {"pending": pending, "masked_new": mask_phone(pending["phone"]),
                                                       "masked_old": mask_phone(user.phone) if user.phone else "", "error": error})
    if pending:
        return render(request, "accounts/phone.html", {"pending": pending, "masked_new": mask_phone(pending["phone"]),
                                                       "masked_old": mask_phone(user.phone) if user.phone else ""})
    return render(request, "accounts/phone.html", {"form": PhoneForm(with_captcha=with_captcha)})


@login_required
def profile_export(request):
    data = selectors.user_data_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def profile_delete(request):
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        services.user_delete(user=request.user)
        logout(request)
        return render(request, "accounts/deleted.html")
    return render(request, "accounts/delete.html")


@never_cache
def account_state(request):
    """What the pages' script shows of the reader's account: pages are cached, the same for
    everyone, so the logged-in state comes from here. Other apps add links to the menu with a
    "dangjian_account_links" hook, fn(request) -> [(label, url)]."""
    user = request.user
    if not user.is_authenticated:
        response = JsonResponse({"logged_in": False})
        hint_clear(response)
        return response
    name = user.display_name or (mask_phone(user.phone) if user.phone else user.get_username())
    links = [(_("My account"), reverse("accounts:profile"))]
    for add in hooks.get_hooks("dangjian_account_links"):
        links += add(request)
    return JsonResponse({
        "logged_in": True,
        "greeting": _("Hello, %(name)s") % {"name": name},
        "links": [{"label": str(label), "url": url} for label, url in links],
        "logout": {"label": _("Log out"), "url": reverse("accounts:logout"), "csrf": get_token(request)},
    })


@require_POST
def logout_view(request):
    logout(request)
    return redirect("/")


@require_POST
@login_required
def logout_everywhere(request):
    services.user_sessions_end(user=request.user)
    logout(request)
    return redirect("/")


class StaffLoginView(WagtailLoginView):
    """Wagtail's admin login, with its ?next= checked by safe_next like every other
    redirect target (Django's check lets /%5Cevil.example through as a path)."""

    def get_redirect_url(self):
        return safe_next(self.request, super().get_redirect_url(), default="")
