"""The evaluator opens the pseudonymised dashboard, downloads a figure, the data set and the
programme report (its page prints without the site around it; its PDF downloads), and
reaches no case page; the pages pass axe on a desktop and a phone, in English and Danish."""

import csv
import io
from pathlib import Path

from playwright.sync_api import Page, expect

from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship

from .helpers import check_accessibility, sign_in


def test_the_evaluator_downloads_the_figures_the_data_set_and_the_report_and_reaches_no_case(
    page: Page, axe_source: str
) -> None:
    sign_in(page, "evaluator")
    page.get_by_role("link", name="Open the programme dashboard").click()
    expect(page.get_by_role("heading", name="Referrals by criterion", exact=True)).to_be_visible()
    expect(page.get_by_text("<5").first).to_be_visible()
    check_accessibility(page, axe_source, "evaluation-dashboard")
    with page.expect_download() as figure:
        page.get_by_role(
            "link", name="Download “From referral to active mentorship” as CSV"
        ).click()
    assert figure.value.suggested_filename.startswith("funnel-")

    page.get_by_role("link", name="Download the pseudonymised data set").click()
    check_accessibility(page, axe_source, "evaluation-data-set")
    page.get_by_label("Purpose of the export").fill("Annual evaluation")
    page.get_by_label("Cases (CSV)").check()
    with page.expect_download() as data_set:
        page.get_by_role("button", name="Download").click()
    text = Path(data_set.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and "person" in rows[0]
    assert not [m.last_name for m in Mentee.objects.all() if m.last_name in text]

    page.goto("/")
    page.get_by_role(
        "link", name="The programme report (figures, follow-ups, lessons; PDF)"
    ).click()
    expect(page.get_by_role("heading", name="Programme report: Back on Track")).to_be_visible()
    expect(page.get_by_role("heading", name="Lessons adopted")).to_be_visible()
    expect(page.get_by_text("<5").first).to_be_visible()
    check_accessibility(page, axe_source, "evaluation-report", full_page=False)
    with page.expect_download() as report:
        page.get_by_role("link", name="Download the report as PDF").click()
    assert report.value.suggested_filename.startswith("programme-report-")
    assert Path(report.value.path()).read_bytes().startswith(b"%PDF")
    page.emulate_media(media="print")
    expect(page.locator("header.header")).to_be_hidden()
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    expect(page.get_by_role("heading", name="Key figures")).to_be_visible()
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/evaluation/")
    check_accessibility(page, axe_source, "evaluation-dashboard-phone")
    page.get_by_role("button", name="Dansk").click()
    expect(page.get_by_role("heading", name="Programmets overblik")).to_be_visible()
    check_accessibility(page, axe_source, "evaluation-dashboard-phone-da")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/evaluation/data-set/")
    check_accessibility(page, axe_source, "evaluation-data-set-da")

    for path in (
        f"/mentorships/{Mentorship.objects.earliest('id').pk}/",
        f"/mentees/{Mentee.objects.earliest('id').pk}/",
        "/referrals/",
        "/evaluation/follow-ups/",
        "/evaluation/indicators/",
    ):
        assert page.goto(path).status == 404  # type: ignore[union-attr]
