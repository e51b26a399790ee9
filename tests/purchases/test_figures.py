"""The month's figures against the story of conftest.py, worked out by hand (docs/domain.md#purchase-of-services)."""

from __future__ import annotations

from referral.purchases.queries import month_bounds, past_months, service_volume
from referral.service_items import SERVICE_ITEMS


def _items(figures):
    return {row["item"]: (row["sessions"], row["minutes"], row["hours"], row["people"])
            for row in figures["items"] if row["sessions"]}


def test_march_of_institution_a(story):
    # Records attributed to A in March: case 1 on 1 Mar (服药训练 45); case 2 on 5 Mar (社交技能训练 90), 10 Mar
    # (服药训练 30) and 31 Mar (服药训练 20). Not case 1's 28 Feb (February) nor its 20 Mar (with B by then).
    figures = service_volume(story["a"].id, "2027-03")
    assert _items(figures) == {"服药训练": (3, 95, "1.58", 2), "社交技能训练": (1, 90, "1.50", 1)}
    assert (figures["people_served"], figures["sessions"], figures["minutes"], figures["hours"]) == (2, 4, 185, "3.08")
    # New: case 2's agreement (5 Mar); case 1's was February's, case 4's 00:30 on 1 Apr China time is April's.
    # Closed: case 2 at 23:30 on 31 Mar China time (15:30 UTC).
    assert (figures["new_cases"], figures["closed_cases"]) == (1, 1)


def test_march_of_institution_b(story):
    # Case 3 on 12 Mar (心理康复 60) and case 1 on 20 Mar after its transfer (服药训练 50); case 3's 1 Apr is April's.
    figures = service_volume(story["b"].id, "2027-03")
    assert _items(figures) == {"服药训练": (1, 50, "0.83", 1), "心理康复": (1, 60, "1.00", 1)}
    assert (figures["people_served"], figures["sessions"], figures["minutes"], figures["hours"]) == (2, 2, 110, "1.83")
    assert (figures["new_cases"], figures["closed_cases"]) == (2, 0)  # case 3 (12 Mar) and case 1 (15 Mar)


def test_the_months_around(story):
    feb = service_volume(story["a"].id, "2027-02")
    assert _items(feb) == {"服药训练": (1, 60, "1.00", 1)} and (feb["new_cases"], feb["closed_cases"]) == (1, 0)
    april_a = service_volume(story["a"].id, "2027-04")
    assert april_a["sessions"] == 0 and april_a["new_cases"] == 1  # case 4, signed at 00:30 on 1 Apr
    assert _items(service_volume(story["b"].id, "2027-04")) == {"心理康复": (1, 60, "1.00", 1)}


def test_every_service_item_has_a_row(story):
    figures = service_volume(story["b"].id, "2027-03")
    assert [row["item"] for row in figures["items"]] == list(SERVICE_ITEMS)


def test_months():
    from datetime import date

    assert month_bounds("2027-02") == (date(2027, 2, 1), date(2027, 2, 28))
    assert past_months(3, today=date(2027, 1, 15)) == ["2026-12", "2026-11", "2026-10"]
