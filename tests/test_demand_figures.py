"""The one definition of the demand figures, against hand-computed values."""

from __future__ import annotations

import math

import numpy as np

from guidance import demand_figures as dfig


def test_current_mean_is_the_newest_three_months():
    a = np.array([[1.0, 2, 3, 4, 5], [10, 0, 0, 0, 30]])
    assert dfig.current_mean(a).tolist() == [4.0, 10.0]  # (3+4+5)/3, (0+0+30)/3
    assert dfig.current_mean(np.array([6.0, 2])).tolist() == 4.0  # fewer months: their mean
    assert math.isnan(float(dfig.current_mean(np.zeros(0))))


def test_lagged_mean_is_the_same_window_a_year_earlier():
    a = np.arange(1.0, 16.0)  # months 1..15, newest = 15
    # window ending 12 months before the newest: months 1, 2, 3 (indices 0..2)
    assert float(dfig.lagged_mean(a)) == 2.0
    assert float(dfig.lagged_mean(a[:13])) == 1.0  # only month 1 is a year back
    assert math.isnan(float(dfig.lagged_mean(a[:12])))  # not a year of data


def test_per_seeker_and_trend():
    vps = dfig.per_seeker([10, 10, 10], [4, 0, 5], [1, 1, 0])
    assert vps[0] == 2.5 and np.isnan(vps[1]) and np.isnan(vps[2])
    tr = dfig.yearly_trend([12, 5, 5], [10, 0, np.nan])
    assert math.isclose(tr[0], 0.2) and np.isnan(tr[1]) and np.isnan(tr[2])


def test_projection_half_the_trend_clipped():
    # 2.0 vacancies per seeker, +44 % a year, 24 months ahead: 2 * 1.44 ** (0.5 * 2) = 2.88
    assert math.isclose(float(dfig.projection(2.0, 0.44, 24)), 2.88)
    # a trend above +100 % is clipped to +100 %: 1 * 2 ** (0.5 * 12 / 12) = sqrt(2)
    assert math.isclose(float(dfig.projection(1.0, 5.0, 12)), math.sqrt(2))
    # below -50 % clipped to -50 %: 4 * 0.5 ** 0.5
    assert math.isclose(float(dfig.projection(4.0, -0.9, 12)), 4 * math.sqrt(0.5))
    # no trend: unchanged; no value: NaN
    assert float(dfig.projection(3.0, np.nan, 30)) == 3.0
    assert np.isnan(dfig.projection(np.nan, 0.1, 6))


def test_trailing_mean_by_hand():
    a = np.array([[3.0, 6.0, 9.0, 12.0]])
    # fewer months at the start, then the last three
    assert dfig.trailing_mean(a, 3).tolist() == [[3.0, 4.5, 6.0, 9.0]]
    assert dfig.trailing_mean(a, 1).tolist() == a.tolist()
    # current and year-earlier means are read off the same windowed mean
    assert dfig.current_mean(a, 3).tolist() == [9.0]


def test_yearly_ratio_and_trend_are_one_definition():
    assert dfig.yearly_ratio([6.0, 1.0, 2.0], [4.0, 0.0, np.nan])[0] == 1.5
    assert np.isnan(dfig.yearly_ratio(1.0, 0.0)) and np.isnan(dfig.yearly_ratio(1.0, np.nan))
    assert math.isclose(dfig.yearly_trend(6.0, 4.0), 0.5)
