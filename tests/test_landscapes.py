"""Contract suite for the landscape registry: every registered surface gets every test here.

A new surface needs only its registry line; the published minima table below is the one place
where a test names surfaces, to pin coordinates against the literature independently of the code.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import landscapes
from landscapes import registry
from landscapes.base import Landscape, as_arrays
from landscapes.bowl import Bowl

NAMES = landscapes.names()
SURFACES = [landscapes.get(name) for name in NAMES]
BOUNDED = [s for s in SURFACES if s.min_value is not None]

#: Step of the five-point central differences: truncation error O(h⁴) ≈ 1e-16, rounding ≈ 1e-12·|f|.
H = 1e-4

#: Global minima as published (Surjanovic & Bingham, VLSE), to the digits printed there.
PUBLISHED = {
    "rosenbrock": ([(1.0, 1.0)], 0.0),
    "beale": ([(3.0, 0.5)], 0.0),
    "booth": ([(1.0, 3.0)], 0.0),
    "goldstein_price": ([(0.0, -1.0)], 3.0),
    "himmelblau": ([(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848127)], 0.0),
    "six_hump_camel": ([(0.08984201, -0.71265640), (-0.08984201, 0.71265640)], -1.031628453489877),
    "rastrigin": ([(0.0, 0.0)], 0.0),
    "ackley": ([(0.0, 0.0)], 0.0),
    "styblinski_tang": ([(-2.903534, -2.903534)], -78.33233),
}


def by_name(surfaces):
    return pytest.mark.parametrize("landscape", surfaces, ids=[s.name for s in surfaces])


def sample(landscape: Landscape, n: int = 50, seed: int = 0):
    """n points drawn uniformly over the plot window (kept 2h inside it)."""
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = landscape.bounds
    return rng.uniform(x0 + 2 * H, x1 - 2 * H, n), rng.uniform(y0 + 2 * H, y1 - 2 * H, n)


def central_difference(f, x, y):
    """(∂f/∂x, ∂f/∂y) ≈ [f(t − 2h) − 8 f(t − h) + 8 f(t + h) − f(t + 2h)] / 12h along each axis."""

    def along(shift):
        fm2, fm1, fp1, fp2 = (np.asarray(f(*shift(k * H)), dtype=np.float64) for k in (-2, -1, 1, 2))
        return (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * H)

    return along(lambda d: (x + d, y)), along(lambda d: (x, y + d))


def assert_close_to_difference(analytic, numeric, scale, what):
    """|analytic − numeric| ≤ 1e-7·|analytic| + 1e-8·(1 + scale), the scale of the differenced function."""
    err = np.abs(analytic - numeric)
    allowed = 1e-7 * np.abs(analytic) + 1e-8 * (1 + scale)
    worst = np.argmax(err - allowed)
    assert np.all(err <= allowed), f"{what}: analytic {analytic[worst]!r} vs numeric {numeric[worst]!r}"


# --- the registry ---------------------------------------------------------------------------------


def test_names_are_lower_case_identifiers_matching_their_surfaces():
    assert len(NAMES) >= 14
    for name in NAMES:
        assert name == name.lower() and name.isidentifier(), name
        assert landscapes.get(name).name == name


def test_a_repeated_name_is_rejected_rather_than_silently_dropped():
    with pytest.raises(ValueError, match="bowl"):
        registry.index([Bowl(), Bowl()])
    assert list(registry.index([Bowl()])) == ["bowl"]


def test_titles_are_unique():
    titles = [s.title for s in SURFACES]
    assert len(set(titles)) == len(titles)


def test_every_surface_class_in_the_package_is_registered():
    def concrete(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("landscapes.") and "name" in vars(sub):
                yield sub
            yield from concrete(sub)

    classes = set(concrete(Landscape))
    assert classes, "no surfaces found"
    assert classes == {type(s) for s in SURFACES}


@pytest.mark.parametrize("bad", ["nope", "Bowl", "", None, ["bowl"]])
def test_unknown_names_raise_a_value_error_listing_the_valid_ones(bad):
    with pytest.raises(ValueError) as info:
        landscapes.get(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert all(name in message for name in NAMES)


def test_menu_order_starts_simple():
    assert NAMES[:2] == ["bowl", "ravine"]


# --- the attributes -------------------------------------------------------------------------------


@by_name(SURFACES)
def test_texts_are_present(landscape):
    assert landscape.title.strip() and landscape.formula.strip()
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", landscape.description.strip()) if s]
    assert 1 <= len(sentences) <= 2, landscape.description
    assert landscape.description.rstrip().endswith((".", "!", "?"))


@by_name(SURFACES)
def test_bounds_minima_and_colouring_are_well_formed(landscape):
    (x0, x1), (y0, y1) = landscape.bounds
    assert x0 < x1 and y0 < y1
    assert (landscape.min_value is None) == (len(landscape.minima) == 0)
    for mx, my in landscape.minima:
        assert x0 < mx < x1 and y0 < my < y1, (mx, my)
    assert isinstance(landscape.log_color, bool)
    if landscape.z_clip is not None:
        assert landscape.z_clip[0] < landscape.z_clip[1]


@by_name([s for s in SURFACES if s.min_value is None])
def test_unbounded_surfaces_clip_the_plot(landscape):
    assert landscape.z_clip is not None
    _, _, z = landscape.grid(101)
    lo, hi = landscape.z_clip
    assert z.min() < hi and z.max() > lo, "the clip window misses the surface"


@by_name(SURFACES)
def test_start_is_inside_the_window_and_not_at_rest(landscape):
    (x0, x1), (y0, y1) = landscape.bounds
    sx, sy = landscape.start
    assert x0 < sx < x1 and y0 < sy < y1
    assert np.hypot(*landscape.gradient(sx, sy)) > 1e-3, "a run from here would not move"
    for mx, my in landscape.minima:
        assert np.hypot(sx - mx, sy - my) > 1e-2


# --- derivatives ----------------------------------------------------------------------------------


@by_name(SURFACES)
def test_gradient_matches_finite_differences_of_value(landscape):
    x, y = sample(landscape)
    gx, gy = landscape.gradient(x, y)
    nx, ny = central_difference(landscape.value, x, y)
    scale = np.abs(landscape.value(x, y))
    assert_close_to_difference(gx, nx, scale, "∂L/∂x")
    assert_close_to_difference(gy, ny, scale, "∂L/∂y")


@by_name(SURFACES)
def test_hessian_matches_finite_differences_of_gradient(landscape):
    x, y = sample(landscape, seed=1)
    hxx, hxy, hyy = landscape.hessian(x, y)
    gxx, gxy = central_difference(lambda u, v: landscape.gradient(u, v)[0], x, y)
    gyx, gyy = central_difference(lambda u, v: landscape.gradient(u, v)[1], x, y)
    scale = np.hypot(*landscape.gradient(x, y))
    assert_close_to_difference(hxx, gxx, scale, "∂²L/∂x²")
    assert_close_to_difference(hxy, gxy, scale, "∂²L/∂x∂y from ∂L/∂x")
    assert_close_to_difference(hxy, gyx, scale, "∂²L/∂x∂y from ∂L/∂y")
    assert_close_to_difference(hyy, gyy, scale, "∂²L/∂y²")


@by_name(SURFACES)
def test_value_and_gradient_agrees_with_value_and_gradient(landscape):
    x, y = sample(landscape, seed=2)
    value, (gx, gy) = landscape.value_and_gradient(x, y)
    np.testing.assert_allclose(value, landscape.value(x, y), rtol=1e-12, atol=1e-300)
    ex, ey = landscape.gradient(x, y)
    np.testing.assert_allclose(gx, ex, rtol=1e-12, atol=1e-12 * np.abs(ex).max())
    np.testing.assert_allclose(gy, ey, rtol=1e-12, atol=1e-12 * np.abs(ey).max())


# --- minima ---------------------------------------------------------------------------------------


@by_name(BOUNDED)
def test_listed_minima_have_zero_gradient_and_the_minimum_value(landscape):
    for mx, my in landscape.minima:
        value, (gx, gy) = landscape.value_and_gradient(mx, my)
        assert abs(value - landscape.min_value) <= 1e-10 * max(1.0, abs(landscape.min_value)), (mx, my)
        assert np.hypot(gx, gy) <= 1e-6, (mx, my, gx, gy)
        hxx, hxy, hyy = landscape.hessian(mx, my)
        assert hxx >= 0 and hyy >= 0 and hxx * hyy - hxy * hxy >= -1e-9, "not a minimum"


@by_name(BOUNDED)
def test_nothing_in_the_window_lies_below_min_value(landscape):
    _, _, z = landscape.grid(801)
    assert z.min() >= landscape.min_value - 1e-12 * max(1.0, abs(landscape.min_value))


@by_name(BOUNDED)
def test_every_global_minimum_is_listed(landscape):
    """The search over the window (``Landscape.local_minima``, itself checked against published
    minima in test_maps.py) finds no global minimum the surface does not list."""
    if not getattr(landscape, "minima_are_isolated", True):
        return  # a curve of minima (matrix factorisation's hyperbola): ``minima`` lists representatives
    found = landscape.local_minima()
    value = landscape.value(found[:, 0], found[:, 1])
    tol = 1e-9 * max(1.0, abs(landscape.min_value))
    assert value.size and value.min() >= landscape.min_value - tol
    listed = np.array(landscape.minima)
    for px, py in found[value <= landscape.min_value + tol]:
        distance = np.hypot(listed[:, 0] - px, listed[:, 1] - py).min()
        assert distance < 1e-6, f"unlisted global minimum near ({px}, {py})"


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_minima_match_the_published_ones(name):
    landscape = landscapes.get(name)
    coordinates, value = PUBLISHED[name]
    assert len(landscape.minima) == len(coordinates)
    for (px, py), (mx, my) in zip(coordinates, landscape.minima, strict=True):
        assert abs(mx - px) <= last_digit(px) and abs(my - py) <= last_digit(py), (mx, my)
    assert abs(landscape.min_value - value) <= last_digit(value)


def last_digit(published: float) -> float:
    """One unit in the last printed decimal place (sources both round and truncate)."""
    return 1.01 * 10.0 ** -len(repr(published).split(".")[1])


# --- vectorisation and dtypes ---------------------------------------------------------------------


def outputs(landscape, x, y):
    """Every array a surface returns for (x, y), flattened into one list."""
    value, (gx, gy) = landscape.value_and_gradient(x, y)
    return [landscape.value(x, y), *landscape.gradient(x, y), *landscape.hessian(x, y), value, gx, gy]


@by_name(SURFACES)
def test_scalars_give_zero_dimensional_float64(landscape):
    x, y = landscape.start
    for out in outputs(landscape, x, y) + outputs(landscape, round(x), round(y)):
        assert np.ndim(out) == 0 and out.dtype == np.float64


@by_name(SURFACES)
@pytest.mark.parametrize(("xs", "ys"), [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((), (3, 4)), ((3, 4), ())])
def test_arrays_broadcast_and_match_pointwise_evaluation(landscape, xs, ys):
    rng = np.random.default_rng(3)
    (x0, x1), (y0, y1) = landscape.bounds
    x, y = rng.uniform(x0, x1, xs), rng.uniform(y0, y1, ys)
    bx, by = np.broadcast_arrays(x, y)
    for k, out in enumerate(outputs(landscape, x, y)):
        assert out.shape == (3, 4) and out.dtype == np.float64
        pointwise = [outputs(landscape, float(u), float(v))[k] for u, v in zip(bx.flat, by.flat, strict=True)]
        np.testing.assert_allclose(out.ravel(), pointwise, rtol=1e-14, atol=1e-300)


@by_name(SURFACES)
def test_engine_columns_are_read_not_written_or_returned(landscape):
    """The engine passes (K,) column views of its (K, 2) parameters: the fast path of ``as_arrays``."""
    params = np.column_stack(sample(landscape, n=7, seed=4))
    before = params.copy()
    x, y = params[:, 0], params[:, 1]
    for out in outputs(landscape, x, y):
        assert out.shape == (7,)
        assert not np.shares_memory(out, params)
    np.testing.assert_array_equal(params, before)


def test_as_arrays_passes_matching_float64_arrays_through_and_broadcasts_the_rest():
    x, y = np.zeros(3), np.ones(3)
    assert all(a is b for a, b in zip(as_arrays(x, y), (x, y), strict=True))
    bx, by = as_arrays(np.arange(3), 1)
    assert bx.dtype == by.dtype == np.float64 and bx.shape == by.shape == (3,)


@by_name(SURFACES)
def test_no_numpy_warnings_over_the_window_and_at_special_points(landscape):
    xs, ys, _ = landscape.grid(201)
    x, y = np.meshgrid(xs, ys)
    special = [*landscape.minima, landscape.start, (0.0, 0.0), (1e-300, 0.0), (5e-324, -5e-324)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for px, py in [(x, y), *special]:
            for out in [*outputs(landscape, px, py), landscape.max_curvature(px, py)]:
                assert np.all(np.isfinite(out))


# --- exact checks on particular surfaces ----------------------------------------------------------


def test_bowl_is_exactly_x_squared_plus_y_squared_with_curvature_two():
    bowl = landscapes.get("bowl")
    x, y = sample(bowl)
    np.testing.assert_array_equal(bowl.value(x, y), x**2 + y**2)
    np.testing.assert_array_equal(bowl.value_and_gradient(x, y)[0], x**2 + y**2)
    np.testing.assert_array_equal(np.stack(bowl.gradient(x, y)), np.stack([2 * x, 2 * y]))
    np.testing.assert_array_equal(bowl.max_curvature(x, y), np.full_like(x, 2.0))


def test_saddle_is_exactly_x_squared_minus_y_squared():
    saddle = landscapes.get("saddle")
    x, y = sample(saddle)
    np.testing.assert_array_equal(saddle.value(x, y), x**2 - y**2)
    np.testing.assert_array_equal(np.stack(saddle.hessian(x, y)), np.stack([x * 0 + 2, x * 0, x * 0 - 2]))


def test_ravine_is_ill_conditioned_with_its_floor_through_the_origin():
    ravine = landscapes.get("ravine")
    hxx, hxy, hyy = ravine.hessian(0.0, 0.0)
    eigenvalues = np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]])
    assert 20 <= eigenvalues[1] / eigenvalues[0] <= 50
    assert ravine.max_curvature(1.0, -2.0) == pytest.approx(eigenvalues[1])
    assert abs(hxy) > 0.1 * eigenvalues[1], "the valley should not run along an axis"


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [(1, 1, 0), (0, 0, 1), (-1, 1, 4), (0, 1, 101), (2, 4, 1), (1, 0, 100), (-1.2, 1, 24.2)],
)
def test_rosenbrock_formula(x, y, expected):
    rosenbrock = landscapes.get("rosenbrock")
    assert rosenbrock.value(x, y) == pytest.approx(expected, rel=1e-14, abs=1e-14)
    assert rosenbrock.value_and_gradient(x, y)[0] == pytest.approx(expected, rel=1e-14, abs=1e-14)


def test_rosenbrock_gradient_at_the_classic_start():
    gx, gy = landscapes.get("rosenbrock").gradient(-1.2, 1.0)
    assert (gx, gy) == (pytest.approx(-215.6), pytest.approx(-88.0))


def test_ackley_tip_has_zero_gradient_and_finite_curvature():
    ackley = landscapes.get("ackley")
    assert ackley.value(0.0, 0.0) == 0.0
    assert tuple(map(float, ackley.gradient(0.0, 0.0))) == (0.0, 0.0)
    assert np.isfinite(ackley.hessian(0.0, 0.0)).all()
    # Just off the tip the cone's slope a·b/√2 ≈ 2.83 takes over, pointing away from the origin.
    gx, gy = ackley.gradient(1e-12, 0.0)
    assert gx == pytest.approx(20 * 0.2 / np.sqrt(2), rel=1e-6) and gy == 0.0


@by_name(BOUNDED)
def test_the_local_minima_search_finds_every_listed_global_minimum_first(landscape):
    if not getattr(landscape, "minima_are_isolated", True):
        return  # a curve of minima has no isolated points to find
    found = landscape.local_minima()
    assert len(found) >= len(landscape.minima)
    for mx, my in landscape.minima:
        assert np.hypot(found[:, 0] - mx, found[:, 1] - my).min() < 1e-6, (mx, my)
    values = landscape.value(found[:, 0], found[:, 1])
    assert np.all(np.diff(values) >= 0)  # lowest first
    assert values[0] == pytest.approx(landscape.min_value, abs=1e-9 * max(1.0, abs(landscape.min_value)))
