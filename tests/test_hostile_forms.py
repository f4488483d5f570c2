"""Every form of every page, for every persona who may open it, sent hostile values by the
type of each input: no answer is a server error, and a refused submission writes nothing.
Personas with the same roles who are shown the same forms are one case: the first answers.

The pages come from the access matrix, which `test_every_url_is_in_the_matrix` keeps equal
to the URL configuration; the forms and their inputs are read from each page's HTML, so a
new form is covered without being listed here.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.urls import Resolver404, resolve

from backontrack.audit.models import Action, AuditEvent, AuditEventSubject
from backontrack.demo.loader import PERSONAS

from .conftest import PERSONA_NAMES, signed_in_client
from .test_access_matrix import (
    EVERYONE,
    MATRIX,
    MENTORS_REDIRECTED,
    PENDING_SIGNIN,
    POST_ONLY,
    PUBLIC,
    _allowed,
    _ids,
)

pytestmark = [pytest.mark.django_db, pytest.mark.every_page]

# Forms of the page layout itself, on every page: sent hostile values on the home page only.
LAYOUT_ACTIONS = {"/signout/", "/i18n/setlang/"}
CHOICE_TYPES = {"select", "radio", "checkbox", "hidden"}
TEXT_TYPES = {"text", "textarea", "email", "password", "search", "tel", "url"}
MEGABYTE = "x" * 1_000_000
WRITES = [Action.CREATE, Action.CHANGE, Action.DELETE, Action.DISCLOSE]
ROLES = {persona.username: persona.roles for persona in PERSONAS}
NUMBER = re.compile(r"\d+")
# Rows that a refused submission may legitimately add: sessions, the lockout's count of
# failed sign-ins.
NOT_COUNTED = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}


@dataclass
class Input:
    name: str
    kind: str
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    inputs: list[Input] = field(default_factory=list)

    def values(self) -> dict[str, list[str]]:
        """What a browser would send for the form as it stands."""
        sent: dict[str, list[str]] = {}
        for one in self.inputs:
            if one.kind in {"checkbox", "radio"}:
                if one.checked:
                    sent.setdefault(one.name, []).append(one.value)
            elif one.kind == "select":
                sent[one.name] = [one.value or next((o for o in one.options if o), "")]
            elif one.kind not in {"submit", "button"}:
                sent[one.name] = [one.value]
        return sent


class FormReader(HTMLParser):
    """The forms of a page with their inputs and current values."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: Input | None = None
        self._textarea: Input | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(attr.get("method", "get").lower(), attr.get("action", "")))
        if not self.forms:
            return
        inputs = self.forms[-1].inputs
        if tag == "input" and attr.get("name"):
            kind = attr.get("type", "text").lower()
            inputs.append(Input(attr["name"], kind, attr.get("value", ""), "checked" in attr))
        elif tag == "select" and attr.get("name"):
            self._select = Input(attr["name"], "select")
            inputs.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(attr.get("value", ""))
            if "selected" in attr:
                self._select.value = attr.get("value", "")
        elif tag == "textarea" and attr.get("name"):
            self._textarea = Input(attr["name"], "textarea")
            inputs.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def read_forms(page: str) -> list[Form]:
    return FormReader(page).forms


# Each class of hostile value: for an input, the value to send instead, or None to keep it.
Hostile = Callable[[Input], str | None]


def _choice_or(value: str, *kinds: str) -> Hostile:
    def pick(one: Input) -> str | None:
        if one.name == "csrfmiddlewaretoken":
            return None
        return value if one.kind in CHOICE_TYPES or one.kind in kinds else None

    return pick


HOSTILE: dict[str, Hostile] = {
    "huge numbers": _choice_or("99999999999999999999", "number", "text"),
    "negative numbers": _choice_or("-99999999999999999999", "number"),
    "unknown ids": _choice_or("999999999", "number"),
    "non-numeric ids": _choice_or("1 OR 1=1", "number"),
    "far past dates": lambda one: "0001-01-01" if one.kind == "date" else None,
    "far future dates": lambda one: "9999-12-31" if one.kind == "date" else None,
    "impossible dates and times": lambda one: (
        "99999-99-99" if one.kind == "date" else "25:99" if one.kind == "time" else None
    ),
    "NUL bytes": lambda one: (
        ("a\x00b" if one.kind in TEXT_TYPES | CHOICE_TYPES | {"date", "number", "time"} else None)
        if one.name != "csrfmiddlewaretoken"
        else None
    ),
}


def hostile_submissions(form: Form) -> Iterator[tuple[str, dict[str, list[str]]]]:
    baseline = form.values()
    for label, hostile in HOSTILE.items():
        data = {name: list(values) for name, values in baseline.items()}
        changed = False
        for one in form.inputs:
            value = hostile(one)
            if value is not None:
                data[one.name] = [value]
                changed = True
        if changed:
            yield label, data
    # A megabyte in one text box at a time (all at once would only meet the size limit).
    for one in form.inputs:
        if one.kind in TEXT_TYPES and one.kind != "password":
            data = {name: list(values) for name, values in baseline.items()}
            data[one.name] = [MEGABYTE]
            yield f"1 MB in {one.name}", data


def _counted() -> list[tuple[str, QuerySet[Any]]]:
    """What a refused submission must not add to: every table (the trail's events by their
    writes), the rows the lockout and the session store keep aside."""
    counted = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in NOT_COUNTED:
            continue
        manager = model._default_manager
        if model is AuditEvent:
            counted.append((label, manager.filter(action__in=WRITES)))
        elif model is AuditEventSubject:
            counted.append((label, manager.filter(event__action__in=WRITES)))
        else:
            counted.append((label, manager.all()))
    return counted


@cache
def _count_query() -> tuple[list[str], str, list[Any]]:
    """The tables' labels and one query counting them all, built once: the models and the
    SQL the ORM writes for them do not change within a session."""
    labels: list[str] = []
    parts: list[str] = []
    params: list[Any] = []
    for label, queryset in _counted():
        sql, part_params = queryset.values("pk").query.sql_with_params()
        labels.append(label)
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608 (the ORM's SQL)
        params.extend(part_params)
    return labels, f"SELECT {', '.join(parts)}", params


def row_counts() -> dict[str, int]:
    """The count of each table, in one query (a page's forms take hundreds of submissions)."""
    labels, sql, params = _count_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = cursor.fetchone()
    return dict(zip(labels, counts, strict=True))


def _changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {
        label: (before[label], after[label]) for label in before if before[label] != after[label]
    }


def _shape(forms: list[Form]) -> tuple[object, ...]:
    """What the forms are, whatever records they are about: their methods, their actions with
    the ids left out, and their inputs' names and kinds."""
    return tuple(
        (
            form.method,
            NUMBER.sub("#", form.action),
            tuple((one.name, one.kind) for one in form.inputs if one.name != "csrfmiddlewaretoken"),
        )
        for form in forms
    )


def _refused(status: int, page: str) -> bool:
    return status >= 400 or (status == 200 and 'id="error-summary"' in page)


def _personas(access: str, template: str) -> list[str | None]:
    if access == PUBLIC:
        return [None]
    if access in {POST_ONLY, PENDING_SIGNIN}:
        return []
    everyone: list[str | None] = [*PERSONA_NAMES]
    if access in {EVERYONE, MENTORS_REDIRECTED}:
        return everyone
    allowed = _allowed(access, template) or set()
    return [username for username in everyone if username in allowed]


def _client(username: str | None) -> Client:
    return Client() if username is None else signed_in_client(username)


def _is_ours(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _pages_that_show(path: str, ids: dict[str, str]) -> list[str]:
    """The pages that show what a form at `path` writes: its own area's pages and those of
    the demo's active mentorship and its mentee (a mentee's dates shape the re-entry page).
    The home page's area is itself: its forms (language, sign-out) write nothing shown."""
    area = "/".join(path.split("/")[:3])
    shown = {
        f"/mentorships/{ids['active']}/",
        f"/mentorships/{ids['active']}/timeline/",
        f"/mentorships/{ids['active']}/re-entry/",
        f"/mentorships/{ids['active']}/reviews/",
        f"/mentorships/{ids['active']}/network/",
        f"/mentees/{ids['mentee']}/",
    }
    if area == "/":
        return sorted(shown | {"/"})
    for template, access in MATRIX.values():
        page = template.format(**ids)
        if access not in {POST_ONLY, PENDING_SIGNIN} and page.startswith(area) and page != "/":
            shown.add(page)
    return sorted(shown)


def _send(
    client: Client, form: Form, page_path: str, data: dict[str, list[str]]
) -> tuple[int, str, str]:
    action = urlsplit(urljoin(page_path, form.action or page_path)).path
    response = client.post(action, data) if form.method == "post" else client.get(action, data)
    # A download (the audit export) is read to the end, so that an error in it shows.
    content = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if response.streaming
        else response.content
    )
    body = content.decode(errors="replace") if response.status_code == 200 else ""
    return response.status_code, response.get("Location", ""), body


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_no_form_answers_hostile_input_with_an_error_or_a_partial_write(name: str) -> None:
    template, access = MATRIX[name]
    ids = _ids()
    path = template.format(**ids)
    # Two personas with the same roles shown the same forms (ten mentors on their own home
    # pages) send them to the same code: the first of them answers for the others.
    sent: set[tuple[object, ...]] = set()
    for username in _personas(access, template):
        client = _client(username)
        response = client.get(path)
        assert response.status_code != 500
        if response.status_code != 200:
            continue
        forms = [
            form
            for form in read_forms(response.content.decode(errors="replace"))
            if name == "home" or urlsplit(form.action).path not in LAYOUT_ACTIONS
        ]
        shape = (ROLES.get(username or "", ()), _shape(forms))
        if shape in sent:
            continue
        sent.add(shape)
        accepted = False
        for form in forms:
            for label, data in hostile_submissions(form):
                before = row_counts()
                where = f"{username} on {path}, form to {form.action or path!r}, {label}"
                try:
                    status, location, body = _send(client, form, path, data)
                except Exception as error:
                    pytest.fail(f"{where}: {error!r}")
                assert status != 500, where
                if _refused(status, body):
                    assert not _changed(before, row_counts()), where
                    continue
                accepted = True
                if status == 302 and location.startswith("/") and _is_ours(location):
                    assert client.get(location).status_code != 500, f"{where} -> {location}"
        # What an accepted hostile value wrote must not break the pages that show it (a
        # refused one wrote nothing, and the matrix opens those pages as they are).
        if username is not None and accepted:
            for page in _pages_that_show(path, ids):
                assert client.get(page).status_code != 500, f"{username} on {page} after {path}"
