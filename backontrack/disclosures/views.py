"""Disclosures: the coordinator proposes, a second coordinator decides (with password and
code again), the recipient agency's liaisons read the snapshot in their inbox."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from backontrack.accounts.models import Role
from backontrack.accounts.step_up import StepUpFailed, step_up
from backontrack.core import access
from backontrack.core.saving import save_or_say_why

from . import selectors, services
from .forms import DecisionForm, ProposalForm, RevokeForm, WithdrawForm
from .legal_bases import label_of
from .models import Status


@require_GET
def disclosure_list(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.has_role(user, Role.COORDINATOR))
    status = request.GET.get("status", "")
    page = selectors.programme_disclosures(user, status, request.GET.get("page"))
    return render(
        request,
        "disclosures/disclosure_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [*Status.choices, ("expired", _("Expired"))],
            "querystring": f"status={status}" if status else "",
            "waiting": selectors.waiting_for_decision(user),
        },
    )


@require_GET
def mentee_disclosures(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentee, page = selectors.about_mentee(user, pk, request.GET.get("page"))
    return render(
        request,
        "disclosures/mentee_disclosures.html",
        {
            "mentee": mentee,
            "page": page,
            "querystring": "",
            "can_propose": access.can_propose_disclosure(user, mentee),
        },
    )


@sensitive_post_parameters("purpose")
@require_http_methods(["GET", "POST"])
def disclosure_propose(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    mentee = selectors.mentee_for_proposal(user, pk)
    form = ProposalForm(
        request.POST or None,
        recipients=services.recipients(),
        meetings=services.meetings_to_disclose(user, mentee),
        concerns=services.concerns_to_disclose(user, mentee),
    )
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.disclosure_propose(
                actor=user, mentee=mentee, proposal=form.proposal()
            ),
            then=lambda disclosure: reverse("disclosure_detail", args=[disclosure.pk]),
            said=_("The disclosure is proposed. A second coordinator decides on it."),
        )
        if done is not None:
            return done
    return render(request, "disclosures/propose.html", {"mentee": mentee, "form": form})


def _detail_context(user: object, pk: int) -> dict[str, object]:
    disclosure, sections = selectors.disclosure_shown(user, pk)
    return {
        "disclosure": disclosure,
        "sections": sections,
        "legal_basis": label_of(disclosure.legal_basis),
        "can_decide": access.can_decide_disclosure(user, disclosure),
        "can_revoke": access.can_revoke_disclosure(user, disclosure),
        "can_withdraw": access.can_withdraw_disclosure(user, disclosure),
    }


@require_GET
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    return render(request, "disclosures/disclosure_detail.html", _detail_context(user, pk))


@never_cache
@sensitive_post_parameters("password", "code", "reason")
@require_http_methods(["GET", "POST"])
def disclosure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    disclosure = access.disclosure_for(user, pk)
    access.require(access.can_decide_disclosure(user, disclosure))
    form = DecisionForm(request.POST or None, initial={"version": disclosure.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        then = reverse("disclosure_detail", args=[disclosure.pk])
        if data["decision"] == "approve":
            try:
                proof = step_up(request, user=user, password=data["password"], code=data["code"])
            except StepUpFailed as failed:
                form.add_error(None, str(failed))
                # The code was tried: the form asks for the next one, not that one again.
                sent = request.POST.copy()
                sent["code"] = ""
                form.data = sent
            else:
                done = save_or_say_why(
                    request,
                    form,
                    lambda: services.disclosure_approve(
                        actor=user, disclosure=disclosure, version=data["version"], proof=proof
                    ),
                    then=then,
                    said=_("The disclosure is approved: the recipient's liaisons can read it."),
                )
                if done is not None:
                    return done
        else:
            done = save_or_say_why(
                request,
                form,
                lambda: services.disclosure_refuse(
                    actor=user,
                    disclosure=disclosure,
                    version=data["version"],
                    reason=data["reason"],
                ),
                then=then,
                said=_("The disclosure is refused. Nothing was released."),
            )
            if done is not None:
                return done
    context = _detail_context(user, pk)
    return render(request, "disclosures/decide.html", {**context, "form": form})


@require_http_methods(["GET", "POST"])
def disclosure_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    disclosure = access.disclosure_for(user, pk)
    access.require(access.can_revoke_disclosure(user, disclosure))
    form = RevokeForm(request.POST or None, initial={"version": disclosure.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.disclosure_revoke(
                actor=user,
                disclosure=disclosure,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
            then=reverse("disclosure_detail", args=[disclosure.pk]),
            said=_("The disclosure is revoked: the recipient no longer sees what it said."),
        )
        if done is not None:
            return done
    return render(request, "disclosures/revoke.html", {"disclosure": disclosure, "form": form})


@require_http_methods(["GET", "POST"])
def disclosure_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    disclosure = access.disclosure_for(user, pk)
    access.require(access.can_withdraw_disclosure(user, disclosure))
    form = WithdrawForm(request.POST or None, initial={"version": disclosure.version})
    if request.method == "POST" and form.is_valid():
        done = save_or_say_why(
            request,
            form,
            lambda: services.disclosure_withdraw(
                actor=user, disclosure=disclosure, version=form.cleaned_data["version"]
            ),
            then=reverse("disclosure_detail", args=[disclosure.pk]),
            said=_("The proposal is withdrawn. Nothing was released."),
        )
        if done is not None:
            return done
    return render(request, "disclosures/withdraw.html", {"disclosure": disclosure, "form": form})


@require_GET
def disclosure_inbox(request: HttpRequest) -> HttpResponse:
    user = access.signed_in_user(request)
    access.require(access.is_liaison(user))
    shown = selectors.inbox(user, request.GET.get("page"))
    return render(
        request,
        "disclosures/inbox.html",
        {"inbox": shown, "page": shown.page, "querystring": ""},
    )


@require_GET
def disclosure_received(request: HttpRequest, pk: int) -> HttpResponse:
    user = access.signed_in_user(request)
    shown = selectors.received_shown(user, pk)
    return render(
        request,
        "disclosures/received.html",
        {
            "shown": shown,
            "disclosure": shown.disclosure,
            "legal_basis": label_of(shown.disclosure.legal_basis),
        },
    )
