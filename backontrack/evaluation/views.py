"""Evaluation: the coordinator's follow-ups (the list of those due, the form that records one),
the programme dashboard with a CSV download of each figure, the theory of change's indicators
and the programme report (a printable page and a PDF)."""

import csv

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.core import access
from backontrack.core.saving import save_or_say_why
from backontrack.programmes.models import Programme
from backontrack.programmes.switch import programme_switch

from . import dataset, selectors, services
from .dashboard import Period
from .followups import months_after
from .forms import DataSetForm, FollowUpForm, IndicatorEditForm, IndicatorForm, PeriodForm
from .models import Group, Point
from .report import as_pdf

PAGE_SIZE = 25


@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_record_follow_ups(user))
    page = Paginator(selectors.follow_ups_due(user), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    selectors.record_due_shown(user, shown)
    names = dict(
        Programme.objects.filter(pk__in={d.programme_id for d in shown}).values_list("pk", "name")
    )
    return render(
        request,
        "evaluation/follow_up_list.html",
        {"page": page, "rows": [(due, names.get(due.programme_id, "")) for due in shown]},
    )


def _follow_up(request: HttpRequest, group: str, pk: int, months: int) -> HttpResponse:
    user = access.signed_in_user(request)
    if months not in Point.values:
        raise Http404
    case = selectors.follow_up_case(user, group, pk)
    baseline = services.baseline_of(case)
    if baseline is None:
        raise Http404
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.follow_up_record(
                actor=user, case=case, months=months, outcome=form.outcome()
            ),
            then=reverse("follow_up_list"),
            said=_("The follow-up is recorded."),
        )
        if done is not None:
            return done
    return render(
        request,
        "evaluation/follow_up_form.html",
        {
            "form": form,
            "case": case,
            "mentored": group == Group.MENTORED,
            "point": Point(months).label,
            "baseline": baseline,
            "due_on": months_after(baseline, months),
        },
    )


@require_http_methods(["GET", "POST"])
def follow_up_mentorship(request: HttpRequest, pk: int, months: int) -> HttpResponse:
    return _follow_up(request, Group.MENTORED, pk, months)


@require_http_methods(["GET", "POST"])
def follow_up_referral(request: HttpRequest, pk: int, months: int) -> HttpResponse:
    return _follow_up(request, Group.COMPARISON, pk, months)


def _period(request: HttpRequest, user: object) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.GET, programmes=access.evaluation_programmes_visible_to(user))
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, Period(programme=data["programme"], start=data["start"], end=data["end"])


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_see_programme_dashboard(user))
    form, period = _period(request, user)
    tables, indicators = selectors.dashboard(user, period) if period else ([], [])
    return render(
        request,
        "evaluation/dashboard.html",
        {
            "form": form,
            "period": period,
            "tables": tables,
            "indicators": indicators,
            "pseudonymised": access.sees_pseudonymised_figures(user),
            "can_export": access.can_export_evaluation_data_set(user),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
def dashboard_csv(request: HttpRequest, key: str) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_see_programme_dashboard(user))
    _form, period = _period(request, user)
    if period is None:
        raise Http404
    table = selectors.dashboard_table(user, period, key)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{key}-{period.start}-{period.end}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["", *(str(c) for c in table.columns)])
    for label, values in table.rows:
        writer.writerow([str(label), *values])
    return response


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def data_set(request: HttpRequest) -> HttpResponse:
    """The evaluator chooses programme, period, purpose and file; the export downloads."""
    user = access.signed_in_user(request)
    access.require(access.can_export_evaluation_data_set(user))
    programmes = access.evaluation_programmes_visible_to(user)
    form = DataSetForm(request.POST if request.method == "POST" else {}, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        period = Period(programme=data["programme"], start=data["start"], end=data["end"])
        found = selectors.data_set(user, period, data["purpose"])
        name = f"data-set-{period.start:%Y-%m}-{period.end:%Y-%m}"
        if data["file"] == "xlsx":
            response = HttpResponse(
                dataset.as_xlsx(found, period),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        if data["file"] == "cases":
            text = dataset.as_csv(found.cases, dataset.CASE_COLUMNS)
        elif data["file"] == "follow-ups":
            text = dataset.as_csv(found.follow_ups, dataset.FOLLOW_UP_COLUMNS)
        else:
            text = dataset.as_csv(dataset.report(found), ["measure", "count"])
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-{data["file"]}.csv"'
        return response
    return render(
        request,
        "evaluation/data_set.html",
        {"form": form, "k": dataset.K, "quasi_identifiers": dataset.QUASI_IDENTIFIERS},
    )


@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    """The theory of change of one of the user's programmes: its indicators."""
    user = access.signed_in_user(request)
    switch = programme_switch(request, access.programmes_coordinated_by(user), one_at_a_time=True)
    if switch.chosen is None:
        raise Http404
    page = selectors.indicator_page(user, switch.chosen, request.GET.get("page"))
    measures = {
        value: label
        for _group, options in selectors.indicator_measures()
        for value, label in options
    }
    return render(
        request,
        "evaluation/indicator_list.html",
        {
            "switch": switch,
            "programme": switch.chosen,
            "page": page,
            "rows": [
                (indicator, measures.get(f"{indicator.measure}:{indicator.target}", ""))
                for indicator in page.object_list
            ],
        },
    )


def _names_nobody(request: HttpRequest, form: IndicatorForm, programme: Programme) -> bool:
    """True unless the texts look like they name someone and the coordinator has not
    confirmed they do not; then the form says so and offers the confirmation."""
    if form.cleaned_data["not_a_person"]:
        return True
    user = access.signed_in_user(request)
    if selectors.indicator_names_someone(user, programme, form.texts()):
        form.warn_of_a_name()
        return False
    return True


@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    switch = programme_switch(request, access.programmes_coordinated_by(user), one_at_a_time=True)
    programme = switch.chosen
    if programme is None or not access.can_manage_indicators(user, programme):
        raise Http404
    form = IndicatorForm(request.POST or None, measures=selectors.indicator_measures())
    if request.method == "POST" and form.is_valid() and _names_nobody(request, form, programme):
        done = save_or_say_why(
            request,
            form,
            lambda: services.indicator_create(
                actor=user, programme=programme, data=form.indicator_data()
            ),
            then=f"{reverse('indicator_list')}?programme={programme.pk}",
            said=_("The indicator is added to the theory of change."),
        )
        if done is not None:
            return done
    return render(
        request,
        "evaluation/indicator_form.html",
        {"form": form, "switch": switch, "programme": programme},
    )


@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    indicator = access.indicator_for(user, pk)
    back = f"{reverse('indicator_list')}?programme={indicator.programme_id}"
    form = IndicatorEditForm(
        request.POST or None, measures=selectors.indicator_measures(), indicator=indicator
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _names_nobody(request, form, indicator.programme)
    ):
        done = save_or_say_why(
            request,
            form,
            lambda: services.indicator_update(
                actor=user,
                indicator=indicator,
                version=form.cleaned_data["version"],
                data=form.indicator_data(),
            ),
            then=back,
            said=_("The change to the indicator is saved."),
            stale_then=request.path,
        )
        if done is not None:
            return done
    return render(
        request,
        "evaluation/indicator_form.html",
        {"form": form, "indicator": indicator, "programme": indicator.programme, "back": back},
    )


def _report_period(request: HttpRequest, user: object) -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.GET, programmes=access.report_programmes_visible_to(user))
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, Period(programme=data["programme"], start=data["start"], end=data["end"])


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The programme report for a period: a printable page, small counts hidden."""
    user = access.signed_in_user(request)
    access.require(access.can_read_programme_report(user))
    form, period = _report_period(request, user)
    return render(
        request,
        "evaluation/report.html",
        {
            "form": form,
            "report": selectors.programme_report(user, period, download=False) if period else None,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.can_read_programme_report(user))
    _form, period = _report_period(request, user)
    if period is None:
        raise Http404
    found = selectors.programme_report(user, period, download=True)
    response = HttpResponse(as_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="programme-report-{period.start}-{period.end}.pdf"'
    )
    return response
