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
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Value
from django.utils import timezone

from backontrack.accounts.models import Authenticator, User
from backontrack.concerns.models import Concern, ConcernEvent, ConcernRevision
from backontrack.core import crypto, keys
from backontrack.core.encrypt_existing import bind_to_rows, encrypt_columns
from backontrack.disclosures.models import Disclosure, DisclosureRead
from backontrack.evaluation.models import FollowUp
from backontrack.mentees import services as mentee_services
from backontrack.mentees.models import Consent, CustodyEvent, Mentee
from backontrack.mentors import services as mentor_services
from backontrack.mentors.models import Mentor, ModuleSignOff, TrainingModule
from backontrack.mentorships.models import Mentorship
from backontrack.referrals import services as referral_services
from backontrack.referrals.models import Orientation, Referral
from backontrack.supervision.models import AgreedAction, Discussion, Participant, SessionRevision
from backontrack.supervision.models import Session as SupervisionSession
from backontrack.workinggroup.models import AgendaItem, CaseReference, GroupAction

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


def _column_values(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - constant names
        return [row[0] for row in cursor.fetchall()]


def _raw_values() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal_id FROM mentees_mentee")
        values = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT note FROM mentees_custodyevent WHERE note <> ''")
        values += [row[0] for row in cursor.fetchall()]
    return values


def test_a_value_decrypts_only_in_its_own_field_and_row() -> None:
    field, row = "mentees.mentee.personal_id", "row-a"
    token = crypto.encrypt("150390-1235", context=field, row=row)
    assert token.startswith("enc3:")
    assert crypto.decrypt(token, context=field, row=row) == "150390-1235"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="mentees.mentee.notes", row=row)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context=field, row="row-b")
    with pytest.raises(crypto.DecryptionError, match="bound to a row"):
        crypto.decrypt(token, context=field, row=None)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, context=field, row=row)


def test_a_value_sealed_before_rows_had_keys_opens_only_for_the_migration_tools() -> None:
    field = "mentees.mentee.personal_id"
    token = crypto.encrypt("150390-1235", context=field, row=None)
    assert token.startswith("enc2:")
    assert crypto.decrypt(token, context=field, row=None) == "150390-1235"
    with pytest.raises(crypto.DecryptionError, match="not bound to its row"):
        crypto.decrypt(token, context=field, row="row-a")


def test_a_value_copied_into_another_row_does_not_open() -> None:
    """Someone with write access to the database moves one person's special-category
    answer onto another person's referral: the application refuses to read it."""
    first, second = Referral.objects.order_by("id")[:2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_referral SET orientation = "
            "(SELECT orientation FROM referrals_referral WHERE id = %s) WHERE id = %s",
            [first.pk, second.pk],
        )
    moved = Referral.objects.get(pk=second.pk)
    assert moved.referred_name == second.referred_name  # the row's own values still open
    with pytest.raises(crypto.DecryptionError, match="another field or row"):
        _ = moved.orientation
    assert Referral.objects.get(pk=first.pk).orientation == first.orientation


def test_an_encrypted_column_is_written_only_by_saving_its_row() -> None:
    first, second = Mentee.objects.order_by("id")[:2]
    other_rows_value = Mentee.objects.filter(pk=first.pk).values_list("notes", flat=True).get()
    rows = Mentee.objects.filter(pk=second.pk)
    for value in ("PLAINTEXT", Value("PLAINTEXT"), F("personal_id"), other_rows_value):
        with pytest.raises(ValueError, match="save the model"):
            rows.update(notes=value)
    with pytest.raises(ValueError, match="save the model"):
        Referral.objects.filter(pk=Referral.objects.earliest("id").pk).update(
            referring_unit="Somewhere"
        )
    assert Mentee.objects.get(pk=second.pk).notes == second.notes


def test_the_same_value_encrypts_differently_each_time() -> None:
    context = "mentees.mentee.personal_id"
    assert crypto.encrypt("x", context=context, row="r") != crypto.encrypt(
        "x", context=context, row="r"
    )


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
    # What hangs on the mentorships and the mentors first (nothing there is ever deleted in use).
    for model in (
        AgreedAction,
        Discussion,
        Participant,
        SessionRevision,
        SupervisionSession,
        GroupAction,
        AgendaItem,
        CaseReference,
        ConcernEvent,
        ConcernRevision,
        Concern,
        FollowUp,
        DisclosureRead,
        Disclosure,
    ):
        model.objects.all().delete()
    Mentorship.objects.all().delete()
    Mentor.objects.all().delete()
    Referral.objects.all().delete()
    Authenticator.objects.all().delete()
    Mentee.objects.exclude(pk__in=[m.pk for m in mentees]).delete()
    expected = {m.pk: m.personal_id for m in mentees}

    # The original key stays readable for the rows of the other records (lessons, sessions…).
    use_keys(new, old, original)
    # Interrupted after the first slice: some values moved, some not ...
    call_command(
        "rotate-keys", batch_size=2, max_batches=1, stdout=io.StringIO(), stderr=io.StringIO()
    )
    newest = crypto.key_id(keys.field_keys()[0])
    moved = [v for v in _raw_values() if v.startswith(f"enc3:{newest}:")]
    assert 0 < len(moved) < len(_raw_values())
    # ... and run again, it finishes the job.
    out = io.StringIO()
    call_command("rotate-keys", batch_size=2, stdout=out, stderr=io.StringIO())
    assert all(v.startswith(f"enc3:{newest}:") for v in _raw_values())

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
        assert _stored("referrals_referral", column, referral.pk).startswith("enc3:"), column
    assert _stored("mentees_consent", "agencies", consent.pk).startswith("enc3:")
    assert _stored("mentors_modulesignoff", "note", sign_off.pk).startswith("enc3:")

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


def _authenticator_secrets() -> list[str]:
    """Every demo persona's TOTP secret, in hex and in the base-32 an app is shown."""
    devices = list(Authenticator.objects.all())
    assert devices
    return [d.key for d in devices] + [d.secret_base32 for d in devices]


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
        for plain in (UNIT, AGENCIES, SIGN_OFF_NOTE, *_authenticator_secrets()):
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
            for plain in (UNIT, AGENCIES, SIGN_OFF_NOTE, *_authenticator_secrets()):
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
        len(crypto.encrypt(value, context="x", row="r", block=field.padding_block()))
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
    # Those migrations ran before rows had keys: their values are bound to the field only,
    # and the application reads them once `rotate-keys` (or the binding migration) has
    # bound them to their rows.
    stored = _stored("referrals_referral", "orientation", referral.pk)
    assert stored.startswith("enc2:")
    assert crypto.decrypt(stored, context="referrals.referral.orientation", row=None) == (
        "religious"
    )
    call_command("rotate-keys", bind_legacy=True, stdout=io.StringIO(), stderr=io.StringIO())

    migrated = Referral.objects.get(pk=referral.pk)
    assert migrated.orientation == Orientation.RELIGIOUS
    assert migrated.charged_with_terrorism is True
    assert migrated.hate_crime is False
    assert migrated.referring_unit == "Old wing"
    assert migrated.referred_name == "Ilvaro Penhask"  # already encrypted: left as it was
    assert Consent.objects.get(pk=consent.pk).agencies == "Old agency"

    unbind = bind_to_rows("referrals", "Referral")[1].reverse_code
    reverse = encrypt_columns("referrals.Referral", *columns).reverse_code
    assert unbind is not None and reverse is not None
    unbind(registry, editor)
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
    with pytest.raises(crypto.DecryptionError, match="not bound to its row"):
        _ = Consent.objects.get(pk=consent.pk).agencies
    # Unbound values are suspect once the migrations have run: named, not bound ...
    with pytest.raises(CommandError, match=f"mentees.Consent rows \\[{consent.pk}\\]"):
        call_command("rotate-keys", stdout=io.StringIO(), stderr=io.StringIO())
    assert _stored("mentees_consent", "agencies", consent.pk) == unpadded
    # ... until someone who checked them says so.
    call_command("rotate-keys", bind_legacy=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert _stored("mentees_consent", "agencies", consent.pk).startswith("enc3:")
    assert Consent.objects.get(pk=consent.pk).agencies == "Old agency"


def test_the_binding_migration_gives_each_row_a_key_and_reseals_its_values() -> None:
    """As the migration found them: values bound to the field only. Forwards, each row gets
    a new key and its values are resealed for it; backwards, they are field-only again."""
    editor: Any = SimpleNamespace(connection=connection)
    registry: Any = apps
    before = {m.pk: (m.row_key, m.personal_id, m.notes) for m in Mentee.objects.all()}
    migration = bind_to_rows("mentees", "Mentee")[1]
    assert migration.reverse_code is not None
    migration.reverse_code(registry, editor)
    assert all(v.startswith("enc2:") for v in _column_values("mentees_mentee", "personal_id"))
    migration.code(registry, editor)
    after = {m.pk: (m.row_key, m.personal_id, m.notes) for m in Mentee.objects.all()}
    assert {pk: v[1:] for pk, v in after.items()} == {pk: v[1:] for pk, v in before.items()}
    assert all(after[pk][0] != before[pk][0] for pk in before)
    assert len({key for key, *_rest in after.values()}) == len(after)
    assert all(v.startswith("enc3:") for v in _column_values("mentees_mentee", "personal_id"))


def test_the_inbox_says_when_it_compared_only_the_oldest_referrals(
    as_persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backontrack.referrals import selectors

    monkeypatch.setattr(selectors, "ENCRYPTED_FILTER_LIMIT", 1)
    coordinator = as_persona("coordinator")
    response = coordinator.get("/referrals/", {"orientation": "religious"})
    assert response.context["too_many"]
    assert "compared in the oldest 1 referrals only" in response.content.decode()
    assert len(response.context["page"].object_list) <= 1
    assert not coordinator.get("/referrals/").context["too_many"]


def test_a_data_dump_leaves_out_the_encrypted_models_unless_asked() -> None:
    secrets = _authenticator_secrets()
    out, err = io.StringIO(), io.StringIO()
    call_command("dumpdata", "accounts", stdout=out, stderr=err)
    assert "accounts.Authenticator" in err.getvalue()
    assert not any(secret in out.getvalue() for secret in secrets)
    assert '"model": "accounts.user"' in out.getvalue()
    out = io.StringIO()
    call_command(
        "dumpdata", "accounts.authenticator", with_decrypted_values=True, stdout=out, stderr=err
    )
    assert any(secret in out.getvalue() for secret in secrets)
