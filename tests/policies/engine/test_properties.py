"""Invariants of the engine, checked over generated declarations and risk data."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from policies.engine import evaluate
from policies.engine.types import OUTCOMES, DeclarationFacts, Leg, NatTest, RiskSnapshot
from tests.policies.engine.builders import (
    DACHANG,
    GUANGLING,
    HANJIANG,
    NAMES,
    PLAIN,
    PLAIN_2,
    PORT_CITY,
    SANHE,
    ZHENGZHOU,
    ZHENGZHOU_ERQI,
    area,
    august,
    designation,
    version,
)

FIRST_DAY = date(2021, 7, 1)
RISK_COUNTIES = (GUANGLING, HANJIANG, ZHENGZHOU_ERQI, "410105", SANHE)
REGIONS = (*RISK_COUNTIES, DACHANG, PLAIN, PORT_CITY, "152502")
DESIGNATIONS = (
    designation("commuter_zone", SANHE, "2021-01-01", id=1),
    designation("commuter_zone", DACHANG, "2021-01-01", id=2),
    designation("case_city", ZHENGZHOU, "2021-07-20", "2021-08-31", id=3),
    designation("land_border_port_city", PORT_CITY, "2021-07-01", id=4),
)
# Risk data that does not change over the window, so that only time passes.
STATIC_DESIGNATIONS = tuple(
    replace(found, valid_until=None, valid_from=date(2021, 1, 1)) for found in DESIGNATIONS
)
SEVERITY = {outcome: rank for rank, outcome in enumerate(OUTCOMES)}
MEASURE_RANK = {"central_observation": 1, "home_observation": 2, "health_monitoring": 3}


def days(n: int) -> timedelta:
    return timedelta(days=n)


def day(offset_from_first: int) -> date:
    return FIRST_DAY + days(offset_from_first)


@st.composite
def risk_areas(draw, *, static: bool = False):
    found = []
    for n in range(draw(st.integers(0, 6))):
        designated = draw(st.integers(0, 70))
        lifted = None
        if not static and draw(st.booleans()):
            lifted = day(designated + draw(st.integers(1, 30))).isoformat()
        if static:
            designated = 0
        found.append(
            area(
                draw(st.sampled_from(RISK_COUNTIES)),
                draw(st.sampled_from(("high", "medium"))),
                day(designated).isoformat(),
                lifted,
                id=n,
                name=f"地区{n}",
            )
        )
    return tuple(found)


def snapshot(areas, designations=DESIGNATIONS) -> RiskSnapshot:
    by_county: dict = {}
    for found in areas:
        by_county.setdefault(found.county, []).append(found)
    return RiskSnapshot(
        areas_by_county={county: tuple(items) for county, items in by_county.items()},
        designations=designations,
        region_names=NAMES,
    )


@st.composite
def declarations(draw, *, commuter: bool | None = None):
    kind = draw(st.sampled_from(("pre_travel", "arrival_report")))
    arrival = day(draw(st.integers(20, 80)))
    legs = []
    end = arrival - days(draw(st.integers(0, 4)))
    open_last = kind == "pre_travel" and draw(st.booleans()) and draw(st.booleans())
    for index in range(draw(st.integers(0, 5))):
        start = end - days(draw(st.integers(0, 8)))
        leaving = None if (index == 0 and open_last) else end
        legs.append(Leg(draw(st.sampled_from(REGIONS)), start, leaving))
        end = start - days(draw(st.integers(0, 3)))
    legs.reverse()
    contact = draw(
        st.sampled_from(
            ("none", "none", "close_contact", "secondary_contact", "secondary_contact_cohabitant")
        )
    )
    last_contact = None
    if contact != "none" and draw(st.booleans()):
        last_contact = arrival - days(draw(st.integers(-3, 25)))
    entered = None
    if draw(st.integers(0, 4)) == 0:
        entered = arrival - days(draw(st.integers(0, 30)))
    test = None
    if draw(st.booleans()):
        result = draw(st.sampled_from(("negative", "negative", "negative", "positive")))
        test = NatTest(result, arrival - days(draw(st.integers(0, 4))))
    return DeclarationFacts(
        kind=kind,
        arrival_date=arrival,
        health_code=draw(st.sampled_from(("green", "green", "green", "yellow", "red"))),
        commuter=draw(st.booleans()) if commuter is None else commuter,
        home_quarantine_possible=draw(st.booleans()),
        contact_status=contact,
        last_contact_date=last_contact,
        international_entry_date=entered,
        nat_test=test,
        legs=tuple(legs),
    )


as_of_days = st.integers(15, 100).map(day)
policies = st.sampled_from(("BJ-2021-08-07", "BJ-2021-12-13")).map(version)


@settings(max_examples=300, deadline=None)
@given(declarations(), risk_areas(), as_of_days, st.data())
def test_lifting_an_area_never_makes_the_outcome_more_severe(declaration, areas, as_of, data):
    if not areas:
        return
    target = data.draw(st.sampled_from(range(len(areas))))
    lift = areas[target].designated_on + days(data.draw(st.integers(1, 60)))
    lifted = tuple(
        replace(found, lifted_on=min(lift, found.lifted_on or lift)) if n == target else found
        for n, found in enumerate(areas)
    )
    before = evaluate(declaration, august(), snapshot(areas), as_of)
    after = evaluate(declaration, august(), snapshot(lifted), as_of)
    assert SEVERITY[after.outcome] >= SEVERITY[before.outcome]


@settings(max_examples=400, deadline=None)
@given(declarations(), risk_areas(), as_of_days, st.data())
def test_a_later_leaving_day_never_gives_an_earlier_entry_date(declaration, areas, as_of, data):
    legs = declaration.legs
    if declaration.kind != "pre_travel" or not legs:
        return
    index = data.draw(st.sampled_from(range(len(legs))))
    leg = legs[index]
    # Later, but still before the next leg starts (or the planned arrival for the last).
    bound = legs[index + 1].start_date if index + 1 < len(legs) else declaration.arrival_date
    if leg.end_date is None or leg.end_date >= bound:
        return
    shift = data.draw(st.integers(1, (bound - leg.end_date).days))
    moved = replace(leg, end_date=leg.end_date + days(shift))
    later = replace(declaration, legs=(*legs[:index], moved, *legs[index + 1 :]))
    before = evaluate(declaration, august(), snapshot(areas), as_of)
    after = evaluate(later, august(), snapshot(areas), as_of)
    if before.outcome == "postponed" and before.entry_allowed_from is not None:
        assert after.outcome == "postponed"
        assert after.entry_allowed_from is not None
        assert after.entry_allowed_from >= before.entry_allowed_from


@settings(max_examples=300, deadline=None)
@given(declarations(commuter=False), risk_areas(), as_of_days, policies, st.integers(1, 20))
def test_an_unrelated_leg_changes_nothing_for_a_non_commuter(
    declaration, areas, as_of, policy, gap
):
    first_start = declaration.legs[0].start_date if declaration.legs else declaration.arrival_date
    extra = Leg(PLAIN_2, first_start - days(gap + 5), first_start - days(gap))
    padded = replace(declaration, legs=(extra, *declaration.legs))
    risk = snapshot(areas)
    assert evaluate(padded, policy, risk, as_of) == evaluate(declaration, policy, risk, as_of)


@settings(max_examples=200, deadline=None)
@given(declarations(), risk_areas(), as_of_days, policies)
def test_the_result_is_deterministic(declaration, areas, as_of, policy):
    first = evaluate(declaration, policy, snapshot(areas), as_of)
    # Fresh snapshot objects: nothing may depend on what the caches hold.
    again = evaluate(replace(declaration), replace(policy), snapshot(tuple(areas)), as_of)
    assert first == again
    assert evaluate(declaration, policy, snapshot(areas), as_of) == first


@settings(max_examples=300, deadline=None)
@given(declarations(), risk_areas(), as_of_days, policies)
def test_arrival_headline_is_the_most_severe_measure_containing_the_day(
    declaration, areas, as_of, policy
):
    result = evaluate(declaration, policy, snapshot(areas), as_of)
    if declaration.kind == "arrival_report":
        running = [MEASURE_RANK[m.kind] for m in result.measures if m.start <= as_of <= m.end]
        expected = OUTCOMES[min(running)] if running else "allowed"
        assert result.outcome == expected
        assert result.entry_allowed_from is None
    else:
        assert result.outcome in ("postponed", "allowed")
        if result.outcome == "allowed":
            assert result.entry_allowed_from is None
        elif result.entry_allowed_from is not None:
            assert result.entry_allowed_from > max(as_of, declaration.arrival_date)


@settings(max_examples=300, deadline=None)
@given(declarations(), risk_areas(static=True), as_of_days, policies)
def test_nothing_changes_by_time_alone_before_the_next_review_day(
    declaration, areas, as_of, policy
):
    risk = snapshot(areas, STATIC_DESIGNATIONS)
    result = evaluate(declaration, policy, risk, as_of)
    until = result.next_review_on or as_of + days(45)
    assert until > as_of
    later = as_of + days(1)
    while later < until:
        assert evaluate(declaration, policy, risk, later) == result, later
        later += days(1)
