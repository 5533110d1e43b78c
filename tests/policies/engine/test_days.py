from policies.engine.days import chain, chain_end, last_day, period_after, within
from tests.policies.engine.builders import d

LEFT = d("2021-08-01")


def test_a_stay_is_within_14_days_up_to_the_13th_day_after_leaving():
    assert within(d("2021-08-14"), LEFT, 14)
    assert not within(d("2021-08-15"), LEFT, 14)


def test_a_stay_without_leaving_day_is_always_within():
    assert within(d("2030-01-01"), None, 14)


def test_entry_after_a_postponement_is_leaving_day_plus_n():
    assert period_after(LEFT, 14) == d("2021-08-15")
    assert last_day(LEFT, 14) == d("2021-08-14")


def test_chained_measures_follow_each_other_without_gap():
    steps = (("central_observation", 14), ("health_monitoring", 7))
    measures = chain(LEFT, steps)
    assert [(m.kind, m.start, m.end) for m in measures] == [
        ("central_observation", d("2021-08-01"), d("2021-08-14")),
        ("health_monitoring", d("2021-08-15"), d("2021-08-21")),
    ]
    assert chain_end(LEFT, steps) == d("2021-08-22")


def test_without_home_conditions_home_observation_becomes_central():
    measures = chain(LEFT, (("home_observation", 14), ("health_monitoring", 7)), False)
    assert [m.kind for m in measures] == ["central_observation", "health_monitoring"]
