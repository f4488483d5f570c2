"""The programme report for a period: key figures, the dashboard's main figures with their
charts, the follow-up outcomes, the theory of change's indicators and the lessons adopted — a
document that leaves the programme, so every count under 5 is "<5" for every reader. The same
report is a printable page and a PDF (reportlab, docs/decisions/0031-programme-report.md)."""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from backontrack.lessons.selectors import AdoptedLesson

from . import dashboard as figures
from . import theory
from .dashboard import HIDDEN, SMALL, Period, Table

BLUE = colors.HexColor("#0059b3")


@dataclass
class Section:
    title: str | Promise
    intro: str | Promise
    tables: list[Table]


@dataclass
class Report:
    period: Period
    key_figures: list[tuple[str | Promise, Any]]
    sections: list[Section]
    lessons: list[AdoptedLesson]
    made_on: date


def _count(value: int) -> int | str:
    return HIDDEN if value < SMALL else value


def _first(table: Table, row: int) -> int:
    value = table.rows[row][1][0] if len(table.rows) > row else 0
    return value if isinstance(value, int) else 0


def build(period: Period, lessons: list[AdoptedLesson]) -> Report:
    """The report's figures, in a fixed number of queries (those of the sections it reuses)."""
    funnel = figures.funnel(period)
    over_time, _by_phase = figures.caseload(period)
    closures = figures.closures(period)
    reconviction, milieu = figures.follow_ups(period)
    indicators = theory.tables(period, pseudonymised=False)
    follow_ups = sum(v for _label, values in reconviction.rows for v in values)
    key_figures: list[tuple[str | Promise, Any]] = [
        (_("Referrals received"), _count(_first(funnel, 0))),
        (_("Referrals that led to an active mentorship"), _count(_first(funnel, 4))),
        (
            _("Mentorships under way at the end of the period"),
            _count(_first(over_time, len(over_time.rows) - 1)),
        ),
        (
            _("Mentorships closed"),
            _count(sum(_first(closures, r) for r in range(len(closures.rows)))),
        ),
        (_("Follow-ups recorded"), _count(follow_ups)),
        (_("Lessons adopted"), len(lessons)),
    ]
    sections = [
        Section(
            _("The programme's cases"),
            _("From referral to active mentorship, the caseload and how mentorships ended."),
            [funnel, over_time, figures.meeting_frequency(period), closures],
        ),
        Section(
            _("What the mentorships achieved"),
            _("Goals settled by aim area and re-entry needs secured by the release."),
            [figures.goals(period), figures.reentry(period)],
        ),
        Section(
            _("Follow-up outcomes"),
            _(
                "What became of people 6, 12 and 24 months after their mentorship closed, "
                "against eligible people who were never matched."
            ),
            [reconviction, milieu],
        ),
        Section(
            _("Theory of change"),
            _("The indicators the programme set itself, over the period."),
            indicators,
        ),
    ]
    for section in sections:
        section.tables = [t.suppressed() for t in section.tables]
    return Report(period, key_figures, sections, lessons, timezone.localdate())


# --- The PDF -------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    """A cell as the page shows it: a dash for nothing, a number in the reader's language."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return number_format(value)
    return str(value)


def _text(value: Any) -> str:
    """A cell or a text as a paragraph's markup."""
    return escape(_plain(value))


def _chart(table: Table, width: float) -> Drawing:
    """The table's first column as horizontal bars, as on the page."""
    bars = table.bars()
    row_height, label_width, value_width = 12, width * 0.4, 30
    drawing = Drawing(width, row_height * len(bars) + 4)
    room = width - label_width - value_width - 8
    for n, (label, value, length) in enumerate(bars):
        y = drawing.height - (n + 1) * row_height
        drawing.add(String(0, y + 2, str(label)[:48], fontName="Helvetica", fontSize=7))
        if length:
            drawing.add(
                Rect(
                    label_width,
                    y + 1,
                    room * length / 100,
                    row_height - 4,
                    fillColor=BLUE,
                    strokeColor=None,
                )
            )
        drawing.add(
            String(
                width,
                y + 2,
                _plain(value),  # a drawing's text is not markup
                fontName="Helvetica",
                fontSize=7,
                textAnchor="end",
            )
        )
    return drawing


def _table(table: Table, width: float, styles: Any) -> list[Flowable]:
    cell = styles["BodyText"].clone("cell", fontSize=7, leading=9)
    head = cell.clone("head", fontName="Helvetica-Bold")
    data = [[Paragraph("", head), *(Paragraph(_text(c), head) for c in table.columns)]]
    data += [
        [Paragraph(_text(label), cell), *(Paragraph(_text(v), cell) for v in values)]
        for label, values in table.rows
    ]
    first = width * 0.34
    rest = (width - first) / max(len(table.columns), 1)
    grid = PdfTable(data, colWidths=[first, *([rest] * len(table.columns))], repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f5f5")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    parts: list[Flowable] = [Paragraph(_text(table.title), styles["Heading3"])]
    if table.note:
        parts.append(Paragraph(_text(table.note), styles["Italic"]))
    # The heading stays with its chart; a long table goes on over the page, its header repeated.
    return [
        KeepTogether([*parts, _chart(table, width)]),
        Spacer(1, 2 * mm),
        grid,
        Spacer(1, 5 * mm),
    ]


def as_pdf(report: Report) -> bytes:
    """The report as an A4 PDF: no names, small counts hidden, as on the page."""
    out = io.BytesIO()
    period = report.period
    title = _("Programme report: %(programme)s") % {"programme": period.programme}
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author="Back on Track",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    styles = getSampleStyleSheet()
    width = document.width
    story: list[Flowable] = [
        Paragraph(_text(title), styles["Title"]),
        Paragraph(
            _text(
                _("%(start)s to %(end)s. Made on %(made)s.")
                % {
                    "start": date_format(period.start, "DATE_FORMAT"),
                    "end": date_format(period.end, "DATE_FORMAT"),
                    "made": date_format(report.made_on, "DATE_FORMAT"),
                }
                + " "
                + _("Every count under 5 is shown as %(hidden)s.") % {"hidden": HIDDEN}
            ),
            styles["BodyText"],
        ),
        Paragraph(_text(_("Key figures")), styles["Heading2"]),
        PdfTable(
            [
                [Paragraph(_text(label), styles["BodyText"]), _text(value)]
                for label, value in report.key_figures
            ],
            colWidths=[width * 0.7, width * 0.3],
        ),
    ]
    for section in report.sections:
        story += [
            Paragraph(_text(section.title), styles["Heading2"]),
            Paragraph(_text(section.intro), styles["BodyText"]),
        ]
        if not section.tables:
            story.append(Paragraph(_text(_("None in this period.")), styles["BodyText"]))
        for table in section.tables:
            story += _table(table, width, styles)
    story.append(Paragraph(_text(_("Lessons adopted")), styles["Heading2"]))
    if not report.lessons:
        story.append(
            Paragraph(_text(_("No lessons were adopted in this period.")), styles["BodyText"])
        )
    for lesson in report.lessons:
        when = date_format(lesson.adopted_on, "SHORT_DATE_FORMAT") if lesson.adopted_on else ""
        story += [
            Paragraph(_text(lesson.title), styles["Heading4"]),
            Paragraph(
                _text(
                    _("Adopted on %(date)s; proposed by a %(role)s")
                    % {"date": when, "role": lesson.author_role.lower()}
                    + (f" · {', '.join(lesson.tags)}" if lesson.tags else "")
                ),
                styles["Italic"],
            ),
            Paragraph(
                f"<b>{_text(_('What happened'))}</b>: {_text(lesson.what_happened)}",
                styles["BodyText"],
            ),
            Paragraph(
                f"<b>{_text(_('What we learned'))}</b>: {_text(lesson.what_we_learned)}",
                styles["BodyText"],
            ),
        ]
    document.build(story)
    return out.getvalue()
