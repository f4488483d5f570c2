"""A second person's approval of account changes that open case files or the audit trail:
coordinators decide case roles, another administrator the auditor and administrator roles."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backontrack.core.access import (
    account_request_for,
    can_approve_account_changes,
    require,
    signed_in_user,
)

from . import services
from .forms import AccountRequestDecisionForm
from .selectors import approvals_listed, record_account_request


@require_http_methods(["GET"])
def approval_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(can_approve_account_changes(user))
    waiting = approvals_listed(user)
    return render(request, "accounts/approval_list.html", {"waiting": waiting})


@require_http_methods(["GET", "POST"])
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    account_request = account_request_for(user, pk)
    form = AccountRequestDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.account_request_decide(
                actor=user,
                request=account_request,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except services.AccountRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                (
                    _("Approved: %(change)s for %(user)s.")
                    if approve
                    else _("Refused: %(change)s for %(user)s.")
                )
                % {"change": account_request.describe(), "user": account_request.user},
            )
            return redirect("approval_list")
    else:
        record_account_request(user, account_request)
    return render(
        request,
        "accounts/approval_decide.html",
        {"form": form, "account_request": account_request, "subject": account_request.user},
    )
