"""The mentor register: the corps for coordinators (and trainers, without screening), and
each mentor's own profile."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.audit.models import Action
from backontrack.audit.services import record
from backontrack.core import access, form_tokens, name_search
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.mentees.identity import index_for

from .. import services
from ..forms import CheckForm, ConflictForm, MentorFilterForm, MentorForm, MoveForm
from ..models import STATUS_MOVES, Mentor, MentorStatus
from ..readiness import readiness_for, readiness_of
from ..selectors import open_caseload

PAGE_SIZE = 25
MENTOR = Mentor._meta.label_lower
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
        if (done := name_search.remember_and_redirect(request, "mentor_list", form)) is not None:
            return done
    else:
        form = MentorFilterForm(name_search.search_data(request, "mentor_list"))
    mentors = access.mentors_visible_to(user).defer("prior_experience")
    data = form.cleaned_data if form.is_valid() else {}
    used = []
    if status := data.get("status"):
        mentors = mentors.filter(status=status)
        used.append("status")
    else:
        mentors = mentors.exclude(status=MentorStatus.LEFT)
    if region := data.get("region"):
        mentors = mentors.filter(
            Q(regions__icontains=f'"{region}"') | Q(institutions__region=region)
        ).distinct()
        used.append("region")
    if query := data.get("q"):
        for word in query.split():
            mentors = mentors.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        used.append("name")
    page = Paginator(mentors.order_by("last_name", "first_name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    readiness = readiness_of(page.object_list)
    record(
        actor=user,
        action=Action.SEARCH if used else Action.LIST,
        object_type=MENTOR,
        object_ids=[mentor.pk for mentor in page.object_list],
        fields=[*used, "status", "readiness"],
    )
    params = request.GET.copy()
    params.pop("page", None)
    params.pop(name_search.NAME, None)
    return render(
        request,
        "mentors/mentor_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(mentor, readiness[mentor.pk]) for mentor in page.object_list],
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
        try:
            with form_tokens.spend(form, actor=user) as spending:
                mentor = services.mentor_create(
                    actor=user,
                    data=form.mentor_data(),
                    institutions=list(form.cleaned_data["institutions"]),
                )
                spending.made(reverse("mentor_detail", args=[mentor.pk]))
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(mentor)s is registered as an applicant. Record the screening checks next.")
                % {"mentor": mentor},
            )
            return redirect("mentor_detail", pk=mentor.pk)
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
    mentor = access.mentor_for(user, pk)
    readiness = readiness_for(mentor)
    screening = access.can_see_screening(user, mentor)
    manage = access.can_manage_mentors(user)
    own = access.is_own_mentor_profile(user, mentor)
    details = manage or own
    conflicts = list(access.conflicts_of(user, mentor))
    record(
        actor=user,
        action=Action.VIEW,
        obj=mentor,
        fields=[
            "profile",
            "status",
            "training",
            *(["prior_experience", "status_history"] if details else []),
            *(["screening_checks"] if screening else []),
            *(["conflicts"] if conflicts else []),
        ],
    )
    if conflicts:
        record(
            actor=user,
            action=Action.VIEW,
            object_type="mentees.mentee",
            object_ids=[conflict.mentee_id for conflict in conflicts],
            fields=["name", "conflict_of_interest"],
            detail=f"on mentors.mentor #{mentor.pk}",
        )
    return render(
        request,
        "mentors/mentor_detail.html",
        {
            "mentor": mentor,
            "readiness": readiness,
            "details": details,
            "screening": screening,
            "checks": list(access.checks_of(user, mentor)),
            "conflicts": conflicts,
            "institutions": list(mentor.institutions.all()),
            "status_changes": list(mentor.status_changes.select_related("actor"))
            if details
            else [],
            "moves": [(s, MentorStatus(s).label) for s in STATUS_MOVES[mentor.status]]
            if manage
            else [],
            "can_manage": manage,
            "can_edit": access.can_edit_mentor(user, mentor),
            "own": own,
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
    if request.method == "GET":
        record(actor=user, action=Action.VIEW, obj=mentor, fields=["profile", "prior_experience"])
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
    record(actor=user, action=Action.VIEW, obj=mentor, fields=["status"])
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
        try:
            with form_tokens.spend(form, actor=user) as spending:
                services.check_record(
                    actor=user,
                    mentor=mentor,
                    kind=data["kind"],
                    result=data["result"],
                    checked_on=data["checked_on"],
                    expires_on=data["expires_on"],
                    note=data["note"],
                )
                spending.made(reverse("mentor_detail", args=[mentor.pk]))
        except form_tokens.AlreadySubmitted as submitted:
            return form_tokens.already_submitted(request, submitted)
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The check is recorded."))
            return redirect("mentor_detail", pk=mentor.pk)
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
        mentee = access.mentee_by_personal_id(user, index_for(data["personal_id"]))
        record(
            actor=user,
            action=Action.SEARCH,
            object_type="mentees.mentee",
            object_ids=[mentee.pk] if mentee else [],
            fields=["personal_id"],
        )
        if mentee is None:
            form.add_error(
                "personal_id",
                _("Nobody in the register has this number. Register the person first."),
            )
        else:
            try:
                with form_tokens.spend(form, actor=user) as spending:
                    services.conflict_record(
                        actor=user,
                        mentor=mentor,
                        mentee=mentee,
                        side=data["side"],
                        description=data["description"],
                    )
                    spending.made(reverse("mentor_detail", args=[mentor.pk]))
            except form_tokens.AlreadySubmitted as submitted:
                return form_tokens.already_submitted(request, submitted)
            except services.Refused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("The conflict is recorded: %(mentor)s will not be matched with %(name)s.")
                    % {"mentor": mentor, "name": mentee},
                )
                return redirect("mentor_detail", pk=mentor.pk)
    return render(request, "mentors/conflict_form.html", {"mentor": mentor, "form": form})
