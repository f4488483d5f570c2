import base64
import io
import os
from datetime import date, timedelta
from importlib import import_module
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.core import crypto, keys
from backontrack.core.encrypt_existing import encrypt_columns
from backontrack.mentees import services as mentee_services
from backontrack.mentees.models import Consent, CustodyEvent, Mentee
from backontrack.mentors import services as mentor_services
from backontrack.mentors.models import Mentor, ModuleSignOff, TrainingModule
from backontrack.mentorships.models import Mentorship
from backontrack.referrals import services as referral_services
from backontrack.referrals.models import Orientation, Referral

pytestmark = pytest.mark.django_db


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def use_keys(monkeypatch: pytest.MonkeyPatch):
    def use(*field_keys: str) -> None:
        monkeypatch.setenv("BACKONTRACK_FIELD_KEYS", ",".join(field_keys))
        keys.clear_cache()

    yield use
    monkeypatch.delenv("BACKONTRACK_FIELD_KEYS", raising=False)
    keys.clear_cache()


def _raw_values() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal_id FROM mentees_mentee")
        values = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT note FROM mentees_custodyevent WHERE note <> ''")
        values += [row[0] for row in cursor.fetchall()]
    return values


def test_a_value_decrypts_only_in_its_own_field() -> None:
    token = crypto.encrypt("150390-1235", context="mentees.mentee.personal_id")
    assert crypto.decrypt(token, context="mentees.mentee.personal_id") == "150390-1235"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="mentees.mentee.notes")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, context="mentees.mentee.personal_id")


def test_the_same_value_encrypts_differently_each_time() -> None:
    context = "mentees.mentee.personal_id"
    assert crypto.encrypt("x", context=context) != crypto.encrypt("x", context=context)


def test_encrypted_fields_cannot_be_filtered_on() -> None:
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Mentee.objects.filter(personal_id="150390-1235"))


def test_rotate_keys_moves_every_value_to_the_newest_key(use_keys) -> None:
    original = ",".join(base64.urlsafe_b64encode(k).decode() for k in keys.field_keys())
    old, new = _key(), _key()
    use_keys(old, original)
    mentees = list(Mentee.objects.order_by("id")[:5])
    for mentee in mentees:  # re-save under the old key, with a note to rotate as well
        mentee.save()
        CustodyEvent.objects.create(
            mentee=mentee, kind="transfer", occurred_on="2026-01-01", note="moved wing"
        )
    Mentorship.objects.all().delete()
    Mentor.objects.all().delete()
    Referral.objects.all().delete()
    Mentee.objects.exclude(pk__in=[m.pk for m in mentees]).delete()
    expected = {m.pk: m.personal_id for m in mentees}

    use_keys(new, old)
    # Interrupted after the first slice: some values moved, some not ...
    call_command(
        "rotate-keys", batch_size=2, max_batches=1, stdout=io.StringIO(), stderr=io.StringIO()
    )
    newest = crypto.key_id(keys.field_keys()[0])
    moved = [v for v in _raw_values() if v.startswith(f"enc2:{newest}:")]
    assert 0 < len(moved) < len(_raw_values())
    # ... and run again, it finishes the job.
    out = io.StringIO()
    call_command("rotate-keys", batch_size=2, stdout=out, stderr=io.StringIO())
    assert all(v.startswith(f"enc2:{newest}:") for v in _raw_values())

    use_keys(new)  # the old key is gone: everything still reads
    assert {m.pk: m.personal_id for m in Mentee.objects.all()} == expected
    assert {event.note for event in CustodyEvent.objects.all()} - {""} == {"moved wing"}


# Distinctive values, so that finding one anywhere in the database means it leaked.
UNIT = "Quorvath remand wing 7"
AGENCIES = "Zentrivel municipality"
SIGN_OFF_NOTE = "Marvistone practical exercise passed"


def _special_category_records() -> tuple[Referral, Consent, ModuleSignOff]:
    """A referral, a consent and a training sign-off, each written through its service."""
    referral = referral_services.referral_submit(
        actor=User.objects.get(username="referrer"),
        person=mentee_services.MenteeData(
            first_name="Ilvaro",
            last_name="Penhask",
            date_of_birth=date(1990, 3, 15),
            personal_id_digits="1503902791",
            gender="male",
            languages=["da"],
            institution=None,
            custody_status="remand",
            expected_release_date=None,
            earliest_release_date=None,
            data_subject_category="suspect",
            notes="",
        ),
        data=referral_services.ReferralData(
            referring_unit=UNIT,
            referred_on=timezone.localdate(),
            reason="Talks of joining a group",
            charged_with_terrorism=True,
            convicted_of_terrorism=False,
            hate_crime=True,
            hate_crime_motive="sexual_orientation",
            vulnerable=False,
            vulnerability_rationale="",
            orientation=Orientation.LEFT_WING,
        ),
    )
    consent = mentee_services.consent_record(
        actor=User.objects.get(username="coordinator"),
        mentee=referral.mentee,
        given_on=timezone.localdate(),
        how=Consent.How.WRITTEN,
        participation=True,
        contact_network=False,
        share_with_agencies=True,
        agencies=AGENCIES,
    )
    trainer = User.objects.get(username="trainer")
    mentor = Mentor.objects.order_by("id").first()
    assert mentor is not None
    module = TrainingModule.objects.get(code="conflict")
    course = mentor_services.course_create(
        actor=trainer,
        data=mentor_services.CourseData(
            module=module,
            title="Conflict, spring",
            trainer_name="Ane Holt",
            trainer_organisation="Consult A/S",
            trainer_kind="consultancy",
            location="",
        ),
    )
    start = timezone.now() - timedelta(days=1)
    session = mentor_services.session_add(
        actor=trainer,
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=float(module.required_hours)),
    )
    mentor_services.attendance_record(
        actor=trainer, session=session, hours_by_mentor={mentor: module.required_hours}
    )
    sign_off = mentor_services.module_sign_off(
        actor=trainer,
        mentor=mentor,
        module=module,
        signed_off_on=timezone.localdate(),
        note=SIGN_OFF_NOTE,
    )
    return referral, consent, sign_off


def _stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


REFERRAL_COLUMNS = [
    "referred_name",
    "referring_unit",
    "charged_with_terrorism",
    "convicted_of_terrorism",
    "hate_crime",
    "hate_crime_motive",
    "vulnerable",
    "orientation",
]


def test_the_special_category_fields_are_stored_encrypted_and_read_back() -> None:
    referral, consent, sign_off = _special_category_records()
    for column in REFERRAL_COLUMNS:
        assert _stored("referrals_referral", column, referral.pk).startswith("enc2:"), column
    assert _stored("mentees_consent", "agencies", consent.pk).startswith("enc2:")
    assert _stored("mentors_modulesignoff", "note", sign_off.pk).startswith("enc2:")

    referral = Referral.objects.get(pk=referral.pk)
    assert referral.referred_name == "Ilvaro Penhask"
    assert referral.referring_unit == UNIT
    assert referral.charged_with_terrorism is True
    assert referral.convicted_of_terrorism is False
    assert referral.get_orientation_display() == "Left-wing"
    assert referral.criteria_labels() == [
        "Charged with terrorism",
        "Hate crime: Sexual orientation",
    ]
    assert Consent.objects.get(pk=consent.pk).agencies == AGENCIES
    assert ModuleSignOff.objects.get(pk=sign_off.pk).note == SIGN_OFF_NOTE


def test_the_raw_database_holds_none_of_them_in_plaintext() -> None:
    referral, _consent, _sign_off = _special_category_records()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(REFERRAL_COLUMNS)} FROM referrals_referral "  # noqa: S608
            "WHERE id = %s",
            [referral.pk],
        )
        stored = " ".join(str(value) for value in cursor.fetchone())
    for plain in ("Ilvaro", "left_wing", "sexual_orientation", "True", "true"):
        assert plain not in stored
    if connection.vendor == "sqlite":
        raw = connection.connection.serialize()  # the file, byte for byte as on disk
        for plain in (UNIT, AGENCIES, SIGN_OFF_NOTE):
            assert plain.encode() not in raw
        assert b"Penhask" in raw  # the register's name, in plaintext: the check would see it


@pytest.mark.postgresql_only
def test_no_postgresql_table_holds_them_in_plaintext() -> None:
    _special_category_records()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')"
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            for plain in (UNIT, AGENCIES, SIGN_OFF_NOTE):
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}" LIKE %s',  # noqa: S608
                    [f"%{plain}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column, plain))
    assert columns
    assert found == []


def test_every_choice_encrypts_to_the_same_length() -> None:
    field = Referral._meta.get_field("orientation")
    lengths = {
        len(crypto.encrypt(value, context="x", block=field.padding_block()))
        for value in Orientation.values
    }
    assert len(lengths) == 1


def test_an_encrypted_choice_is_still_validated() -> None:
    referral = Referral.objects.order_by("id").first()
    assert referral is not None
    referral.orientation = "anarcho_syndicalist"
    with pytest.raises(ValidationError, match="orientation"):
        referral.full_clean()


def test_the_data_migration_encrypts_existing_plaintext_and_reverses() -> None:
    referral, consent, _sign_off = _special_category_records()
    with connection.cursor() as cursor:  # as the rows stood before the migration
        cursor.execute(
            "UPDATE referrals_referral SET orientation = 'religious', charged_with_terrorism = "
            "'true', hate_crime = '0', referring_unit = 'Old wing' WHERE id = %s",
            [referral.pk],
        )
        cursor.execute(
            "UPDATE mentees_consent SET agencies = 'Old agency' WHERE id = %s", [consent.pk]
        )
    editor: Any = SimpleNamespace(connection=connection)
    registry: Any = apps
    columns = ["orientation", "charged_with_terrorism", "hate_crime", "referring_unit"]
    encrypt_columns("referrals.Referral", *columns).code(registry, editor)
    encrypt_columns("mentees.Consent", "agencies").code(registry, editor)

    migrated = Referral.objects.get(pk=referral.pk)
    assert migrated.orientation == Orientation.RELIGIOUS
    assert migrated.charged_with_terrorism is True
    assert migrated.hate_crime is False
    assert migrated.referring_unit == "Old wing"
    assert migrated.referred_name == "Ilvaro Penhask"  # already encrypted: left as it was
    assert Consent.objects.get(pk=consent.pk).agencies == "Old agency"

    reverse = encrypt_columns("referrals.Referral", *columns).reverse_code
    assert reverse is not None
    reverse(registry, editor)
    assert _stored("referrals_referral", "orientation", referral.pk) == "religious"
    assert _stored("referrals_referral", "charged_with_terrorism", referral.pk) == "1"
    assert _stored("referrals_referral", "referring_unit", referral.pk) == "Old wing"


def test_the_inbox_filters_on_encrypted_orientation_and_criteria(as_persona) -> None:
    referral, _consent, _sign_off = _special_category_records()
    coordinator = as_persona("coordinator")
    found = coordinator.get("/referrals/", {"orientation": "left_wing"}).context["page"]
    assert referral in found.object_list
    assert all(r.orientation == "left_wing" for r in found.object_list)
    found = coordinator.get("/referrals/", {"criterion": "convicted_of_terrorism"})
    assert referral not in found.context["page"].object_list
    found = coordinator.get("/referrals/", {"criterion": "charged_with_terrorism"})
    assert referral in found.context["page"].object_list


def test_rotate_keys_covers_the_new_fields_and_pads_old_unpadded_values() -> None:
    command = import_module("backontrack.core.management.commands.rotate-keys")
    covered = {
        (model._meta.label_lower, field.name)
        for model, fields in command.encrypted_fields()
        for field in fields
    }
    assert {
        ("referrals.referral", "orientation"),
        ("referrals.referral", "charged_with_terrorism"),
        ("mentees.consent", "agencies"),
        ("mentors.modulesignoff", "note"),
    } <= covered
    _referral, consent, _sign_off = _special_category_records()
    key = keys.field_keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, b"Old agency", b"mentees.consent.agencies")
    unpadded = f"enc1:{crypto.key_id(key)}:{base64.b64encode(nonce + sealed).decode()}"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mentees_consent SET agencies = %s WHERE id = %s", [unpadded, consent.pk]
        )
    assert Consent.objects.get(pk=consent.pk).agencies == "Old agency"
    call_command("rotate-keys", stdout=io.StringIO(), stderr=io.StringIO())
    assert _stored("mentees_consent", "agencies", consent.pk).startswith("enc2:")
    assert Consent.objects.get(pk=consent.pk).agencies == "Old agency"


def test_the_inbox_says_when_it_compared_only_the_oldest_referrals(
    as_persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backontrack.referrals import views

    monkeypatch.setattr(views, "ENCRYPTED_FILTER_LIMIT", 1)
    coordinator = as_persona("coordinator")
    response = coordinator.get("/referrals/", {"orientation": "religious"})
    assert response.context["too_many"]
    assert "compared in the oldest 1 referrals only" in response.content.decode()
    assert len(response.context["page"].object_list) <= 1
    assert not coordinator.get("/referrals/").context["too_many"]
