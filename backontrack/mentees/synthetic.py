"""Realistic synthetic mentees with custody histories: every one invented. Used by the demo
and by `backontrack seed` to measure pages at national scale."""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from backontrack.accounts.models import Institution
from backontrack.programmes.models import Programme

from .identity import formatted, index_for
from .models import CustodyEvent, CustodyStatus, DataSubjectCategory, Gender, Mentee

FIRST_NAMES_MALE = [
    "Mads",
    "Frederik",
    "Mikkel",
    "Rasmus",
    "Emil",
    "Jonas",
    "Oliver",
    "Lucas",
    "Kasper",
    "Nikolaj",
    "Ahmed",
    "Mohammed",
    "Ali",
    "Hassan",
    "Yusuf",
    "Omar",
    "Bilal",
    "Karim",
    "Abdi",
    "Mustafa",
    "Emre",
    "Murat",
    "Amir",
    "Reza",
    "Dawit",
    "Milan",
    "Adam",
    "Tobias",
]
FIRST_NAMES_FEMALE = [
    "Sara",
    "Emma",
    "Julie",
    "Amalie",
    "Freja",
    "Fatima",
    "Aisha",
    "Amina",
    "Leyla",
    "Zainab",
    "Hodan",
    "Maria",
    "Nadia",
    "Ida",
    "Cecilie",
]
LAST_NAMES = [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Hussein",
    "Ali",
    "Ahmed",
    "Mohamed",
    "Yilmaz",
    "Demir",
    "Khan",
    "Hassan",
    "Abdi",
    "Karimi",
    "Haddad",
    "Novak",
    "Kowalski",
    "Tesfaye",
    "Rahimi",
    "Osman",
]
LANGUAGE_SETS = [
    ["da"],
    ["da"],
    ["da", "en"],
    ["da", "ar"],
    ["ar", "en"],
    ["da", "so"],
    ["so"],
    ["da", "tr"],
    ["tr"],
    ["ur", "en"],
    ["fa", "da"],
    ["ku", "da"],
    ["ps"],
    ["ti", "en"],
    ["bs", "da"],
    ["pl"],
    ["ru", "en"],
]


@dataclass
class SyntheticMentee:
    mentee: Mentee
    events: list[CustodyEvent] = field(default_factory=list)


def _cpr(born: date, rng: random.Random, male: bool) -> str:
    serial = rng.randrange(0, 10000)
    if serial % 2 != int(male):  # the last digit is odd for men, even for women
        serial = (serial + 1) % 10000
    return born.strftime("%d%m%y") + f"{serial:04d}"


def generate(
    count: int,
    *,
    institutions: Sequence[Institution],
    rng: random.Random,
    today: date,
    taken: set[str],
) -> Iterator[SyntheticMentee]:
    """`count` mentees whose personal ID numbers are not in `taken` (which is extended)."""
    prisons = [i for i in institutions if i.kind != Institution.Kind.PROBATION_OFFICE]
    remand = [i for i in prisons if i.kind == Institution.Kind.REMAND_PRISON] or prisons
    for _ in range(count):
        male = rng.random() < 0.93
        born = today - timedelta(days=rng.randrange(18 * 365, 55 * 365))
        digits = _cpr(born, rng, male)
        while index_for(digits) in taken:
            digits = _cpr(born, rng, male)
        index = index_for(digits)
        taken.add(index)
        admitted = today - timedelta(days=rng.randrange(20, 4 * 365))
        first_place = rng.choice(remand)
        events: list[tuple[str, date, Institution | None]] = [
            (CustodyEvent.Kind.ADMISSION, admitted, first_place)
        ]
        status, place = CustodyStatus.REMAND, first_place
        expected_release = earliest_release = None
        roll = rng.random()
        if roll < 0.08:
            events.append((CustodyEvent.Kind.ACQUITTAL, admitted + timedelta(days=90), None))
            status = CustodyStatus.ACQUITTED
        elif roll > 0.3:
            sentenced = admitted + timedelta(days=rng.randrange(60, 300))
            if sentenced < today:
                events.append((CustodyEvent.Kind.SENTENCING, sentenced, None))
                status = CustodyStatus.SENTENCED
                place = rng.choice(prisons)
                events.append((CustodyEvent.Kind.TRANSFER, sentenced + timedelta(days=14), place))
                expected_release = sentenced + timedelta(days=rng.randrange(180, 8 * 365))
                earliest_release = expected_release - timedelta(
                    days=(expected_release - sentenced).days // 3
                )
                if earliest_release < today and rng.random() < 0.4:
                    events.append((CustodyEvent.Kind.RELEASE_ON_LICENCE, earliest_release, None))
                    status = CustodyStatus.ON_LICENCE
        mentee = Mentee(
            first_name=rng.choice(FIRST_NAMES_MALE if male else FIRST_NAMES_FEMALE),
            last_name=rng.choice(LAST_NAMES),
            date_of_birth=born,
            personal_id=formatted(digits),
            personal_id_index=index,
            gender=Gender.MALE if male else Gender.FEMALE,
            languages=sorted(rng.choice(LANGUAGE_SETS)),
            institution=None if status == CustodyStatus.ACQUITTED else place,
            custody_status=status,
            expected_release_date=expected_release,
            earliest_release_date=earliest_release,
            data_subject_category=DataSubjectCategory.CONVICTED
            if status in {CustodyStatus.SENTENCED, CustodyStatus.ON_LICENCE}
            else DataSubjectCategory.SUSPECT,
        )
        yield SyntheticMentee(
            mentee,
            [
                CustodyEvent(kind=kind, occurred_on=day, institution=where)
                for kind, day, where in events
                if day <= today
            ],
        )


def existing_indexes() -> set[str]:
    return set(Mentee.objects.values_list("personal_id_index", flat=True))


def save_batch(batch: list[SyntheticMentee], programme: Programme | None = None) -> list[int]:
    """Insert one batch (mentees, then their custody events), registered in the programme
    (the installation's default when none is named). Returns the new ids."""
    programme = programme or Programme.objects.default()
    for item in batch:
        item.mentee.programme = programme
    mentees = Mentee.objects.bulk_create([item.mentee for item in batch])
    events = []
    for item, mentee in zip(batch, mentees, strict=True):
        for event in item.events:
            event.mentee = mentee
            events.append(event)
    CustodyEvent.objects.bulk_create(events)
    return [mentee.pk for mentee in mentees]
