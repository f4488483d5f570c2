"""One write per create form: a double click, a resend after a slow answer or two tabs
sending the same form must not register the same person, meeting or consent twice.

Rendering the form issues a signed one-time token (a hidden field; nothing is stored for a
page that is only looked at). The write spends it by inserting its nonce, unique, in the
same transaction as the record; a second submission with the same token fails that insert
(on PostgreSQL it waits for the first to commit), writes nothing and is sent to what the
first one made."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import SpentFormToken

FIELD = "form_token"
SALT = "backontrack.core.form_tokens"
# Long enough for a form left open over a working day.
MAX_AGE = timedelta(hours=24)


def issue() -> str:
    return signing.TimestampSigner(salt=SALT).sign(secrets.token_urlsafe(24))


def nonce_of(token: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:
        return None


class SubmitOnceMixin(forms.Form):
    """Carries the form's one-time token. A form sent without one (a script, not a page
    of this site) is written without the double-submit guard; a token that is forged or
    older than a day is refused and replaced, so sending the form again works."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    expired_token_message = _(
        "This form was opened too long ago or did not come from this site. Nothing is "
        "saved yet: check the fields and send it again."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[FIELD].initial = issue()
        key = self.add_prefix(FIELD)
        if self.is_bound and self.data.get(key) and nonce_of(str(self.data[key])) is None:
            self.token_refused = True
            original: Any = self.data
            data = original.copy()
            data[key] = self.fields[FIELD].initial
            self.data = data
        else:
            self.token_refused = False

    def clean_form_token(self) -> str:
        if self.token_refused:
            self.add_error(None, self.expired_token_message)
            return ""
        token: str = self.cleaned_data.get(FIELD, "")
        return (nonce_of(token) or "") if token else ""


class AlreadySubmitted(Exception):
    def __init__(self, result_path: str) -> None:
        super().__init__(result_path)
        self.result_path = result_path


@dataclass
class Spending:
    """Where what the write made can be seen, for a second submission to be sent to."""

    result_path: str = ""

    def made(self, path: str) -> None:
        self.result_path = path


@contextmanager
def spend(form: forms.BaseForm, *, actor: Any) -> Iterator[Spending]:
    """Run the write in the body once per token, in one transaction with spending it.

    Raises AlreadySubmitted (writing nothing) when the token was spent before; an error
    in the body rolls back the spending too, so the form can be corrected and sent."""
    nonce = form.cleaned_data.get(FIELD) or ""
    spending = Spending()
    with transaction.atomic():
        token = None
        if nonce:
            now = timezone.now()
            SpentFormToken.objects.filter(spent_at__lt=now - MAX_AGE).delete()
            try:
                with transaction.atomic():
                    token = SpentFormToken.objects.create(nonce=nonce, user=actor, spent_at=now)
            except IntegrityError:
                earlier = (
                    SpentFormToken.objects.filter(nonce=nonce, user=actor)
                    .values_list("result_path", flat=True)
                    .first()
                )
                raise AlreadySubmitted(earlier or "") from None
        yield spending
        if token is not None and spending.result_path:
            SpentFormToken.objects.filter(pk=token.pk).update(result_path=spending.result_path)


def already_submitted(request: HttpRequest, error: AlreadySubmitted) -> HttpResponse:
    messages.info(
        request,
        gettext("This form was sent more than once; it is saved once. This is what was saved."),
    )
    return redirect(error.result_path or request.path)
