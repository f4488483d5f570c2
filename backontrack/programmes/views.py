"""The programmes' pages: the administrator creates them and says who takes part; their
coordinators set the thresholds."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backontrack.core import access
from backontrack.core.access import require, signed_in_user
from backontrack.core.saving import save_or_say_why

from . import services
from .forms import MembershipForm, ProgrammeForm, RemoveForm, SettingsForm
from .history import worded_page
from .models import SETTINGS, Programme, setting_field
from .selectors import membership_for, programme_shown, programmes_listed


def _programme(request: HttpRequest, pk: int) -> Programme:
    """The programme, for the administrator or one of its coordinators (404 otherwise)."""
    user = signed_in_user(request)
    programme = access.programme_for(user, pk)
    require(access.can_manage_programmes(user) or access.coordinates(user, programme))
    return programme


@require_http_methods(["GET"])
def programme_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(access.can_manage_programmes(user) or access.programmes_coordinated_by(user).exists())
    return render(
        request,
        "programmes/programme_list.html",
        {
            "page": programmes_listed(user, request.GET.get("page")),
            "can_create": access.can_manage_programmes(user),
        },
    )


@require_http_methods(["GET"])
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    programme = _programme(request, pk)
    shown = programme_shown(user, programme, request.GET.get("page"))
    settings = [(setting_field(name), getattr(programme, name)) for name in SETTINGS]
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "settings": settings,
            "members": shown.members,
            "history": shown.history,
            "history_rows": worded_page(shown.history),
            "can_manage": access.can_manage_programmes(user),
            "can_change_settings": access.can_change_programme_settings(user, programme),
            "can_invite": access.can_invite_into(user, programme),
        },
    )


@require_http_methods(["GET", "POST"])
def programme_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = signed_in_user(request)
    require(access.can_manage_programmes(user))
    programme = access.programme_for(user, pk) if pk is not None else None
    form = ProgrammeForm(request.POST or None, instance=programme)

    def latest() -> HttpResponse:
        fresh = access.programme_for(user, pk or 0)
        again = ProgrammeForm(instance=fresh)
        return render(
            request, "programmes/programme_form.html", {"form": again, "programme": fresh}
        )

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = {
            "name": data["name"],
            "description": data["description"],
            "organisation": data["organisation"],
            "status": data["status"],
        }
        done = save_or_say_why(
            request,
            form,
            lambda: (
                services.programme_create(actor=user, **details)
                if programme is None
                else services.programme_update(
                    actor=user, programme=programme, version=data["version"], **details
                )
            ),
            then=lambda saved: reverse("programme_detail", args=[saved.pk]),
            said=lambda saved: _("%(name)s is saved.") % {"name": saved.name},
            stale_shows=latest if programme is not None else None,
        )
        if done is not None:
            return done
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@require_http_methods(["GET", "POST"])
def programme_settings(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    programme = access.programme_for(user, pk)
    require(access.can_change_programme_settings(user, programme))
    form = SettingsForm(request.POST or None, instance=programme)

    def latest() -> HttpResponse:
        programme.refresh_from_db()
        again = SettingsForm(instance=programme)
        return render(
            request, "programmes/settings_form.html", {"form": again, "programme": programme}
        )

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.programme_settings_update(
                actor=user,
                programme=programme,
                version=data["version"],
                values={name: data[name] for name in SETTINGS},
            ),
            then=reverse("programme_detail", args=[programme.pk]),
            said=_("The settings are saved."),
            stale=_(
                "Someone else changed these settings while you were editing them. Your "
                "changes have not been saved. The form now shows the latest values; make "
                "your changes again."
            ),
            stale_shows=latest,
        )
        if done is not None:
            return done
    return render(request, "programmes/settings_form.html", {"form": form, "programme": programme})


@require_http_methods(["GET", "POST"])
def membership_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require(access.can_manage_programmes(user))
    programme = access.programme_for(user, pk)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.membership_add(
                actor=user, programme=programme, user=data["user"], role=data["role"]
            ),
            then=reverse("programme_detail", args=[programme.pk]),
            said=lambda added: (
                _("%(name)s now takes part in %(programme)s.")
                % {"name": added.user.get_full_name(), "programme": programme.name}
            ),
        )
        if done is not None:
            return done
    return render(
        request, "programmes/membership_form.html", {"form": form, "programme": programme}
    )


@require_http_methods(["GET", "POST"])
def membership_remove(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    user = signed_in_user(request)
    programme = access.programme_for(user, pk)
    membership = membership_for(user, programme, membership_id)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.membership_remove(actor=user, membership=membership),
            then=reverse("programme_detail", args=[programme.pk]),
            said=_("%(name)s no longer takes part in %(programme)s.")
            % {"name": membership.user.get_full_name(), "programme": programme.name},
        )
        if done is not None:
            return done
    return render(
        request,
        "programmes/membership_remove.html",
        {"form": form, "programme": programme, "membership": membership},
    )
