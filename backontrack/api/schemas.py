"""What the API's calls take and give. Each response carries what the page it mirrors shows
the caller, no more."""

from datetime import date

from ninja import Schema
from pydantic import Field


class Problem(Schema):
    """An error, as RFC 9457 describes it (sent as application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[dict[str, str]] = Field(
        default_factory=list, description="For invalid input: each field and what is wrong."
    )


class Paged(Schema):
    next: str | None = Field(
        None,
        description="The cursor of the next page (pass it as `cursor`); null on the last page.",
    )


class MenteeSummary(Schema):
    id: int
    first_name: str
    last_name: str
    institution: str | None
    custody_status: str


class MenteePage(Paged):
    items: list[MenteeSummary]


class CustodyEventOut(Schema):
    id: int
    kind: str
    occurred_on: date
    institution: str | None
    register_id: str | None


class ConsentOut(Schema):
    given_on: date
    participation: bool
    contact_network: bool
    share_with_agencies: bool
    withdrawn_on: date | None


class CaseOut(Schema):
    id: int
    status: str


class MenteeOut(Schema):
    id: int
    version: int
    register_id: str | None
    first_name: str
    last_name: str
    date_of_birth: date
    personal_id: str
    gender: str
    languages: list[str]
    mentor_gender_preference: str
    institution: str | None
    custody_status: str
    expected_release_date: date | None
    earliest_release_date: date | None
    data_subject_category: str
    notes: str
    custody_events: list[CustodyEventOut]
    consents: list[ConsentOut]
    referrals: list[CaseOut]
    mentorships: list[CaseOut]


class MenteeIn(Schema):
    """The register's fields of a person (as the register's form has them)."""

    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    date_of_birth: date
    personal_id: str = Field(max_length=20, description="DDMMYY-SSSS")
    gender: str
    languages: list[str] = Field(default_factory=list)
    mentor_gender_preference: str = ""
    institution_id: int | None = None
    custody_status: str
    expected_release_date: date | None = None
    earliest_release_date: date | None = None
    data_subject_category: str = ""
    notes: str = Field("", max_length=4000)
    programme_id: int | None = Field(
        None, description="For a coordinator of several programmes: which one registers."
    )


class MenteeChange(Schema):
    """The fields to change; the others keep their values."""

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    date_of_birth: date | None = None
    personal_id: str | None = Field(None, max_length=20)
    gender: str | None = None
    languages: list[str] | None = None
    mentor_gender_preference: str | None = None
    institution_id: int | None = None
    custody_status: str | None = None
    expected_release_date: date | None = None
    earliest_release_date: date | None = None
    data_subject_category: str | None = None
    notes: str | None = Field(None, max_length=4000)


class CustodyEventIn(Schema):
    kind: str
    occurred_on: date
    institution_id: int | None = None
    note: str = Field("", max_length=1000)


class RegisterEventIn(Schema):
    """A custody event as the prison register sends it, keyed by its ids."""

    person_id: str = Field(min_length=1, max_length=40)
    event_id: str = Field(min_length=1, max_length=40)
    kind: str
    occurred_on: date
    institution: str = Field("", max_length=200, description="The institution's name.")


class RegisterEventOut(Schema):
    event_id: str
    recorded: bool = Field(description="False when the event was recorded before.")


class ImportOut(Schema):
    rows: int
    people_added: int
    events_added: int
    unchanged: int
    problems: list[dict[str, str | int]]


class PersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    institution: str | None
    custody_status: str
    expected_release_date: date | None


class MentorshipOut(Schema):
    id: int
    programme: str
    mentee: PersonOut
    mentor: str
    coach: str | None
    status: str
    phase: str


class MentorshipPage(Paged):
    items: list[MentorshipOut]


class MeetingOut(Schema):
    id: int
    occurred_on: date
    kind: str
    outcome: str
    not_held_reason: str
    duration_minutes: int | None
    participants: list[str]
    topics: list[str]
    engagement: str
    facts: str
    assessment: str
    follow_up: str


class MeetingPage(Paged):
    items: list[MeetingOut]


class GoalOut(Schema):
    id: int
    area: str
    title: str
    steps: str
    target_date: date | None
    progress: int
    status: str


class PlanOut(Schema):
    mentorship: int
    custody_constraints: str
    goals: list[GoalOut]


class ReferralIn(Schema):
    """A referral as the referral form takes it: the person, and why."""

    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    date_of_birth: date
    personal_id: str = Field(max_length=20, description="DDMMYY-SSSS")
    gender: str
    languages: list[str] = Field(min_length=1)
    institution_id: int | None = None
    custody_status: str
    data_subject_category: str = ""
    referring_unit: str = Field(max_length=200)
    referred_on: date
    charged_with_terrorism: bool = False
    convicted_of_terrorism: bool = False
    hate_crime: bool = False
    hate_crime_motive: str = ""
    vulnerable: bool = False
    vulnerability_rationale: str = Field("", max_length=4000)
    orientation: str
    reason: str = Field(max_length=4000)
    programme_id: int | None = None


class ReferralStatusOut(Schema):
    id: int
    referred_on: date
    status: str


class DisclosureOut(Schema):
    id: int
    recipient: str
    status: str
    decided_at: str | None
    expires_on: date | None
    read: bool


class DisclosurePage(Paged):
    items: list[DisclosureOut]


class FigureOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[dict[str, str | list[str | int | float | None]]]


class FiguresOut(Schema):
    programme: int
    start: date
    end: date
    pseudonymised: bool
    figures: list[FigureOut]
