"""``rounded`` (every number the browser gets: figures, the step inspector) is computed for a whole
array at once; each value must still be exactly the 6-significant-digit decimal ``f"{v:.6g}"`` read
back as a float, for any float64 (ties, powers of ten, subnormals, the extremes), and None for NaN
and ±inf."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from app.figures_common import rounded, rounded_rows


def by_formatting(values) -> list:
    """The definition, one value at a time."""
    return [float(f"{v:.6g}") if math.isfinite(v) else None for v in np.ravel(values).tolist()]


def same(a: list, b: list) -> bool:
    return [repr(v) for v in a] == [repr(v) for v in b]  # repr: -0.0 and 0.0 differ, as they should


FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
#: Decimals with 6 and 7 digits and their halves: the values where rounding is decided by a hair.
TIES = st.builds(
    lambda digits, exponent, half, sign: sign * (digits + half) * 10.0**exponent,
    st.integers(100_000, 9_999_999),
    st.integers(-30, 30),
    st.sampled_from([0.0, 0.5, 0.49999999, 0.50000001]),
    st.sampled_from([1.0, -1.0]),
)


@settings(max_examples=400, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 200), elements=st.one_of(FLOATS, TIES)))
def test_rounded_is_the_six_digit_decimal_of_each_value(values):
    assert same(rounded(values), by_formatting(values))


def test_rounded_on_the_hard_cases_and_a_million_random_values():
    rng = np.random.default_rng(0)
    hard = [0.0, -0.0, math.nan, math.inf, -math.inf, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    hard += [99999.95, 999999.5, 123456.5, 0.1, 1e22, 1e23, 1e-22, 1e-23, 9.999995, 9.9999949999]
    values = np.concatenate([hard, rng.normal(size=10**6) * 10.0 ** rng.integers(-320, 300, 10**6)])
    assert same(rounded(values), by_formatting(values))


def test_rounded_rows_keeps_the_rows():
    values = np.array([[1.23456789, math.nan], [3.0, -4e-7]])
    assert rounded_rows(values) == [[1.23457, None], [3.0, -4e-7]]
    assert rounded_rows(np.zeros((0, 2))) == []
