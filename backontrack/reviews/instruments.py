"""Instruments are data: a JSON file per version, checked whole before anything is stored.
`backontrack load-instrument FILE` loads one; the open default instrument ships in
`instruments/` and is loaded by a migration."""

import json
import re
from pathlib import Path
from typing import Any

from django.db import transaction

DEFAULT = Path(__file__).parent / "instruments" / "desistance-v1.json"
KINDS = ("risk", "protective")
MAX_BYTES = 256 * 1024
MAX_TEXT = 500
CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SMALLINT = range(-32768, 32768)


class InvalidInstrument(Exception):
    """The file is not a valid instrument; the message names the problem and where."""


def _text(value: Any, where: str) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("en"), str) or not value["en"]:
        raise InvalidInstrument(f'{where}: needs an English text, as {{"en": "…"}}')
    for language, text in value.items():
        if not isinstance(text, str):
            raise InvalidInstrument(f"{where}.{language}: must be a text")
        if len(text) > MAX_TEXT:
            raise InvalidInstrument(f"{where}.{language}: longer than {MAX_TEXT} characters")


def _code(value: Any, where: str) -> str:
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise InvalidInstrument(f"{where}: must be a code of 1 to 64 letters, digits, - and _")
    return value


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in SMALLINT


def check(definition: Any) -> dict[str, Any]:
    """The definition, if valid; else InvalidInstrument naming the first problem."""
    if not isinstance(definition, dict):
        raise InvalidInstrument("the file must hold one JSON object")
    for key in ("code", "version", "name", "scale", "domains"):
        if key not in definition:
            raise InvalidInstrument(f"'{key}' is missing")
    _code(definition["code"], "code")
    if not _whole(definition["version"]) or definition["version"] < 1:
        raise InvalidInstrument("version: must be a whole number from 1")
    _text(definition["name"], "name")
    if not isinstance(definition.get("requires_licence", False), bool):
        raise InvalidInstrument("requires_licence: must be true or false")
    scale = definition["scale"]
    if not isinstance(scale, list) or len(scale) < 2:
        raise InvalidInstrument("scale: needs at least two steps")
    values = []
    for n, step in enumerate(scale):
        if not isinstance(step, dict) or not _whole(step.get("value")):
            raise InvalidInstrument(f"scale[{n}].value: must be a whole number")
        _text(step.get("label"), f"scale[{n}].label")
        values.append(step["value"])
    if len(set(values)) != len(values):
        raise InvalidInstrument("scale: two steps have the same value")
    domains = definition["domains"]
    if not isinstance(domains, list) or not domains:
        raise InvalidInstrument("domains: needs at least one domain")
    seen: set[str] = set()
    for d, domain in enumerate(domains):
        where = f"domains[{d}]"
        if not isinstance(domain, dict):
            raise InvalidInstrument(f"{where}: must be an object")
        _code(domain.get("code"), f"{where}.code")
        _text(domain.get("name"), f"{where}.name")
        items = domain.get("items")
        if not isinstance(items, list) or not items:
            raise InvalidInstrument(f"{where}.items: needs at least one item")
        for i, item in enumerate(items):
            at = f"{where}.items[{i}]"
            if not isinstance(item, dict):
                raise InvalidInstrument(f"{at}: must be an object")
            code = _code(item.get("code"), f"{at}.code")
            if code in seen:
                raise InvalidInstrument(f"{at}.code: '{code}' is used twice")
            seen.add(code)
            if item.get("kind") not in KINDS:
                raise InvalidInstrument(f"{at}.kind: must be 'risk' or 'protective'")
            _text(item.get("text"), f"{at}.text")
    return definition


def parse(raw: str) -> dict[str, Any]:
    if len(raw.encode("utf-8")) > MAX_BYTES:
        raise InvalidInstrument(f"the file is larger than {MAX_BYTES // 1024} KB")
    try:
        definition = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInstrument(f"not valid JSON: {error}") from error
    except RecursionError as error:
        raise InvalidInstrument("not valid JSON: nested too deeply") from error
    return check(definition)


@transaction.atomic
def load(raw: str, instrument_model: Any) -> tuple[Any, bool]:
    """Store a checked instrument (model passed in, so that migrations can use it). A
    version is never changed once loaded: the same file again is a no-op, a different one
    under the same code and version is refused."""
    definition = parse(raw)
    existing = instrument_model.objects.filter(
        code=definition["code"], version=definition["version"]
    ).first()
    if existing is not None:
        if existing.definition != definition:
            raise InvalidInstrument(
                f"{definition['code']} version {definition['version']} is loaded already "
                "with other content; give the changed instrument a new version"
            )
        return existing, False
    return (
        instrument_model.objects.create(
            code=definition["code"],
            version=definition["version"],
            definition=definition,
            requires_licence=definition.get("requires_licence", False),
        ),
        True,
    )


def ensure_default(instrument_model: Any) -> Any:
    """The shipped instrument, loaded if it is not (a test database emptied between tests
    loses what the migration loaded, as `mentors.curriculum.ensure` knows too)."""
    instrument, _new = load(DEFAULT.read_text(encoding="utf-8"), instrument_model)
    return instrument
