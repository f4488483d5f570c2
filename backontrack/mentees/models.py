from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backontrack.accounts.models import Institution
from backontrack.core.fields import EncryptedTextField
from backontrack.core.models import RowKeyed
from backontrack.programmes.models import Programme


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    NOT_STATED = "not_stated", _("Not stated")


class CustodyStatus(models.TextChoices):
    REMAND = "remand", _("On remand")
    SENTENCED = "sentenced", _("Serving a sentence")
    ON_LICENCE = "on_licence", _("Conditionally released (on licence)")
    RELEASED = "released", _("Released")
    ACQUITTED = "acquitted", _("Acquitted")


class DataSubjectCategory(models.TextChoices):
    """The law-enforcement data rules (Directive 2016/680 Art. 6) require the category."""

    CONVICTED = "convicted", _("Convicted of a criminal offence")
    SUSPECT = "suspect", _("Suspected or charged")
    OTHER = "other", _("Other (for example a person at risk)")


# The category that follows from the custody status. A released person may have been
# convicted or not, so for them the category is asked.
CATEGORY_OF_CUSTODY_STATUS = {
    CustodyStatus.REMAND: DataSubjectCategory.SUSPECT,
    CustodyStatus.SENTENCED: DataSubjectCategory.CONVICTED,
    CustodyStatus.ON_LICENCE: DataSubjectCategory.CONVICTED,
    CustodyStatus.ACQUITTED: DataSubjectCategory.OTHER,
}


class Language(models.TextChoices):
    DANISH = "da", _("Danish")
    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")
    SOMALI = "so", _("Somali")
    TURKISH = "tr", _("Turkish")
    URDU = "ur", _("Urdu")
    PERSIAN = "fa", _("Persian")
    KURDISH = "ku", _("Kurdish")
    PASHTO = "ps", _("Pashto")
    TIGRINYA = "ti", _("Tigrinya")
    BOSNIAN = "bs", _("Bosnian, Croatian or Serbian")
    POLISH = "pl", _("Polish")
    RUSSIAN = "ru", _("Russian")
    GERMAN = "de", _("German")
    FRENCH = "fr", _("French")


class Mentee(RowKeyed):
    """A person in the programme. The personal identification number is stored encrypted;
    `personal_id_index` (a keyed hash) finds it by exact match and keeps it unique."""

    # The programme whose coordinator registered the person (a referral brings them into its
    # own programme too: a person may take part in several over time).
    programme = models.ForeignKey(
        Programme, verbose_name=_("registered in"), on_delete=models.PROTECT, related_name="+"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    personal_id = EncryptedTextField(_("personal identification number"))
    personal_id_index = models.CharField(max_length=64, unique=True, editable=False)
    # The prison register's own id for the person: its imports and pushes find them by it.
    register_id = models.CharField(
        _("register id"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    mentor_gender_preference = models.CharField(
        _("preferred gender of the mentor"),
        max_length=16,
        choices=[(Gender.FEMALE, _("A woman")), (Gender.MALE, _("A man"))],
        blank=True,
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentees",
    )
    custody_status = models.CharField(
        _("custody status"), max_length=16, choices=CustodyStatus.choices
    )
    expected_release_date = models.DateField(_("expected release date"), null=True, blank=True)
    earliest_release_date = models.DateField(_("earliest release date"), null=True, blank=True)
    data_subject_category = models.CharField(
        _("data-subject category"), max_length=16, choices=DataSubjectCategory.choices
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering: ClassVar = ["last_name", "first_name", "id"]
        verbose_name = _("mentee")
        verbose_name_plural = _("mentees")
        indexes: ClassVar = [
            models.Index(fields=["last_name", "first_name", "id"]),
            models.Index(fields=["custody_status"]),
            models.Index(fields=["institution", "last_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def language_labels(self) -> list[str]:
        return [str(Language(code).label) for code in self.languages if code in Language.values]


class CustodyEvent(RowKeyed):
    class Kind(models.TextChoices):
        ADMISSION = "admission", _("Admitted (remand)")
        TRANSFER = "transfer", _("Transferred")
        SENTENCING = "sentencing", _("Sentenced")
        RELEASE_ON_LICENCE = "release_on_licence", _("Released on licence")
        RELEASE = "release", _("Released")
        RECALL = "recall", _("Recalled to custody")
        ACQUITTAL = "acquittal", _("Acquitted")

    mentee = models.ForeignKey(Mentee, on_delete=models.CASCADE, related_name="custody_events")
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = EncryptedTextField(_("note"), blank=True)
    # The register's id for the event, when the register sent it: sent again, it is not
    # recorded twice.
    register_id = models.CharField(
        _("register id"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-occurred_on", "-id"]
        verbose_name = _("custody event")
        indexes: ClassVar = [models.Index(fields=["mentee", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


# What each custody event does to the custody status (None: leaves it as it is).
STATUS_AFTER = {
    CustodyEvent.Kind.ADMISSION: CustodyStatus.REMAND,
    CustodyEvent.Kind.TRANSFER: None,
    CustodyEvent.Kind.SENTENCING: CustodyStatus.SENTENCED,
    CustodyEvent.Kind.RELEASE_ON_LICENCE: CustodyStatus.ON_LICENCE,
    CustodyEvent.Kind.RELEASE: CustodyStatus.RELEASED,
    CustodyEvent.Kind.RECALL: CustodyStatus.SENTENCED,
    CustodyEvent.Kind.ACQUITTAL: CustodyStatus.ACQUITTED,
}


class Consent(RowKeyed):
    """The mentee's voluntary consent, with its scope. Withdrawn consent is kept (dated) so
    the record shows what was agreed when."""

    class How(models.TextChoices):
        WRITTEN = "written", _("In writing, signed")
        ORAL = "oral", _("Orally, in a meeting")
        THROUGH_STAFF = "through_staff", _("Through prison or probation staff")

    mentee = models.ForeignKey(Mentee, on_delete=models.CASCADE, related_name="consents")
    given_on = models.DateField(_("date given"))
    how = models.CharField(_("how it was given"), max_length=16, choices=How.choices)
    participation = models.BooleanField(_("taking part in the programme"), default=False)
    contact_network = models.BooleanField(_("contacting family and network"), default=False)
    share_with_agencies = models.BooleanField(_("sharing with named agencies"), default=False)
    agencies = EncryptedTextField(_("agencies"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_note = EncryptedTextField(_("withdrawal"), blank=True)

    class Meta:
        ordering: ClassVar = ["-given_on", "-id"]
        verbose_name = _("consent")
        indexes: ClassVar = [models.Index(fields=["mentee", "withdrawn_on"])]

    def __str__(self) -> str:
        return f"consent {self.given_on}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None

    def scope_labels(self) -> list[str]:
        labels = []
        if self.participation:
            labels.append(str(_("taking part in the programme")))
        if self.contact_network:
            labels.append(str(_("contacting family and network")))
        if self.share_with_agencies:
            labels.append(str(_("sharing with %(agencies)s") % {"agencies": self.agencies}))
        return labels
