"""The evaluator opens the pseudonymised dashboard, downloads a figure and the data set, and
reaches no case page; the pages pass axe on a desktop and a phone, in English and Danish."""

import csv
import io
from pathlib import Path

from playwright.sync_api import Page, expect

from backontrack.mentees.models import Mentee
from backontrack.mentorships.models import Mentorship

from .helpers import check_accessibility, sign_in


def test_the_evaluator_downloads_the_figures_and_the_data_set_and_reaches_no_case(
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
    ):
        assert page.goto(path).status == 404  # type: ignore[union-attr]
