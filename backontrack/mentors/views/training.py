"""Training: the curriculum, courses and sessions, attendance and module sign-off. The
trainer manages it; coordinators read it. No case files here."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.accounts.models import Role
from backontrack.core import access
from backontrack.core.concurrency import ConcurrentEditError
from backontrack.core.saving import save_or_say_why
from backontrack.programmes.switch import programme_switch

from .. import services
from ..forms import AttendanceForm, CourseForm, SessionForm, SignOffForm
from ..models import MentorStatus, TrainingModule
from ..selectors import course_participants, record_mentors

PAGE_SIZE = 20


@require_GET
def training(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_see_training(user))
    switch = programme_switch(request, access.programmes_of(user, Role.TRAINER, Role.COORDINATOR))
    courses = (
        access.courses_visible_to(user)
        .filter(**({"programme": switch.chosen} if switch.chosen else {}))
        .select_related("programme", "module")
        .annotate(session_count=Count("sessions"), first_session=Min("sessions__starts_at"))
        .order_by("-first_session", "-id")
    )
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentors/training.html",
        {
            "modules": list(TrainingModule.objects.filter(is_active=True)),
            "switch": switch,
            "page": page,
            "querystring": f"programme={switch.chosen.pk}" if switch.chosen else "",
            "can_manage": access.can_manage_training(user),
        },
    )


@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_manage_training(user))
    form = CourseForm(
        request.POST or None,
        initial={"module": request.GET.get("module")},
        programmes=access.programmes_of(user, Role.TRAINER),
    )
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.course_create(actor=user, data=form.course_data()),
            then=lambda course: reverse("course_detail", args=[course.pk]),
            said=_("The course is created. Add its sessions next."),
        )
        if done is not None:
            return done
    return render(request, "mentors/course_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    course = access.course_for(user, pk)
    access.require(access.can_manage_training(user))
    programmes = access.programmes_of(user, Role.TRAINER)
    form = CourseForm(request.POST or None, instance=course, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(
                actor=user,
                course=course,
                version=form.cleaned_data["version"],
                data=form.course_data(),
            )
        except ConcurrentEditError:
            course = access.course_for(user, pk)
            form = CourseForm(instance=course, programmes=programmes)
            messages.error(request, str(CourseForm.concurrent_edit_message))
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The course is saved."))
            return redirect("course_detail", pk=course.pk)
    return render(request, "mentors/course_form.html", {"form": form, "course": course})


@require_GET
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    course = access.course_for(user, pk)
    sessions = list(course.sessions.annotate(present=Count("attendance")))
    return render(
        request,
        "mentors/course_detail.html",
        {
            "course": course,
            "sessions": sessions,
            "participants": course_participants(user, course),
            "now": timezone.now(),
            "can_manage": access.can_manage_training(user),
        },
    )


@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    course = access.course_for(user, pk)
    access.require(access.can_manage_training(user))
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.period()
        done = save_or_say_why(
            request,
            form,
            lambda: services.session_add(
                actor=user, course=course, starts_at=starts_at, ends_at=ends_at
            ),
            then=reverse("course_detail", args=[course.pk]),
            said=_("The session is added."),
        )
        if done is not None:
            return done
    return render(request, "mentors/session_form.html", {"form": form, "course": course})


@require_http_methods(["GET", "POST"])
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    session = access.session_for(user, pk)
    access.require(access.can_manage_training(user))
    present = dict(
        access.attendance_visible_to(user).filter(session=session).values_list("mentor_id", "hours")
    )
    # Those who have left are listed only if they attended (their record is kept).
    mentors = list(
        access.mentors_visible_to(user)
        .filter(~Q(status=MentorStatus.LEFT) | Q(pk__in=list(present)))
        .only("id", "first_name", "last_name", "status")
        .order_by("last_name", "first_name", "id")
    )
    form = AttendanceForm(
        request.POST or None, mentors=mentors, present=present, session_hours=session.hours
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(
                actor=user, session=session, hours_by_mentor=form.hours_by_mentor()
            )
        except services.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect("course_detail", pk=session.course_id)
    record_mentors(user, [mentor.pk for mentor in mentors], ["name", "attendance"])
    return render(
        request,
        "mentors/attendance_form.html",
        {"form": form, "session": session, "course": session.course},
    )


@require_http_methods(["GET", "POST"])
def course_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign off the course's module for a mentor who attended."""
    user = access.signed_in_user(request)
    course = access.course_for(user, pk)
    access.require(access.can_manage_training(user))
    mentors = (
        access.mentors_visible_to(user)
        .exclude(status=MentorStatus.LEFT)
        .only("id", "first_name", "last_name")
        .order_by("last_name", "first_name")
    )
    form = SignOffForm(
        request.POST or None, mentors=mentors, initial={"mentor": request.GET.get("mentor")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = save_or_say_why(
            request,
            form,
            lambda: services.module_sign_off(
                actor=user,
                mentor=data["mentor"],
                module=course.module,
                signed_off_on=data["signed_off_on"],
                note=data["note"],
            ),
            then=reverse("course_detail", args=[course.pk]),
            said=lambda sign_off: (
                _("%(module)s is signed off for %(mentor)s.")
                % {"module": course.module, "mentor": sign_off.mentor}
            ),
        )
        if done is not None:
            return done
    record_mentors(user, mentors.values_list("pk", flat=True), ["name"])
    return render(request, "mentors/sign_off_form.html", {"form": form, "course": course})
