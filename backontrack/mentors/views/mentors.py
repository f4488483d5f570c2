"""The mentor register: the corps for coordinators (and trainers, without screening), and
each mentor's own profile."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.core import access, name_search
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.saving import save_or_say_why

from .. import services
from ..forms import CheckForm, ConflictForm, InviteForm, MentorFilterForm, MentorForm, MoveForm
from ..models import STATUS_MOVES, MentorStatus
from ..readiness import readiness_for
from ..selectors import (
    mentee_by_personal_id,
    mentor_shown,
    mentors_found,
    mentors_to_invite,
    open_caseload,
    record_mentor,
)

# What the page for each status move asks, what it says will happen, and its button.
MOVE_QUESTIONS = {
    MentorStatus.IN_TRAINING: (
        gettext_lazy("Start the training of %(mentor)s?"),
        gettext_lazy(
            "They take the mentor training. They can be matched once they are screened, "
            "trained and made active."
        ),
        gettext_lazy("Start the training"),
    ),
    MentorStatus.ACTIVE: (
        gettext_lazy("Make %(mentor)s active?"),
        gettext_lazy(
            "They are offered for matching, within their capacity. This needs every "
            "screening check passed and every module signed off."
        ),
        gettext_lazy("Make active"),
    ),
    MentorStatus.PAUSED: (
        gettext_lazy("Pause %(mentor)s?"),
        gettext_lazy(
            "They are not offered for new matches until they are made active again; their "
            "current mentorships go on. Your reason is kept in their history."
        ),
        gettext_lazy("Pause the mentor"),
    ),
    MentorStatus.LEFT: (
        gettext_lazy("Record that %(mentor)s has left the corps?"),
        gettext_lazy(
            "They are no longer offered as a mentor or a coach, and this cannot be undone. "
            "Their open mentorships must be handed over first. Your reason is kept in "
            "their history."
        ),
        gettext_lazy("Record that they left"),
    ),
}


@sensitive_post_parameters("q")
@require_http_methods(["GET", "POST"])
def mentor_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_see_training(user))
    if request.method == "POST":
        form = MentorFilterForm(request.POST)
        remembered = name_search.remember_and_redirect(request, "mentor_list", form)
        if remembered is not None:
            return remembered
    else:
        form = MentorFilterForm(name_search.search_data(request, "mentor_list"))
    data = form.cleaned_data if form.is_valid() else {}
    found = mentors_found(user, data, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop(name_search.NAME, None)
    return render(
        request,
        "mentors/mentor_list.html",
        {
            "form": form,
            "page": found.page,
            "rows": found.rows,
            "querystring": params.urlencode(),
            "can_manage": access.can_manage_mentors(user),
        },
    )


@sensitive_post_parameters("prior_experience")
@require_http_methods(["GET", "POST"])
def mentor_create(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_manage_mentors(user))
    form = MentorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.mentor_create(
                actor=user,
                data=form.mentor_data(),
                institutions=list(form.cleaned_data["institutions"]),
            ),
            then=lambda mentor: reverse("mentor_detail", args=[mentor.pk]),
            said=lambda mentor: (
                _("%(mentor)s is registered as an applicant. Record the screening checks next.")
                % {"mentor": mentor}
            ),
        )
        if done is not None:
            return done
    return render(request, "mentors/mentor_form.html", {"form": form})


@require_GET
def my_mentor_profile(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    mentor = access.own_mentor_profile(user)
    if mentor is None:
        raise Http404
    return redirect("mentor_detail", pk=mentor.pk)


@require_GET
def mentor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = mentor_shown(user, pk)
    mentor = shown.mentor
    manage = access.can_manage_mentors(user)
    return render(
        request,
        "mentors/mentor_detail.html",
        {
            "mentor": mentor,
            "readiness": readiness_for(mentor),
            "details": shown.details,
            "screening": shown.screening,
            "checks": list(access.checks_of(user, mentor)),
            "conflicts": shown.conflicts,
            "institutions": list(mentor.institutions.all()),
            "status_changes": list(mentor.status_changes.select_related("actor"))
            if shown.details
            else [],
            "moves": [(s, MentorStatus(s).label) for s in STATUS_MOVES[mentor.status]]
            if manage
            else [],
            "can_manage": manage,
            "can_edit": access.can_edit_mentor(user, mentor),
            "own": access.is_own_mentor_profile(user, mentor),
            "is_trainer": access.can_manage_training(user),
        },
    )


@sensitive_post_parameters("prior_experience")
@require_http_methods(["GET", "POST"])
def mentor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentor = access.mentor_for(user, pk)
    access.require(access.can_edit_mentor(user, mentor))
    own = not access.can_manage_mentors(user)
    form = MentorForm(request.POST or None, instance=mentor, own=own)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_update(
                actor=user,
                mentor=mentor,
                version=form.cleaned_data["version"],
                data=form.mentor_data(),
                institutions=list(form.cleaned_data["institutions"]),
            )
        except ConcurrentEditError:
            mentor = access.mentor_for(user, pk)
            form = MentorForm(instance=mentor, own=own)
            messages.error(request, str(MentorForm.concurrent_edit_message))
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("mentor_detail", pk=mentor.pk)
    if not form.is_bound:
        # The form shows the profile as saved (first opened, or the latest after someone
        # else's change), not what the person typed.
        record_mentor(user, mentor, ["profile", "prior_experience"])
    return render(request, "mentors/mentor_form.html", {"form": form, "mentor": mentor})


@sensitive_post_parameters("reason")
@require_http_methods(["GET", "POST"])
def mentor_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    user = access.signed_in_user(request)
    mentor = access.mentor_for(user, pk)
    access.require(access.can_manage_mentors(user) and to in STATUS_MOVES[mentor.status])
    form = MoveForm(request.POST or None, initial={"version": mentor.version})
    if to in (MentorStatus.PAUSED, MentorStatus.LEFT):
        form.fields["reason"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_move(
                actor=user,
                mentor=mentor,
                version=form.cleaned_data["version"],
                to_status=to,
                reason=form.cleaned_data["reason"],
            )
        except ConcurrentEditError:
            messages.error(
                request, _("Someone else changed this mentor meanwhile. Check and try again.")
            )
            return redirect("mentor_detail", pk=mentor.pk)
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(mentor)s is now: %(status)s.")
                % {"mentor": mentor, "status": MentorStatus(to).label},
            )
            return redirect("mentor_detail", pk=mentor.pk)
    record_mentor(user, mentor, ["status"])
    question, consequence, confirm = MOVE_QUESTIONS[MentorStatus(to)]
    # A leaver's open mentorships are listed, each with the page that hands it over.
    caseload = open_caseload(user, mentor) if to == MentorStatus.LEFT else None
    return render(
        request,
        "mentors/mentor_move.html",
        {
            "mentor": mentor,
            "form": form,
            "question": question % {"mentor": mentor},
            "consequence": consequence,
            "confirm": confirm,
            "caseload": caseload,
        },
    )


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def check_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentor = access.mentor_for(user, pk)
    access.require(access.can_manage_mentors(user))
    form = CheckForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.check_record(
                actor=user,
                mentor=mentor,
                kind=data["kind"],
                result=data["result"],
                checked_on=data["checked_on"],
                expires_on=data["expires_on"],
                note=data["note"],
            ),
            then=reverse("mentor_detail", args=[mentor.pk]),
            said=_("The check is recorded."),
        )
        if done is not None:
            return done
    return render(request, "mentors/check_form.html", {"mentor": mentor, "form": form})


@sensitive_post_parameters("personal_id", "description")
@require_http_methods(["GET", "POST"])
def conflict_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentor = access.mentor_for(user, pk)
    access.require(access.can_manage_mentors(user))
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mentee = mentee_by_personal_id(user, data["personal_id"])
        if mentee is None:
            form.add_error(
                "personal_id",
                _("Nobody in the register has this number. Register the person first."),
            )
        else:
            done = save_or_say_why(
                request,
                form,
                lambda: services.conflict_record(
                    actor=user,
                    mentor=mentor,
                    mentee=mentee,
                    side=data["side"],
                    description=data["description"],
                ),
                then=reverse("mentor_detail", args=[mentor.pk]),
                said=_("The conflict is recorded: %(mentor)s will not be matched with %(name)s.")
                % {"mentor": mentor, "name": mentee},
            )
            if done is not None:
                return done
    return render(request, "mentors/conflict_form.html", {"mentor": mentor, "form": form})


@require_http_methods(["GET", "POST"])
def mentor_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator of the programme invites a mentor of the corps into it."""
    user = access.signed_in_user(request)
    programme = access.programme_for(user, pk)
    access.require(access.can_invite_into(user, programme))
    mentors = mentors_to_invite(user, programme)
    form = InviteForm(request.POST or None, mentors=mentors)
    if request.method == "POST" and form.is_valid():
        mentor = next(m for m in mentors if m.pk == form.cleaned_data["mentor"])
        done = save_or_say_why(
            request,
            form,
            lambda: services.mentor_invite(actor=user, programme=programme, mentor=mentor),
            then=reverse("programme_detail", args=[programme.pk]),
            said=_("%(name)s now takes part in %(programme)s.")
            % {"name": str(mentor), "programme": programme.name},
        )
        if done is not None:
            return done
    return render(
        request,
        "programmes/invite_form.html",
        {"form": form, "programme": programme, "mentors": mentors},
    )
