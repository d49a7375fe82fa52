"""A second factor for staff: an authenticator app (TOTP), with recovery codes for when the
phone is gone.

Staff log in with their password like everyone else. Until they have also entered a code,
`require_second_factor` sends each of their requests to the verification page, or the first
time to setting up the app, so no staff page answers on a password alone. Party members never
see any of it. Failed codes slow the next attempt down (django-otp's throttle on the device,
in the database: 1, 2, 4, 8… seconds).
"""

import base64
import logging
import math
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)

TOTP_DEVICE_NAME = "Authenticator-app"
RECOVERY_DEVICE_NAME = "Herstelcodes"
RECOVERY_CODE_COUNT = 10
# New recovery codes wait in the session between the post that made them and the page that
# shows them, once.
NEW_CODES_SESSION_KEY = "portal_new_recovery_codes"
WRONG_CODE = "Deze code klopt niet. Controleer de code en probeer het opnieuw."
# Pages that staff reach before the second factor: without them they could not pass it.
OPEN_BEFORE_SECOND_FACTOR = {"verify_second_factor", "setup_second_factor", "logout"}


def needs_second_factor(user) -> bool:
    """Staff, and superusers (who hold every permission, staff or not)."""
    return user.is_authenticated and (user.is_staff or user.is_superuser)


def require_second_factor(get_response):
    """Sends staff who have not passed their second factor to the verification page."""

    def middleware(request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # Nobody is logged in without a session: the session is left untouched, so that a
            # public page (a published edition) does not vary by cookie.
            return get_response(request)
        user = request.user
        if (
            needs_second_factor(user)
            and not user.is_verified()
            and _url_name(request) not in OPEN_BEFORE_SECOND_FACTOR
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('verify_second_factor')}?{query}")
        return get_response(request)

    return middleware


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        help_text="6 cijfers uit de authenticator-app, of een herstelcode",
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self):
        # People copy codes with spaces or a hyphen in them.
        return "".join(self.cleaned_data["code"].split()).replace("-", "").lower()


def check_code(user, code: str) -> tuple[TOTPDevice | StaticDevice | None, str]:
    """The user's device that accepts the code, or None and why not, in Dutch.

    Six digits are a code from the app; anything else is a recovery code, which is used up.
    """
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return None, WRONG_CODE
        error = _throttled(device)
        if error:
            return None, error
        if device.verify_token(code):
            return device, ""
    logger.warning("Second factor refused for %s", user.get_username())
    return None, WRONG_CODE


def _throttled(device) -> str:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return ""
    wait = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
    when = f"{wait} seconden" if wait < 120 else f"{math.ceil(wait / 60)} minuten"
    return f"U heeft te vaak een onjuiste code ingevuld. Probeer het over {when} opnieuw."


def new_recovery_codes(user) -> list[str]:
    """Ten new recovery codes for the user, in place of any they had."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _pass(request, device) -> None:
    django_otp.login(request, device)
    # A new session key for the session that now counts as fully logged in.
    request.session.cycle_key()


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def verify(request):
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user) or user.is_verified():
        return redirect(next_url)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(_with_next("setup_second_factor", next_url))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device, error = check_code(user, form.cleaned_data["code"])
        if device is not None:
            _pass(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"U heeft een herstelcode gebruikt; u heeft er nog {left}. "
                    "Maak nieuwe herstelcodes als u er weinig over heeft.",
                )
            return redirect(next_url)
        form.add_error("code", error)
    return render(
        request, "registration/second_factor_verify.html", {"form": form, "next": next_url}
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def setup(request):
    """Setting up the authenticator app: scan the code, confirm with a code from the app."""
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user):
        return redirect(next_url)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect(_with_next("verify_second_factor", next_url))
    # The same secret until it is confirmed, so that reloading the page keeps what was scanned.
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "De 6 cijfers die de app nu toont"
    if form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            error = _throttled(device) or (
                "" if device.verify_token(form.cleaned_data["code"]) else WRONG_CODE
            )
            if not error:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = new_recovery_codes(user)
        if not error:
            _pass(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            return redirect(_with_next("recovery_codes", next_url))
        form.add_error("code", error)
    secret = base64.b32encode(device.bin_key).decode()
    qr_code = segno.make(device.config_url, error="m").svg_data_uri(
        scale=5, border=4, dark="#000", light="#fff"
    )
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": qr_code,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def recovery_codes(request):
    """New recovery codes, shown once; a post replaces them all."""
    user = request.user
    if not needs_second_factor(user):
        return redirect(settings.LOGIN_REDIRECT_URL)
    next_url = _next_url(request)
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = new_recovery_codes(user)
        return redirect(_with_next("recovery_codes", next_url))
    device = StaticDevice.objects.filter(user=user).first()
    return render(
        request,
        "registration/recovery_codes.html",
        {
            "codes": request.session.pop(NEW_CODES_SESSION_KEY, None),
            "left": device.token_set.count() if device else 0,
            "next": next_url,
        },
    )
