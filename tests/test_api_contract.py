"""The API against its own OpenAPI description (schemathesis): for every operation, examples
generated from the description are sent with the token of every role that has one and with
a system client's; no answer is a server error, and every answer (status, content type,
headers, body) is one the description allows. A fixed number of examples an operation, drawn
deterministically, keeps it to about a minute. It runs once, in the SQLite pass, as the walks
of every page do (marker `every_page`): the calls are the same on either engine. (Run in
the PostgreSQL pass once, every operation's calls found the database connection closed:
schemathesis calls the WSGI application directly, not through the test client.)"""

import itertools
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backontrack.accounts.models import User
from backontrack.accounts.step_up import SteppedUp
from backontrack.api import services as api_services
from backontrack.api.v1 import api
from backontrack.core import access
from backontrack.mentorships.models import Mentorship
from backontrack.programmes.models import Programme

pytestmark = [pytest.mark.django_db, pytest.mark.every_page]

EXAMPLES = 3
# No server error, and nothing the description does not allow. (Whether an input the
# schema allows is accepted is not asked: the forms behind the calls refuse more than
# types can say, a cursor must be one the API gave, and each refusal is described.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = get_wsgi_application()


@pytest.fixture
def tokens() -> dict[str, str]:
    """One person of each role the API serves (auditors, administrators and trainers have
    no scope), and a system client."""
    mentorship = Mentorship.objects.filter(status="active").exclude(coach=None).first()
    assert mentorship is not None and mentorship.coach is not None
    people: list[User | None] = [mentorship.mentor.user, mentorship.coach.user]
    people += [
        User.objects.get(username=name)
        for name in ("coordinator", "referrer", "evaluator", "liaison-ministry")
    ]
    found = {}
    for user in people:
        assert user is not None
        _token, secret = api_services.token_create(
            actor=user,
            name="contract",
            scopes=access.api_scopes_of(user),
            days=1,
            proof=SteppedUp(user_id=user.pk, at=timezone.now()),
        )
        found[user.username] = secret
    coordinator = User.objects.get(username="coordinator")
    _client, secret = api_services.client_create(
        actor=coordinator,
        name="Contract register",
        programme=Programme.objects.default(),
        proof=SteppedUp(user_id=coordinator.pk, at=timezone.now()),
    )
    found["system"] = secret
    return found


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_described_and_none_is_a_server_error(
    case: Any, tokens: dict[str, str]
) -> None:
    secrets = list(tokens.values())
    if case.meta is not None and case.meta.generation.mode.is_negative:
        # An input the description refuses is refused before the token's scope is asked
        # (the answer is the same 422 or 405 whoever calls): each such example goes with one
        # token, the next example with the next, so that every token still sends some.
        secrets = [secrets[next(_negative_examples) % len(secrets)]]
    for secret in secrets:
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)


_negative_examples = itertools.count()
