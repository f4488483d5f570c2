"""The working group's pages: coordinators plan meetings, write the minutes and agree
actions; the chair approves the minutes; liaisons read the meetings of their groups and say
how their actions stand."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backontrack.accounts.models import Role
from backontrack.core import access
from backontrack.core.saving import save_or_say_why

from . import selectors, services
from .forms import (
    ActionForm,
    ActionStatusForm,
    AgencyForm,
    AgendaRefreshForm,
    ApproveForm,
    GroupCreateForm,
    GroupEditForm,
    LeaveForm,
    MatterForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
)
from .models import AgendaItem, WorkingGroup


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.has_role(user, Role.COORDINATOR) or access.is_liaison(user))
    return render(
        request,
        "workinggroup/meeting_list.html",
        {
            "page": selectors.meetings(user, request.GET.get("page")),
            "querystring": "",
            "groups_run": list(access.working_groups_run_by(user)),
            "runs_groups": bool(access.programmes_coordinated_by(user).exists()),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_plan(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    group = access.working_groups_run_by(user).filter(pk=pk).first()
    access.require(group is not None)
    assert group is not None  # noqa: S101 (require raised otherwise)
    form = MeetingForm(
        request.POST or None,
        chairs=services.chairs(group),
        attendees=services.attendee_choices(group),
        initial={"chair": group.chair_id or user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.meeting_plan(
                actor=user,
                group=group,
                held_on=data["held_on"],
                chair=data["chair"],
                attendees=list(data["attendees"]),
            ),
            then=lambda meeting: reverse("wg_meeting_detail", args=[meeting.pk]),
            said=_(
                "The meeting is planned. Its agenda holds the escalated concerns and open actions."
            ),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/meeting_plan.html", {"group": group, "form": form})


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.meeting_shown(user, pk)
    meeting = shown.meeting
    return render(
        request,
        "workinggroup/meeting_detail.html",
        {
            "agenda": shown,
            "meeting": meeting,
            "attendees": list(meeting.attendees.all()),
            "can_edit": access.can_edit_minutes(user, meeting),
            "can_approve": access.can_approve_minutes(user, meeting),
            "approver_wanted": access.minutes_approver_wanted(meeting),
            "runs_group": access.can_run_group(user, meeting.group),
            "held": meeting.has_been_held(),
            "refresh_form": AgendaRefreshForm(),
            "is_liaison": access.is_liaison(user),
        },
    )


def _added(added: list[AgendaItem]) -> str:
    if not added:
        return _("Nothing new was escalated: the agenda is as it was.")
    return ngettext(
        "%(count)s item added to the agenda.", "%(count)s items added to the agenda.", len(added)
    ) % {"count": len(added)}


@require_POST
def agenda_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    meeting = access.group_meeting_for(user, pk)
    access.require(access.can_edit_minutes(user, meeting))
    form = AgendaRefreshForm(request.POST)
    then = reverse("wg_meeting_detail", args=[meeting.pk])
    if form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.agenda_refresh(actor=user, meeting=meeting),
            then=then,
            said=_added,
        )
        if done is not None:
            return done
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(then)


@require_http_methods(["GET", "POST"])
def matter_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    meeting = access.group_meeting_for(user, pk)
    access.require(access.can_edit_minutes(user, meeting))
    form = MatterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.matter_add(
                actor=user, meeting=meeting, title=form.cleaned_data["title"]
            ),
            then=reverse("wg_meeting_detail", args=[meeting.pk]),
            said=_("The matter is on the agenda."),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/matter_add.html", {"meeting": meeting, "form": form})


@require_http_methods(["GET", "POST"])
def item_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    item = selectors.item_for_minutes(user, pk)
    form = MinutesForm(
        request.POST or None,
        initial={"summary": item.summary, "decisions": item.decisions, "version": item.version},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.item_minute(
                actor=user,
                item=item,
                version=data["version"],
                summary=data["summary"],
                decisions=data["decisions"],
            ),
            then=reverse("wg_meeting_detail", args=[item.meeting_id]),
            said=_("The minutes of the item are saved."),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/item_minutes.html", {"item": item, "form": form})


@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    item = access.agenda_item_for(user, pk)
    access.require(access.can_edit_minutes(user, item.meeting))
    group = item.meeting.group
    form = ActionForm(
        request.POST or None,
        people=services.attendee_choices(group),
        agencies=services.owner_agencies(group),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.action_agree(
                actor=user,
                item=item,
                description=data["description"],
                owner_user=data["owner_user"],
                owner_agency=data["owner_agency"],
                due_on=data["due_on"],
            ),
            then=reverse("wg_meeting_detail", args=[item.meeting_id]),
            said=_("The action is agreed."),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/action_add.html", {"item": item, "form": form})


@require_http_methods(["GET", "POST"])
def action_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    action = selectors.action_shown(user, pk)
    form = ActionStatusForm(
        request.POST or None, initial={"status": action.status, "version": action.version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.action_move(
                actor=user, action=action, version=data["version"], status=data["status"]
            ),
            then=reverse("wg_meeting_detail", args=[action.item.meeting_id]),
            said=_("The action's status is saved."),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/action_move.html", {"action": action, "form": form})


@require_http_methods(["GET", "POST"])
def minutes_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    meeting = access.group_meeting_for(user, pk)
    access.require(access.can_approve_minutes(user, meeting))
    form = ApproveForm(request.POST or None, initial={"version": meeting.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.minutes_approve(
                actor=user, meeting=meeting, version=form.cleaned_data["version"]
            ),
            then=reverse("wg_meeting_detail", args=[meeting.pk]),
            said=_("The minutes are approved. They can no longer be changed."),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/minutes_approve.html", {"meeting": meeting, "form": form})


# --- Setting up a group -------------------------------------------------------------------------


@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.has_role(user, Role.COORDINATOR))
    return render(
        request,
        "workinggroup/group_list.html",
        {"page": selectors.groups_run(user, request.GET.get("page")), "querystring": ""},
    )


@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    programmes = access.programmes_coordinated_by(user)
    access.require(access.has_role(user, Role.COORDINATOR) and programmes.exists())
    only = programmes.first() if programmes.count() == 1 else None
    form = GroupCreateForm(
        request.POST or None,
        programmes=programmes,
        chairs=services.programme_coordinators_of(programmes),
        initial={"chair": user.pk, "programme": only.pk if only else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.group_create(
                actor=user, programme=data["programme"], name=data["name"], chair=data["chair"]
            ),
            then=lambda group: reverse("wg_group_detail", args=[group.pk]),
            said=_("The working group is set up. Add its member agencies, then their liaisons."),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/group_create.html", {"form": form})


@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.group_shown(
        user,
        pk,
        agencies=request.GET.get("agencies"),
        members=request.GET.get("members"),
        history=request.GET.get("history"),
        meetings=request.GET.get("meetings"),
    )
    return render(
        request,
        "workinggroup/group_detail.html",
        {"shown": shown, "group": shown.group, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    group = access.working_group_for_managing(user, pk)

    def form_from(data: object = None) -> GroupEditForm:
        return GroupEditForm(
            data,
            chairs=services.chairs(group),
            initial={"name": group.name, "chair": group.chair_id, "version": group.version},
        )

    form = form_from(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.group_update(
                actor=user,
                group=group,
                version=data["version"],
                name=data["name"],
                chair=data["chair"],
            ),
            then=reverse("wg_group_detail", args=[group.pk]),
            said=_("The group is saved."),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/group_edit.html", {"form": form, "group": group})


def _back_to(group: WorkingGroup) -> str:
    return reverse("wg_group_detail", args=[group.pk])


@require_http_methods(["GET", "POST"])
def agency_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    group = access.working_group_for_managing(user, pk)
    form = AgencyForm(
        request.POST or None,
        agencies=access.group_agency_candidates(group),
        initial={"version": group.version},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.agency_add(
                actor=user, group=group, version=data["version"], agency=data["agency"]
            ),
            then=_back_to(group),
            said=lambda agency: (
                _("%(agency)s is a member of the group. Add its liaisons.") % {"agency": agency}
            ),
            stale_then=_back_to(group),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/agency_add.html", {"form": form, "group": group})


@require_http_methods(["GET", "POST"])
def agency_remove(request: HttpRequest, pk: int, agency_id: int) -> HttpResponse:
    user = access.signed_in_user(request)
    group = access.working_group_for_managing(user, pk)
    agency = access.group_agency_for(user, group, agency_id)
    form = LeaveForm(request.POST or None, initial={"version": group.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.agency_remove(
                actor=user, group=group, version=form.cleaned_data["version"], agency=agency
            ),
            then=_back_to(group),
            said=lambda passed: " ".join(
                filter(
                    None,
                    [
                        _("%(agency)s has left the group.") % {"agency": agency},
                        services.passed_on_said(passed, group.chair),
                    ],
                )
            ),
            stale_then=_back_to(group),
        )
        if done is not None:
            return done
    return render(
        request,
        "workinggroup/agency_remove.html",
        {
            "form": form,
            "group": group,
            "agency": agency,
            "leaving": list(group.members.filter(organisation=agency)),
            "open_actions": services.open_action_count(group, agency=agency),
        },
    )


@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    group = access.working_group_for_managing(user, pk)
    form = MemberForm(
        request.POST or None,
        people=access.group_member_candidates(user, group),
        initial={"version": group.version},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.member_add(
                actor=user, group=group, version=data["version"], person=data["person"]
            ),
            then=_back_to(group),
            said=lambda person: (
                _("%(name)s is a member of the group and sees its meetings.")
                % {"name": person.get_full_name()}
            ),
            stale_then=_back_to(group),
        )
        if done is not None:
            return done
    return render(request, "workinggroup/member_add.html", {"form": form, "group": group})


@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    user = access.signed_in_user(request)
    group = access.working_group_for_managing(user, pk)
    person = access.group_member_for(user, group, user_id)
    form = LeaveForm(request.POST or None, initial={"version": group.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.member_remove(
                actor=user, group=group, version=form.cleaned_data["version"], person=person
            ),
            then=_back_to(group),
            said=lambda passed: " ".join(
                filter(
                    None,
                    [
                        _("%(name)s has left the group.") % {"name": person.get_full_name()},
                        services.passed_on_said(passed, group.chair),
                    ],
                )
            ),
            stale_then=_back_to(group),
        )
        if done is not None:
            return done
    keeps_seeing = access.coordinates(person, group.programme_id)
    return render(
        request,
        "workinggroup/member_remove.html",
        {
            "form": form,
            "group": group,
            "person": person,
            "keeps_seeing": keeps_seeing,
            "open_actions": 0 if keeps_seeing else services.open_action_count(group, person=person),
        },
    )
