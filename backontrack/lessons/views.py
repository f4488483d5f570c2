"""Lessons learned: the programme's list (searched and filtered), a new lesson with its name
check, the author's changes while proposed, the coordinators' decisions, the programme's own
tags, and the adopted lessons that evaluators and liaisons read."""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.core import access, name_search
from backontrack.core.saving import save_or_say_why
from backontrack.programmes.switch import programme_switch

from . import selectors, services
from .forms import LessonEditForm, LessonFilterForm, LessonForm, MoveForm, PeriodForm, TagForm
from .models import LessonStatus


@sensitive_post_parameters("q")
@require_http_methods(["GET", "POST"])
def lesson_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_read_lessons(user))
    switch = programme_switch(request, access.programmes_of(user))
    tags = selectors.tags_of(switch.chosen)
    if request.method == "POST":
        search = LessonFilterForm(request.POST, tags=tags)
        done = name_search.remember_and_redirect(request, "lesson_list", search)
        if done is not None:
            return done
    else:
        search = LessonFilterForm(name_search.search_data(request, "lesson_list"), tags=tags)
    criteria = search.cleaned_data if search.is_valid() else {}
    shown = selectors.lesson_list_page(
        user, criteria, request.GET.get("page"), programme=switch.chosen
    )
    params = request.GET.copy()
    params.pop("page", None)
    params.pop(name_search.NAME, None)
    return render(
        request,
        "lessons/lesson_list.html",
        {
            "switch": switch,
            "search": search,
            "page": shown.page,
            "too_many": shown.too_many,
            "search_limit": selectors.SEARCH_LIMIT,
            "querystring": params.urlencode(),
            "can_propose": access.lesson_programmes_of(user).exists(),
            "can_manage_tags": access.programmes_coordinated_by(user).exists(),
        },
    )


def _save_checked(
    request: HttpRequest, form: LessonForm, programme: object, write: object
) -> HttpResponse | None:
    """Save unless the texts look like they name someone the author has not confirmed is no
    person; then the form says so and offers the confirmation."""
    confirmed = form.cleaned_data["not_a_person"]
    user = access.signed_in_user(request)
    if not confirmed and selectors.looks_like_a_name(user, programme, form.texts()):  # type: ignore[arg-type]
        form.warn_of_a_name()
        return None
    return write(confirmed)  # type: ignore[operator]


@sensitive_post_parameters("title", "what_happened", "what_we_learned")
@require_http_methods(["GET", "POST"])
def lesson_create(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    switch = programme_switch(request, access.lesson_programmes_of(user), one_at_a_time=True)
    programme = switch.chosen
    if programme is None:
        raise Http404
    form = LessonForm(request.POST or None, tags=selectors.tags_of(programme))
    if request.method == "POST" and form.is_valid():
        done = _save_checked(
            request,
            form,
            programme,
            lambda confirmed: save_or_say_why(
                request,
                form,
                lambda: services.lesson_propose(
                    actor=user,
                    programme=programme,
                    data=form.lesson_data(),
                    names_confirmed=confirmed,
                ),
                then=lambda lesson: reverse("lesson_detail", args=[lesson.pk]),
                said=_("The lesson is proposed. The coordinators discuss it with the programme."),
            ),
        )
        if done is not None:
            return done
    return render(
        request,
        "lessons/lesson_form.html",
        {"form": form, "switch": switch, "programme": programme},
    )


@require_GET
def lesson_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.lesson_page(user, pk)
    lesson = shown.lesson
    return render(
        request,
        "lessons/lesson_detail.html",
        {
            "lesson": lesson,
            "tags": shown.tags,
            "history": shown.history,
            "versions": shown.versions,
            "can_edit": access.can_edit_lesson(user, lesson),
            "moves": [LessonStatus(s) for s in access.lesson_moves_for(user, lesson)],
        },
    )


@sensitive_post_parameters("title", "what_happened", "what_we_learned")
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    lesson = access.lesson_for(user, pk)
    access.require(access.can_edit_lesson(user, lesson))
    form = LessonEditForm(
        request.POST or None, tags=selectors.tags_of(lesson.programme), lesson=lesson
    )
    if request.method == "POST" and form.is_valid():
        done = _save_checked(
            request,
            form,
            lesson.programme,
            lambda confirmed: save_or_say_why(
                request,
                form,
                lambda: services.lesson_update(
                    actor=user,
                    lesson=lesson,
                    version=form.cleaned_data["version"],
                    data=form.lesson_data(),
                    names_confirmed=confirmed,
                ),
                then=reverse("lesson_detail", args=[lesson.pk]),
                said=_("The change is saved; the earlier wording is kept."),
            ),
        )
        if done is not None:
            return done
    if request.method == "GET":
        selectors.lesson_shown(user, lesson, ["title", "what_happened", "what_we_learned", "tags"])
    return render(
        request,
        "lessons/lesson_form.html",
        {"form": form, "lesson": lesson, "programme": lesson.programme},
    )


@sensitive_post_parameters("note")
@require_http_methods(["GET", "POST"])
def lesson_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    user = access.signed_in_user(request)
    lesson = access.lesson_for(user, pk)
    access.require(access.can_move_lesson(user, lesson, to))
    form = MoveForm(request.POST or None, initial={"version": lesson.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.lesson_move(
                actor=user,
                lesson=lesson,
                version=form.cleaned_data["version"],
                to_status=to,
                note=form.cleaned_data["note"],
            ),
            then=reverse("lesson_detail", args=[lesson.pk]),
            said=_("The lesson is now %(status)s.") % {"status": LessonStatus(to).label.lower()},
        )
        if done is not None:
            return done
    selectors.lesson_shown(user, lesson, ["title", "status"])
    return render(
        request,
        "lessons/lesson_move.html",
        {"form": form, "lesson": lesson, "to": LessonStatus(to)},
    )


@require_http_methods(["GET", "POST"])
def lesson_tags(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    switch = programme_switch(request, access.programmes_coordinated_by(user), one_at_a_time=True)
    programme = switch.chosen
    if programme is None:
        raise Http404
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.tag_create(
                actor=user, programme=programme, name=form.cleaned_data["name"]
            ),
            then=f"{reverse('lesson_tags')}?programme={programme.pk}",
            said=_("The tag is added."),
        )
        if done is not None:
            return done
    return render(
        request,
        "lessons/lesson_tags.html",
        {
            "form": form,
            "switch": switch,
            "programme": programme,
            "tags": selectors.tags_of(programme),
        },
    )


@require_GET
def lesson_adopted(request: HttpRequest) -> HttpResponse:
    """The adopted lessons of a programme (or all), in a period: evaluators, liaisons and the
    programme's people read them; authors are shown by role."""
    user = access.signed_in_user(request)
    access.require(access.can_read_adopted_lessons(user))
    switch = programme_switch(request, access.adopted_lesson_programmes_for(user))
    form = PeriodForm(request.GET or None)
    period = None
    if form.is_valid() and (form.cleaned_data["start"] or form.cleaned_data["end"]):
        period = (form.cleaned_data["start"] or date.min, form.cleaned_data["end"] or date.max)
    page = selectors.adopted_page(user, switch.chosen, period, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "lessons/lesson_adopted.html",
        {"switch": switch, "form": form, "page": page, "querystring": params.urlencode()},
    )
