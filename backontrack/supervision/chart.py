"""The wellbeing trend as a server-rendered SVG line chart: one line per question, each with
its own dash pattern and marker shape as well as colour, so that no line is told apart by
colour alone. The page shows the same figures in a table beside it."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format

from .models import Participant

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 40, 16, 16, 40
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
    dots: list[tuple[float, float]] = field(default_factory=list)


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
            run.append(f"{x:.1f},{_y(score):.1f}")
            line.dots.append((round(x, 1), round(_y(score), 1)))
        if run:
            line.segments.append(" ".join(run))
        lines.append(line)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": HEIGHT - BOTTOM,
        "ticks": [(score, round(_y(score), 1)) for score in range(1, 6)],
        "labels": [
            (round(x, 1), date_format(part.session.held_on, "SHORT_DATE_FORMAT"))
            for x, part in zip(xs, parts, strict=True)
        ],
        "lines": lines,
    }
