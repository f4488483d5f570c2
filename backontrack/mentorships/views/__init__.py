"""The mentorship pages, by part: lifecycle, meetings, plan, re-entry and timeline."""
