"""Lessons learned in both programmes over the last eighteen months, in every state: proposed
by the mentors, coaches and coordinators, discussed, adopted or declined by the
coordinators, one of them changed by its author. Everything goes through the real services;
only the dates are set back afterwards, to when it happened. The texts name nobody."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.lessons import services
from backontrack.lessons.models import BuiltInTag, Lesson, LessonChange, LessonStatus, Tag
from backontrack.programmes.models import Programme

from .guard import demo_only

SPECIAL_SCHEME = "Special mentoring scheme"
SPECIAL_TAG = "Online-miljøer"


@dataclass(frozen=True)
class Story:
    special: bool  # the special mentoring scheme's, else Back on Track's
    author: str
    days_ago: int
    title: str
    what_happened: str
    what_we_learned: str
    tags: tuple[str, ...]
    # The coordinator's moves, each with its note and how many days after the proposal.
    moves: tuple[tuple[str, str, int], ...] = ()
    period_days: tuple[int, int] | None = None  # from and to, days before the proposal
    rewording: str = ""  # the author changed what we learned to this while proposed


DISCUSSED = LessonStatus.DISCUSSED
ADOPTED = LessonStatus.ADOPTED
DECLINED = LessonStatus.DECLINED

STORIES = [
    Story(
        False,
        "mentor05",
        520,
        "Besøg under lockdown: aftal telefontid på forhånd",
        "Arresthuset lukkede ned i tre uger efter en brand på en anden afdeling. Mentoren "
        "kunne ikke komme ind, og den indsatte havde ingen fast telefontid, så kontakten "
        "faldt helt bort i den periode.",
        "Aftal allerede ved første møde en fast telefontid med fængslets kontaktperson, så "
        "kontakten kan fortsætte, når besøg ikke er mulige.",
        (BuiltInTag.CUSTODY, BuiltInTag.TRAINING),
        moves=(
            (DISCUSSED, "Drøftet på mentormødet i marts; alle kender situationen.", 14),
            (
                ADOPTED,
                "Telefontid aftales nu ved første møde; taget ind i kurset om "
                "mentorforløb i fængsel.",
                30,
            ),
        ),
        period_days=(40, 20),
    ),
    Story(
        False,
        "mentor01",
        470,
        "Inddrag familien allerede i varetægtsfasen",
        "Familien hørte først om mentorforløbet ved dommen. Da var forældrene mistroiske "
        "over for alle fra systemet, og der gik måneder, før en aftale kom på plads.",
        "Spørg den indsatte tidligt, om familien må kontaktes, og tilbyd et fælles møde "
        "inden dommen, når samtykket er på plads.",
        (BuiltInTag.FAMILY,),
        moves=(
            (DISCUSSED, "Drøftet med coacherne.", 10),
            (ADOPTED, "Tilføjet som trin i planen for nye forløb.", 21),
        ),
    ),
    Story(
        False,
        "coordinator",
        400,
        "Boligansøgning skal i gang seks måneder før løsladelse",
        "To løsladelser i træk endte på herberg, fordi kommunens boligtilbud først kom "
        "efter løsladelsesdatoen.",
        "Kontakt kommunen om bolig seks måneder før forventet løsladelse, ikke tre; "
        "genindslusningsplanen viser nu datoen.",
        (BuiltInTag.RE_ENTRY, BuiltInTag.COORDINATION),
        moves=(
            (DISCUSSED, "Drøftet i arbejdsgruppen med kommunerne.", 7),
            (ADOPTED, "Aftalt med kommunerne: henvendelse seks måneder før.", 35),
        ),
    ),
    Story(
        False,
        "mentor03",
        260,
        "Samtaler om konspirationsteorier kræver andre greb",
        "Mentoren forsøgte at modbevise en konspirationsteori med fakta. Samtalen gik i "
        "hårdknude, og de næste to møder blev aflyst af den indsatte.",
        "Spørg nysgerrigt ind til, hvad teorien giver personen, i stedet for at "
        "argumentere; kurset i dialogteknik kunne øve netop dette.",
        (BuiltInTag.TRAINING,),
        moves=((DISCUSSED, "Drøftet med underviseren; forslag til en øvelse er på vej.", 12),),
    ),
    Story(
        False,
        "mentor04",
        180,
        "Fælles kalender med fængslets kontaktperson",
        "Tre besøg faldt sammen med afdelingens aktiviteter, fordi mentoren ikke kendte ugeplanen.",
        "En delt ugeplan med kontaktpersonen ville spare aflysninger.",
        (BuiltInTag.COORDINATION, BuiltInTag.CUSTODY),
        moves=((DISCUSSED, "Fængslet vender tilbage om, hvad der kan deles.", 9),),
    ),
    Story(
        False,
        "mentor06",
        150,
        "Ugentlige statusmøder for alle mentorer",
        "Mentorerne savnede at høre om hinandens forløb.",
        "Et ugentligt statusmøde for hele mentorkorpset.",
        (BuiltInTag.COORDINATION,),
        moves=(
            (
                DECLINED,
                "For stor tidsbyrde; coachernes supervision hver fjortende dag og "
                "mentormødet hver måned dækker behovet.",
                15,
            ),
        ),
    ),
    Story(
        False,
        "mentor05",
        45,
        "Overflytning uden varsel afbryder forløbet",
        "Den indsatte blev overflyttet til et andet fængsel en fredag, og mentoren hørte "
        "det først ved næste besøg.",
        "Kriminalforsorgen kunne give mentoren besked ved overflytning, så det næste møde "
        "kan aftales i det nye fængsel.",
        (BuiltInTag.CUSTODY, BuiltInTag.COORDINATION),
    ),
    Story(
        False,
        "mentor02",
        20,
        "Supervision efter svære samtaler",
        "Efter en samtale om trusler mod en medindsat havde mentoren brug for at tale med "
        "nogen samme dag, men næste supervision lå to uger ude.",
        "Coacherne kunne tilbyde en kort samtale samme dag efter svære møder.",
        (BuiltInTag.TRAINING,),
    ),
    Story(
        False,
        "mentor07",
        9,
        "Tolk ved familiemøder",
        "Et familiemøde blev holdt uden tolk, og moren forstod ikke aftalerne.",
        "Bestil tolk til familiemøder, også når den indsatte selv taler dansk.",
        (BuiltInTag.FAMILY,),
        rewording="Bestil tolk til familiemøder, også når den indsatte selv taler dansk; "
        "spørg familien, hvilket sprog de foretrækker.",
    ),
    Story(
        True,
        "mentor02",
        300,
        "Kontakt til online-miljøer efter løsladelse",
        "Efter løsladelsen var den tidligere indsatte hurtigt tilbage i de samme "
        "onlinefora, og mentoren opdagede det først en måned senere.",
        "Tal åbent om onlinefællesskaber før løsladelsen, og læg en plan for nye "
        "fællesskaber; mentorerne har brug for viden om platformene.",
        (BuiltInTag.TRAINING, BuiltInTag.RE_ENTRY),
        moves=(
            (DISCUSSED, "Drøftet i den særlige ordnings mentorgruppe.", 8),
            (ADOPTED, "Et modul om online-miljøer indgår i næste kursusrunde.", 40),
        ),
    ),
    Story(
        True,
        "mentor03",
        120,
        "Søskende kan være den stærkeste støtte",
        "En bror, som ingen havde tænkt på, blev den vigtigste kontakt under afsoningen.",
        "Spørg bredt til hele netværket, ikke kun forældre og partner.",
        (BuiltInTag.FAMILY,),
        moves=((DISCUSSED, "Drøftet; vi ser på netværkskortet i næste forløb.", 6),),
    ),
    Story(
        True,
        "mentor04",
        30,
        "Jobcentret skal med i planen før løsladelse",
        "Den løsladte ventede seks uger på første møde i jobcentret.",
        "Inviter jobcentret med til det sidste møde før løsladelsen.",
        (BuiltInTag.RE_ENTRY,),
    ),
    Story(
        True,
        "mentor01",
        200,
        "Mentorerne skal have adgang til fængslets intranet",
        "Mentoren kunne ikke se afdelingens aktivitetsplan.",
        "Giv mentorerne adgang til fængslets intranet.",
        (BuiltInTag.COORDINATION,),
        moves=(
            (
                DECLINED,
                "Ikke muligt af sikkerhedshensyn; kontaktpersonen sender i stedet ugeplanen.",
                20,
            ),
        ),
    ),
]


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def load(*, today: date) -> None:
    demo_only()
    back_on_track = Programme.objects.default()
    special = Programme.objects.get(name=SPECIAL_SCHEME)
    special_coordinator = User.objects.get(username="coordinator-special")
    own_tag = services.tag_create(actor=special_coordinator, programme=special, name=SPECIAL_TAG)
    built_in = {tag.code: tag for tag in Tag.objects.filter(programme__isnull=True)}
    coordinator = User.objects.get(username="coordinator")
    for story in STORIES:
        programme = special if story.special else back_on_track
        decider = special_coordinator if story.special else coordinator
        tags = [built_in[code] for code in story.tags]
        if story.special and BuiltInTag.TRAINING in story.tags:
            tags.append(own_tag)
        proposed_on = today - timedelta(days=story.days_ago)
        period = (
            (
                proposed_on - timedelta(days=story.period_days[0]),
                proposed_on - timedelta(days=story.period_days[1]),
            )
            if story.period_days
            else (None, None)
        )
        data = services.LessonData(
            title=story.title,
            what_happened=story.what_happened,
            what_we_learned=story.what_we_learned,
            tags=tags,
            period_start=period[0],
            period_end=period[1],
        )
        author = User.objects.get(username=story.author)
        lesson = services.lesson_propose(
            actor=author, programme=programme, data=data, names_confirmed=False
        )
        changes = [(lesson.changes.get(), proposed_on)]
        if story.rewording:
            data.what_we_learned = story.rewording
            lesson = services.lesson_update(
                actor=author,
                lesson=lesson,
                version=lesson.version,
                data=data,
                names_confirmed=False,
            )
            changes.append((lesson.changes.latest("id"), proposed_on + timedelta(days=1)))
        decided_on = None
        for to_status, note, after in story.moves:
            lesson = services.lesson_move(
                actor=decider, lesson=lesson, version=lesson.version, to_status=to_status, note=note
            )
            changes.append((lesson.changes.latest("id"), proposed_on + timedelta(days=after)))
            if to_status in (ADOPTED, DECLINED):
                decided_on = proposed_on + timedelta(days=after)
        Lesson.objects.filter(pk=lesson.pk).update(proposed_on=proposed_on, decided_on=decided_on)
        for change, day in changes:
            LessonChange.objects.filter(pk=change.pk).update(changed_at=_at(day))
