import base64
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from backontrack.core import crypto, keys
from backontrack.mentees.models import CustodyEvent, Mentee
from backontrack.mentors.models import Mentor
from backontrack.mentorships.models import Mentorship
from backontrack.referrals.models import Referral

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
    moved = [v for v in _raw_values() if v.startswith(f"enc1:{newest}:")]
    assert 0 < len(moved) < len(_raw_values())
    # ... and run again, it finishes the job.
    out = io.StringIO()
    call_command("rotate-keys", batch_size=2, stdout=out, stderr=io.StringIO())
    assert all(v.startswith(f"enc1:{newest}:") for v in _raw_values())

    use_keys(new)  # the old key is gone: everything still reads
    assert {m.pk: m.personal_id for m in Mentee.objects.all()} == expected
    assert set(CustodyEvent.objects.values_list("note", flat=True)) - {""} == {"moved wing"}
