"""Supervision pages: the sessions, recording and correcting one, confirming it, finishing an
action, a mentor's wellbeing trend, and the coordinator's overview."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backontrack.accounts.models import User
from backontrack.core import access
from backontrack.core.forms import is_database_id
from backontrack.core.saving import save_or_say_why
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import Mentorship

from . import selectors, services
from .chart import wellbeing_chart
from .forms import (
    ChooseMentorsForm,
    ConfirmForm,
    SessionCorrectionForm,
    SessionForm,
    initial_of,
)
from .models import HIGH_STRAIN, QUESTIONS, AgreedAction
from .selectors import SessionShown


@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.own_mentor_profile(user) is not None)
    page = selectors.sessions_listed(user, request.GET.get("page"))
    return render(
        request,
        "supervision/list.html",
        {"page": page, "can_record": access.can_record_supervision(user), "querystring": ""},
    )


def _mentorships_of(user: User, mentors: list[Mentor]) -> dict[int, list[Mentorship]]:
    return {mentor.pk: list(access.supervised_mentorships(user, mentor)) for mentor in mentors}


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def supervision_create(request: HttpRequest) -> HttpResponse:
    """First whom the session was with (one mentor or a group), then the session."""
    user = access.signed_in_user(request)
    access.require(access.can_record_supervision(user))
    supervised = access.supervised_mentors(user).order_by("last_name", "first_name")
    wanted = request.GET.getlist("mentor")
    if not wanted:
        choose = ChooseMentorsForm(mentors=supervised)
        return render(request, "supervision/choose.html", {"form": choose})
    # Someone else's mentor, or one that does not exist, is not found.
    access.require(all(is_database_id(pk) for pk in wanted))
    mentors = list(supervised.filter(pk__in=wanted))
    access.require(len(mentors) == len(set(wanted)))
    mentorships = _mentorships_of(user, mentors)
    form = SessionForm(
        request.POST or None,
        mentors=mentors,
        mentorships=mentorships,
        caseloads={mentor.pk: len(mentorships[mentor.pk]) for mentor in mentors},
    )
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.session_record(actor=user, data=form.session_data()),
            then=lambda session: reverse("supervision_detail", args=[session.pk]),
            said=_("The supervision session is recorded."),
        )
        if done is not None:
            return done
    selectors.mentorships_offered(user, mentorships)
    return render(request, "supervision/form.html", {"form": form, "correcting": None})


@require_GET
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.session_shown(user, pk)
    return render(
        request,
        "supervision/detail.html",
        {
            "shown": shown,
            "session": shown.session,
            "questions": QUESTIONS,
            "high": HIGH_STRAIN,
            "can_correct": access.can_correct_supervision(user, shown.session),
            "confirmable": [
                p.part.pk for p in shown.parts if access.can_confirm_supervision(user, p.part)
            ],
            "can_finish": [
                a.pk
                for p in shown.parts
                for a in p.actions
                if access.can_mark_action_done(user, _placed(a, p, shown))
            ],
        },
    )


def _placed(action: AgreedAction, part: selectors.PartShown, shown: SessionShown) -> AgreedAction:
    part.part.session = shown.session
    action.participant = part.part
    return action


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def supervision_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.session_to_correct(user, pk, shown=request.method == "GET")
    session = shown.session
    parts = [p.part for p in shown.parts]
    mentors = [p.mentor for p in parts]
    mentorships = _mentorships_of(user, mentors)
    discussed = set()
    for part in shown.parts:
        known = {m.pk for m in mentorships[part.part.mentor_id]}
        for d in part.discussions:
            discussed.add(d.mentorship_id)
            if d.mentorship_id not in known:
                mentorships[part.part.mentor_id].append(d.mentorship)

    def form_for(data: object = None) -> SessionCorrectionForm:
        return SessionCorrectionForm(
            data,
            mentors=mentors,
            mentorships=mentorships,
            caseloads={p.mentor_id: p.caseload for p in parts},
            discussed=frozenset(discussed),
            initial=initial_of(session, parts),
        )

    form = form_for(request.POST or None)

    def latest() -> HttpResponse:
        return redirect("supervision_correct", pk=session.pk)

    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.session_correct(
                actor=user,
                session=session,
                version=form.cleaned_data["version"],
                data=form.session_data(),
                reason=form.cleaned_data["reason"],
            ),
            then=reverse("supervision_detail", args=[session.pk]),
            said=_("The session is corrected; the earlier version is kept."),
            stale_shows=latest,
        )
        if done is not None:
            return done
    return render(request, "supervision/form.html", {"form": form, "correcting": session})


@require_POST
def supervision_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    part = access.own_supervision_part_for(user, pk)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.session_confirm(actor=user, part=part),
            then=reverse("supervision_detail", args=[pk]),
            said=_("You confirmed the session."),
        )
        if done is not None:
            return done
    return redirect("supervision_detail", pk=pk)


@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    action = access.agreed_action_for(user, pk)
    form = ConfirmForm(request.POST)
    back = request.POST.get("next") == "home"
    then = (
        reverse("home")
        if back
        else reverse("supervision_detail", args=[action.participant.session_id])
    )
    if form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.action_mark_done(actor=user, action=action),
            then=then,
            said=_("The action is marked done."),
        )
        if done is not None:
            return done
    return redirect(then)


@require_GET
def supervision_wellbeing(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    trend = selectors.wellbeing_shown(user, pk)
    return render(
        request,
        "supervision/wellbeing.html",
        {"trend": trend, "chart": wellbeing_chart(trend.parts), "questions": QUESTIONS},
    )


@require_GET
def supervision_overview(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    page = selectors.supervision_overview(user, request.GET.get("page"))
    return render(request, "supervision/overview.html", {"page": page, "querystring": ""})
