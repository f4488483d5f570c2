"""The demo's prison register: connected to Back on Track by its coordinator, and the
people of the programme known to it by the register's ids (docs/guide/api.md)."""

from django.test.utils import override_settings
from django.utils import timezone

from backontrack.accounts.models import User
from backontrack.accounts.step_up import SteppedUp
from backontrack.api import services as api
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme

REGISTER = "Kriminalforsorgens fængselsregister"


def load() -> None:
    programme = Programme.objects.default()
    coordinator = User.objects.get(username="coordinator")
    # The demo's coordinator connects the register without a screen to step up on, and no
    # one reads the e-mail that says a secret was made.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        api.client_create(
            actor=coordinator,
            name=REGISTER,
            programme=programme,
            proof=SteppedUp(user_id=coordinator.pk, at=timezone.now()),
        )
    people = list(Mentee.objects.filter(programme=programme).only("id"))
    for person in people:
        person.register_id = f"KF-{person.pk:06d}"
    Mentee.objects.bulk_update(people, ["register_id"], batch_size=500)
