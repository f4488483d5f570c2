"""Matching: ranked, explained suggestions for one referral, and the pool draft."""

from collections.abc import Sequence

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backontrack.core import access
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.forms import is_database_id
from backontrack.programmes.switch import programme_switch
from backontrack.referrals.models import Status

from .. import matching, pool, services
from ..forms import MatchForm, MoveForm
from ..models import PoolDraft
from ..selectors import pool_draft_shown, record_suggestions, referrals_waiting_for_pool


@require_http_methods(["GET", "POST"])
def referral_match(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    referral = access.referral_for(user, pk)
    access.require(access.can_move_referral(user, referral, Status.MATCHED))
    suggestions = matching.suggestions_for(referral)
    possible = [s for s in suggestions if not s.excluded]
    excluded = [s for s in suggestions if s.excluded]
    coaches = matching.coach_options(
        None, mentee_id=referral.mentee_id, programme_id=referral.programme_id
    )
    best_mentor = possible[0].mentor.pk if possible else None
    # The default is always a valid choice: the best coach who is not the best mentor.
    best_coach = next((c.mentor.pk for c in coaches if c.mentor.pk != best_mentor), None)
    form = MatchForm(
        request.POST or None,
        initial={"version": referral.version, "mentor": best_mentor, "coach": best_coach},
        mentors=access.mentors_visible_to(user).filter(pk__in=[s.mentor.pk for s in possible]),
        coaches=access.mentors_visible_to(user).filter(pk__in=[c.mentor.pk for c in coaches]),
    )
    if request.method == "POST" and form.is_valid():
        mentor = form.cleaned_data["mentor"]
        score = next(s.score for s in possible if s.mentor.pk == mentor.pk)
        try:
            mentorship = services.referral_match(
                actor=user,
                referral=referral,
                version=form.cleaned_data["version"],
                mentor=mentor,
                coach=form.cleaned_data["coach"],
                score=score,
            )
        except ConcurrentEditError:
            messages.error(
                request,
                _("Someone else moved this referral meanwhile. Check its status and try again."),
            )
            return redirect("referral_detail", pk=referral.pk)
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _(
                    "%(name)s is matched with %(mentor)s, supervised by %(coach)s. The "
                    "mentorship is proposed; it starts with the first meeting."
                )
                % {"name": referral.mentee, "mentor": mentorship.mentor, "coach": mentorship.coach},
            )
            return redirect("referral_detail", pk=referral.pk)
    record_suggestions(user, referral, suggestions)
    return render(
        request,
        "mentors/match.html",
        {
            "referral": referral,
            "form": form,
            "possible": possible,
            "excluded": excluded,
            "coaches": coaches,
            "parts": matching.PARTS,
            "max_score": matching.MAX_SCORE,
            "already": access.open_mentorship_of(user, referral.mentee_id),
        },
    )


@require_GET
def pool_overview(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_screen_referrals(user))
    switch = programme_switch(request, access.programmes_coordinated_by(user), one_at_a_time=True)
    if switch.chosen is None:
        # A coordinator who takes part in no programme has no pool.
        return render(request, "mentors/pool_overview.html", {"switch": switch})
    waiting = referrals_waiting_for_pool(user, switch.chosen)
    drafts = access.pool_drafts_visible_to(user).filter(programme=switch.chosen)
    return render(
        request,
        "mentors/pool_overview.html",
        {
            "switch": switch,
            "waiting": waiting,
            "current": drafts.filter(state=PoolDraft.State.OPEN).first(),
            "recent": list(drafts.exclude(state=PoolDraft.State.OPEN)[:5]),
        },
    )


def _pool_of(programme_id: int) -> HttpResponse:
    return redirect(f"{reverse('pool_overview')}?programme={programme_id}")


@require_POST
def pool_draft_create(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_screen_referrals(user))
    asked = request.POST.get("programme", "")
    programme = (
        access.programmes_coordinated_by(user).filter(pk=asked).first()
        if is_database_id(asked)
        else None
    )
    if programme is None:
        raise Http404
    try:
        draft = pool.draft_create(actor=user, programme=programme)
    except services.Refused as refused:
        messages.error(request, str(refused))
        return _pool_of(programme.pk)
    return redirect("pool_draft", pk=draft.pk)


@require_GET
def pool_draft(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = pool_draft_shown(user, pk, request.GET.get("page"))
    draft = shown.draft
    totals = draft.proposals.aggregate(
        total=Sum("score"), count=Count("id"), matched=Count("id", filter=Q(mentor__isnull=False))
    )
    return render(
        request,
        "mentors/pool_draft.html",
        {
            "draft": draft,
            "page": shown.page,
            "rows": shown.rows,
            "querystring": "",
            "total": totals["total"] or 0,
            "matched": totals["matched"],
            "count": totals["count"],
            "form": MoveForm(initial={"version": draft.version}),
        },
    )


@require_http_methods(["GET", "POST"])
def pool_proposal_edit(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    draft = access.pool_draft_for(user, pk)
    access.require(draft.state == PoolDraft.State.OPEN)
    proposal = (
        draft.proposals.select_related("referral", "referral__mentee", "mentor", "coach")
        .filter(pk=proposal_pk)
        .first()
    )
    if proposal is None:
        raise Http404
    extra_load, extra_coach_load = pool.draft_loads(draft, leave_out=proposal)
    suggestions = matching.suggestions_for(proposal.referral)
    possible = [
        s
        for s in suggestions
        if not s.excluded and s.readiness.places_left > extra_load.get(s.mentor.pk, 0)
    ]
    coaches = matching.coach_options(
        None,
        mentee_id=proposal.referral.mentee_id,
        programme_id=proposal.referral.programme_id,
        extra_coach_load=extra_coach_load,
    )
    visible = access.mentors_visible_to(user)
    form = MatchForm(
        request.POST or None,
        initial={
            "version": draft.version,
            "mentor": proposal.mentor_id,
            "coach": proposal.coach_id,
        },
        mentors=visible.filter(pk__in=[s.mentor.pk for s in possible]),
        coaches=visible.filter(pk__in=[c.mentor.pk for c in coaches]),
    )
    form.fields["mentor"].required = False
    form.fields["coach"].required = False
    if request.method == "POST" and form.is_valid():
        try:
            pool.proposal_change(
                actor=user,
                draft=draft,
                version=form.cleaned_data["version"],
                proposal=proposal,
                mentor=form.cleaned_data["mentor"],
                coach=form.cleaned_data["coach"],
            )
        except ConcurrentEditError:
            messages.error(
                request, _("Someone else changed this draft meanwhile. Check it and try again.")
            )
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The line is changed."))
            return redirect("pool_draft", pk=draft.pk)
        if not form.errors:
            return redirect("pool_draft", pk=draft.pk)
    record_suggestions(user, proposal.referral, suggestions)
    return _proposal_page(request, draft, proposal, form, possible, coaches)


def _proposal_page(
    request: HttpRequest,
    draft: PoolDraft,
    proposal: object,
    form: MatchForm,
    possible: list[matching.Suggestion],
    coaches: Sequence[object],
) -> HttpResponse:
    return render(
        request,
        "mentors/pool_proposal.html",
        {
            "draft": draft,
            "proposal": proposal,
            "form": form,
            "possible": possible,
            "coaches": coaches,
            "parts": matching.PARTS,
            "max_score": matching.MAX_SCORE,
        },
    )


@require_POST
def pool_draft_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    draft = access.pool_draft_for(user, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was confirmed."))
        return redirect("pool_draft", pk=draft.pk)
    try:
        made = pool.draft_confirm(actor=user, draft=draft, version=form.cleaned_data["version"])
    except ConcurrentEditError:
        messages.error(
            request, _("Someone else changed this draft meanwhile. Check it and try again.")
        )
    except services.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s mentorship is proposed; its referral is now matched.",
                "%(count)s mentorships are proposed; their referrals are now matched.",
                made,
            )
            % {"count": made},
        )
        return _pool_of(draft.programme_id)
    return redirect("pool_draft", pk=draft.pk)


@require_POST
def pool_draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    draft = access.pool_draft_for(user, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            pool.draft_discard(actor=user, draft=draft, version=form.cleaned_data["version"])
        except (ConcurrentEditError, services.Refused):
            messages.error(request, _("The draft could not be discarded; it changed meanwhile."))
        else:
            messages.success(request, _("The draft is discarded. Nothing was matched."))
    return _pool_of(draft.programme_id)
