"""Labels that tell the truth: a field that is required in some cases is marked with
`required_when` (its label does not say "(optional)" and its hint says when it is
required), and the "missing" error comes from `require_filled`, which never adds a second,
contradictory message to a field that already has one."""

import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms

import backontrack
from backontrack.core.forms import require_filled, required_when
from backontrack.mentees.models import Mentee
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import MentorshipStatus

from .conftest import demo_mentorship, signed_in_client

MISSING_CHECK = re.compile(
    r'if [^\n]*not (?:self\.)?cleaned(?:_data)?\.get\(\s*"(\w+)"[^\n]*:\s*\n\s*'
    r'self\.add_error\(\s*"(\w+)"'
)
REQUIRE_FILLED = re.compile(r'require_filled\(\s*self,\s*"(\w+)"')


def _project_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(backontrack.__path__, "backontrack."):
        if module.name.endswith(".forms") or ".forms." in module.name:
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type] = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("backontrack."):
            found.append(cls)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_the_project_has_forms_to_check() -> None:
    names = {cls.__name__ for cls in _project_forms()}
    assert {"ReferralForm", "ScreeningForm", "MeetingForm", "ConsentForm"} <= names


def test_every_conditionally_required_field_says_so() -> None:
    problems = []
    for cls in _project_forms():
        source = inspect.getsource(cls)
        for checked, erred in MISSING_CHECK.findall(source):
            if checked == erred:
                problems.append(f"{cls.__name__}.{checked}: use require_filled")
        for name in REQUIRE_FILLED.findall(source):
            field = cls.base_fields.get(name)  # type: ignore[attr-defined]
            if (
                field is not None
                and not field.required
                and not getattr(field, "required_when", None)
            ):
                problems.append(f"{cls.__name__}.{name}: mark it with required_when")
    assert problems == []


def test_a_field_with_an_error_gets_no_second_one() -> None:
    class Length(forms.Form):
        minutes = required_when(
            forms.IntegerField(max_value=600, required=False), "Required when held."
        )

    form = Length({"minutes": "6000"})
    assert not form.is_valid()
    require_filled(form, "minutes", "Say how long.")
    assert len(form.errors["minutes"]) == 1
    empty = Length({"minutes": ""})
    assert empty.is_valid()
    require_filled(empty, "minutes", "Say how long.")
    assert empty.errors["minutes"] == ["Say how long."]
    assert str(Length.base_fields["minutes"].help_text) == "Required when held."


SELECT = re.compile(r'<select name="(\w+)"([^>]*)>(.*?)</select>', re.S)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("referrer", "/referrals/new/"),
        ("coordinator", "/mentees/new/"),
        ("coordinator", "/mentors/new/"),
        ("coordinator", "/mentees/{mentee}/consent/new/"),
        ("coordinator", "/mentees/{mentee}/custody/new/"),
        ("coordinator", "/mentors/{mentor}/checks/new/"),
        ("coordinator", "/mentorships/{mentorship}/check-ins/new/"),
        ("mentor", "/mentorships/{mentorship}/goals/new/"),
        ("mentor", "/mentorships/{mentorship}/network/new/"),
        ("mentor", "/mentorships/{mentorship}/concerns/new/"),
        ("trainer", "/training/courses/new/"),
    ],
)
def test_a_new_record_starts_with_no_guessed_answers(username: str, path: str) -> None:
    """Gender, custody status, the data-subject category, how consent was given, what
    happened in custody, which check, which aim area, who a network member is: a
    preselected answer would be a guess that can be wrong."""
    mentee = Mentee.objects.order_by("id").first()
    mentor = Mentor.objects.order_by("id").first()
    mentorship = demo_mentorship(MentorshipStatus.ACTIVE)
    assert mentee is not None and mentor is not None
    if username == "mentor":
        username = mentorship.mentor.user.username  # type: ignore[union-attr]
    address = path.format(mentee=mentee.pk, mentor=mentor.pk, mentorship=mentorship.pk)
    response = signed_in_client(username).get(address)
    assert response.status_code == 200, address
    page = response.content.decode()
    selects = SELECT.findall(page)
    assert selects, path
    # With nothing selected the browser shows, and sends, the first option: unless it is
    # the empty "— choose —", that is a guess. (A value the form selects on purpose, such
    # as "active" for a new goal, is not.)
    guessed = {
        name: values[0][0]
        for name, _attributes, options in selects
        if (values := re.findall(r'<option value="([^"]*)"( selected)?', options))
        and not any(selected for _value, selected in values)
        and values[0][0]
    }
    assert guessed == {}
