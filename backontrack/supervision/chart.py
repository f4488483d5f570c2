"""The wellbeing trend as a server-rendered SVG line chart: one line per question, each with
its own dash pattern and marker shape as well as colour, so that no line is told apart by
colour alone. The page shows the same figures in a table beside it."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format

from .models import Participant

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 48, 44, 16, 40
LINES = (
    ("workload", "#0059b3", ""),
    ("strain", "#b30000", "6 4"),
    ("supported", "#006b2e", "2 3"),
    ("safe", "#6b3fa0", "10 3 2 3"),
)


@dataclass
class Line:
    name: str
    colour: str
    dash: str
    segments: list[str] = field(default_factory=list)  # "x,y x,y …" per unbroken run
    # Each point's centre and, for a square marker, its corner: written out here, since a
    # page in Danish would print a float with a decimal comma.
    dots: list[dict[str, str]] = field(default_factory=list)


def _y(score: int) -> float:
    return TOP + (5 - score) * (HEIGHT - TOP - BOTTOM) / 4


def wellbeing_chart(parts: list[Participant]) -> dict[str, Any]:
    """Geometry of the chart for these sessions, oldest first; "prefer not to say" breaks
    the line."""
    span = WIDTH - LEFT - RIGHT
    step = span / (len(parts) - 1) if len(parts) > 1 else 0
    xs = [LEFT + (i * step if len(parts) > 1 else span / 2) for i in range(len(parts))]
    lines = []
    for name, colour, dash in LINES:
        line = Line(name=name, colour=colour, dash=dash)
        run: list[str] = []
        for x, part in zip(xs, parts, strict=True):
            score = getattr(part, name)
            if score is None:
                if run:
                    line.segments.append(" ".join(run))
                run = []
                continue
            y = _y(score)
            run.append(f"{x:.1f},{y:.1f}")
            line.dots.append(
                {"x": f"{x:.1f}", "y": f"{y:.1f}", "left": f"{x - 4:.1f}", "top": f"{y - 4:.1f}"}
            )
        if run:
            line.segments.append(" ".join(run))
        lines.append(line)
    every = 1 if len(parts) <= 6 else 2  # room for a date under every other point
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "tick_x": LEFT - 8,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 20,
        "ticks": [(score, f"{_y(score):.1f}") for score in range(1, 6)],
        "labels": [
            (f"{x:.1f}", date_format(part.session.held_on, "SHORT_DATE_FORMAT"))
            for i, (x, part) in enumerate(zip(xs, parts, strict=True))
            if (len(parts) - 1 - i) % every == 0
        ],
        "lines": lines,
    }
