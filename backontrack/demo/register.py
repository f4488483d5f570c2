"""The demo's prison register: connected to Back on Track by its coordinator, and the
people of the programme known to it by the register's ids (docs/guide/api.md)."""

from backontrack.accounts.models import User
from backontrack.api import services as api
from backontrack.mentees.models import Mentee
from backontrack.programmes.models import Programme

REGISTER = "Kriminalforsorgens fængselsregister"


def load() -> None:
    programme = Programme.objects.default()
    api.client_create(
        actor=User.objects.get(username="coordinator"), name=REGISTER, programme=programme
    )
    people = list(Mentee.objects.filter(programme=programme).only("id"))
    for person in people:
        person.register_id = f"KF-{person.pk:06d}"
    Mentee.objects.bulk_update(people, ["register_id"], batch_size=500)
