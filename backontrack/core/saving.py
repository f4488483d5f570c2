"""Save or say why not: the one way a view runs a form's write.

Every write a person starts from a form ends in one of four ways, and they are the same in
every app: it is saved (say so, go on to the page that shows it); the same form was sent
twice (save once, show what was saved); someone else changed the record meanwhile (say so,
go back to it); or the service refused (put its reason on the form and show it again).
"""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from . import form_tokens
from .concurrency import ConcurrentEditError
from .errors import Refused
from .forms import VersionedFormMixin

T = TypeVar("T")


def save_or_say_why(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[], T],
    *,
    then: str | Callable[[T], str],
    said: str | Callable[[T], str] = "",
    stale: str = "",
    stale_then: str = "",
    stale_shows: Callable[[], HttpResponse] | None = None,
) -> HttpResponse | None:
    """Run `write` once for this form, in one transaction with spending its token.

    Returns the response to send, or None when the service refused: the reason is then on
    the form, which the view renders again with what the person typed. `then` is where to
    go after saving (or a function of what the write returned), `said` the message that
    says it was saved, `stale` the message when someone else changed the record meanwhile
    and `stale_then` where to send the person then (default: `then`, when it is known
    before writing). A form that is shown again from the latest version instead (so that
    the change can be made again on top of it) passes `stale_shows`, which answers then."""
    try:
        with form_tokens.spend(form, actor=request.user) as spending:
            result = write()
            done = then(result) if callable(then) else then
            spending.made(done)
    except form_tokens.AlreadySubmitted as submitted:
        return form_tokens.already_submitted(request, submitted)
    except ConcurrentEditError:
        messages.error(request, stale or str(VersionedFormMixin.concurrent_edit_message))
        if stale_shows is not None:
            return stale_shows()
        return redirect(stale_then or (then if isinstance(then, str) else request.path))
    except Refused as refused:
        form.add_error(None, str(refused))
        return None
    message = said(result) if callable(said) else said
    if message:
        messages.success(request, message)
    return redirect(done)
