"""Custom surfaces typed as formulas (``landscapes.formula``): the Landscape contract, agreement with
the registered surfaces, the pretty-printer, and refusal of everything outside the whitelist."""

from __future__ import annotations

import pickle
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import sympy.parsing.sympy_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import landscapes
import optimizers
from landscapes import formula
from landscapes.formula import FormulaLandscape, parse_formula

#: Step of the five-point central differences (as in test_landscapes).
H = 1e-4

#: Formulas a teacher might type, each with a window where it is smooth at random points.
EXAMPLES = [
    ("x**2 + 3*sin(y)", ((-3, 3), (-3, 3))),
    ("(1-x)^2 + 100*(y-x^2)^2", ((-2, 2), (-1, 3))),
    ("x^2 - y^2", ((-2, 2), (-2, 2))),
    ("exp(-x^2-y^2)", ((-2, 2), (-2, 2))),
    ("abs(x) + y**2", ((-3, 3), (-3, 3))),
    ("sqrt(x^2 + y^2 + 1) + log(1 + x^2) - tanh(y)", ((-3, 3), (-3, 3))),
    ("x y + cosh(x/3) - sinh(y/3) + atan(x - y)", ((-3, 3), (-3, 3))),
    ("2^x + e^y - ln(2 + cos(x y))", ((-2, 2), (-2, 2))),
    ("abs(log(x)) + tan(y/2)^2", ((0.1, 3), (-2, 2))),
    ("x^(1/3) + 1/y", ((0.5, 3), (0.5, 3))),
]

#: The registered surfaces typed in plain ASCII, as a teacher would.
TYPED = {
    "bowl": "x^2 + y^2",
    "booth": "(x + 2y - 7)^2 + (2x + y - 5)^2",
    "saddle": "x**2 - y**2",
    "monkey_saddle": "x^3 - 3*x*y^2",
    "two_valleys": "(x^2 - 1)^2 + 0.3x + y^2",
    "rosenbrock": "(1-x)^2 + 100*(y-x^2)^2",
    "beale": "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
    "goldstein_price": "(1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2))"
    " (30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2))",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "six_hump_camel": "(4 - 2.1x^2 + x^4/3) x^2 + x y + (4y^2 - 4) y^2",
    "styblinski_tang": "0.5*((x^4 - 16x^2 + 5x) + (y^4 - 16y^2 + 5y))",
    "rastrigin": "20 + x^2 - 10cos(2pi x) + y^2 - 10cos(2 pi y)",
    "ackley": "-20exp(-0.2sqrt((x^2+y^2)/2)) - exp((cos(2pi x)+cos(2pi y))/2) + e + 20",
    "matrix_factorization": "(x*y - 1)^2",
}

#: Registered surfaces whose own unicode ``formula`` text parses back (the others use [ ], ½, √, Σ).
READABLE = [
    "bowl",
    "booth",
    "saddle",
    "monkey_saddle",
    "two_valleys",
    "rosenbrock",
    "beale",
    "himmelblau",
    "six_hump_camel",
    "matrix_factorization",
]


def sample(bounds, n=50, seed=0):
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = bounds
    return rng.uniform(x0 + 2 * H, x1 - 2 * H, n), rng.uniform(y0 + 2 * H, y1 - 2 * H, n)


def central_difference(f, x, y):
    def along(shift):
        fm2, fm1, fp1, fp2 = (np.asarray(f(*shift(k * H))) for k in (-2, -1, 1, 2))
        return (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * H)

    return along(lambda d: (x + d, y)), along(lambda d: (x, y + d))


def assert_close_to_difference(analytic, numeric, scale, what):
    err = np.abs(analytic - numeric)
    allowed = 1e-7 * np.abs(analytic) + 1e-8 * (1 + scale)
    worst = np.argmax(err - allowed)
    assert np.all(err <= allowed), f"{what}: analytic {analytic[worst]!r} vs numeric {numeric[worst]!r}"


def outputs(landscape, x, y):
    value, (gx, gy) = landscape.value_and_gradient(x, y)
    return [landscape.value(x, y), *landscape.gradient(x, y), *landscape.hessian(x, y), value, gx, gy]


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def by_text(cases):
    return pytest.mark.parametrize(("text", "bounds"), cases, ids=[text for text, _ in cases])


# --- the Landscape contract -----------------------------------------------------------------------


@by_text(EXAMPLES)
def test_gradient_matches_finite_differences_of_value(text, bounds):
    surface = parse_formula(text, bounds)
    x, y = sample(bounds)
    gx, gy = surface.gradient(x, y)
    nx, ny = central_difference(surface.value, x, y)
    scale = np.abs(surface.value(x, y))
    assert_close_to_difference(gx, nx, scale, "∂L/∂x")
    assert_close_to_difference(gy, ny, scale, "∂L/∂y")


@by_text(EXAMPLES)
def test_hessian_matches_finite_differences_of_gradient(text, bounds):
    surface = parse_formula(text, bounds)
    x, y = sample(bounds, seed=1)
    hxx, hxy, hyy = surface.hessian(x, y)
    gxx, gxy = central_difference(lambda u, v: surface.gradient(u, v)[0], x, y)
    gyx, gyy = central_difference(lambda u, v: surface.gradient(u, v)[1], x, y)
    scale = np.hypot(*surface.gradient(x, y))
    assert_close_to_difference(hxx, gxx, scale, "∂²L/∂x²")
    assert_close_to_difference(hxy, gxy, scale, "∂²L/∂x∂y from ∂L/∂x")
    assert_close_to_difference(hxy, gyx, scale, "∂²L/∂x∂y from ∂L/∂y")
    assert_close_to_difference(hyy, gyy, scale, "∂²L/∂y²")


@by_text(EXAMPLES)
def test_attributes_are_those_of_a_surface(text, bounds):
    surface = parse_formula(text, bounds)
    assert isinstance(surface, landscapes.Landscape)
    assert surface.name == "custom" and surface.name not in landscapes.names()
    assert surface.title == f"Custom: {surface.formula}"
    assert surface.source == text
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", surface.description.strip()) if s]
    assert 1 <= len(sentences) <= 2 and "custom" in surface.description.lower()
    assert surface.bounds == tuple(tuple(float(b) for b in pair) for pair in bounds)
    assert surface.minima == () and surface.min_value is None
    assert surface.log_color is False
    lo, hi = surface.z_clip
    _, _, z = surface.grid(101)
    assert lo < hi and np.nanmin(z) < hi and np.nanmax(z) > lo


@by_text(EXAMPLES)
def test_default_start_is_towards_a_corner_inside_the_window_and_not_at_rest(text, bounds):
    surface = parse_formula(text, bounds)
    (x0, x1), (y0, y1) = surface.bounds
    sx, sy = surface.start
    fx, fy = abs(2 * sx - x0 - x1) / (x1 - x0), abs(2 * sy - y0 - y1) / (y1 - y0)
    assert 0.6 <= fx <= 0.8 and 0.6 <= fy <= 0.8, (fx, fy)
    assert np.isfinite(surface.value(sx, sy))
    assert np.hypot(*surface.gradient(sx, sy)) > 1e-3


@by_text(EXAMPLES)
def test_value_and_gradient_agrees_with_value_and_gradient(text, bounds):
    surface = parse_formula(text, bounds)
    x, y = sample(bounds, seed=2)
    value, (gx, gy) = surface.value_and_gradient(x, y)
    np.testing.assert_array_equal(value, surface.value(x, y))
    np.testing.assert_array_equal(np.stack([gx, gy]), np.stack(surface.gradient(x, y)))


@pytest.mark.parametrize("text", ["x^2 + 3 sin(y)", "5", "x", "2y", "pi"])
def test_scalars_give_zero_dimensional_float64(text):
    surface = parse_formula(text)
    for x, y in [(1.5, -0.5), (1, 2), (np.float32(0.5), np.int64(-1))]:
        for out in outputs(surface, x, y):
            assert np.ndim(out) == 0 and out.dtype == np.float64


@pytest.mark.parametrize("text", ["x^2 + 3 sin(y)", "5", "x", "2y", "pi"])
@pytest.mark.parametrize(("xs", "ys"), [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((), (3, 4)), ((3, 4), ())])
def test_arrays_broadcast_and_match_pointwise_evaluation(text, xs, ys):
    surface = parse_formula(text)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-3, 3, xs), rng.uniform(-3, 3, ys)
    bx, by = np.broadcast_arrays(x, y)
    for k, out in enumerate(outputs(surface, x, y)):
        assert out.shape == (3, 4) and out.dtype == np.float64
        pointwise = [outputs(surface, float(u), float(v))[k] for u, v in zip(bx.flat, by.flat, strict=True)]
        np.testing.assert_array_equal(out.ravel(), pointwise)


@pytest.mark.parametrize("text", ["x", "y", "x + 0", "3"])
def test_engine_columns_are_read_not_written_or_returned(text):
    params = np.column_stack(sample(((-3, 3), (-3, 3)), n=7, seed=4))
    before = params.copy()
    x, y = params[:, 0], params[:, 1]
    for out in outputs(parse_formula(text), x, y):
        assert out.shape == (7,) and out.flags.writeable
        assert not np.shares_memory(out, params)
    np.testing.assert_array_equal(params, before)


def test_constants_are_exact_and_flat():
    surface = parse_formula("2 + 3")
    value, (gx, gy) = surface.value_and_gradient(np.zeros((2, 3)), 1.0)
    np.testing.assert_array_equal(value, np.full((2, 3), 5.0))
    np.testing.assert_array_equal(np.stack([gx, gy]), np.zeros((2, 2, 3)))
    assert surface.z_clip[0] < 5 < surface.z_clip[1]
    assert parse_formula("x^2 + y^2").z_clip == (0.0, 18.0), "a bowl keeps its rim"


@pytest.mark.parametrize(
    ("text", "x", "y"),
    [
        ("log(x) + sqrt(y)", -1.0, -1.0),
        ("1/x + 1/y", 0.0, 0.0),
        ("x^-2 + abs(y)", 0.0, 0.0),
        ("exp(exp(exp(exp(x))))", 3.0, 0.0),
        ("x^(1/3) + tan(y)", -8.0, np.pi / 2),
        ("(x^2 + y^2)^(1/2)", 0.0, 0.0),
        ("atan(1/x)", 0.0, 1e-300),
    ],
)
def test_undefined_points_give_nan_or_inf_without_warnings(text, x, y):
    surface = parse_formula(text)
    xs = np.array([x, 1.0, 5e-324])
    ys = np.array([y, 1.0, -5e-324])
    for out in [*outputs(surface, xs, ys), *outputs(surface, x, y), surface.max_curvature(xs, ys)]:
        assert out.dtype == np.float64  # NaN or ±inf where undefined; never complex, never a warning


def test_undefined_points_are_nan_and_the_window_plots_what_is_defined():
    surface = parse_formula("log(x)")
    assert np.isnan(surface.value(-1.0, 0.0)) and surface.value(np.e, 0.0) == pytest.approx(1.0)
    assert surface.start[0] > 0, "the default start is where the formula is defined"
    assert parse_formula("log(-x)").start[0] < 0


def test_abs_has_a_zero_slope_and_no_spike_at_its_kink():
    surface = parse_formula("abs(x) + abs(y - 1)")
    assert tuple(map(float, surface.gradient(0.0, 1.0))) == (0.0, 0.0)
    assert tuple(map(float, surface.gradient(-2.0, 3.0))) == (-1.0, 1.0)
    assert tuple(map(float, surface.hessian(0.0, 1.0))) == (0.0, 0.0, 0.0)


def test_spikes_are_clipped_to_a_robust_range():
    surface = parse_formula("1/(x^2 + y^2)")
    _, _, z = surface.grid(101)
    lo, hi = surface.z_clip
    assert hi < 0.1 * np.nanmax(z[np.isfinite(z)]), "the spike at the origin should not set the scale"
    assert lo == pytest.approx(np.nanmin(z))


# --- agreement with the registered surfaces -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TYPED))
def test_typed_formulas_match_the_registered_surfaces(name):
    registered = landscapes.get(name)
    typed = parse_formula(TYPED[name], registered.bounds)
    x, y = sample(registered.bounds, seed=5)
    for mine, theirs in zip(outputs(typed, x, y), outputs(registered, x, y), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10 * (1 + np.abs(theirs).max()))


@pytest.mark.parametrize("name", READABLE)
def test_registered_formula_texts_read_back_as_the_same_surface(name):
    registered = landscapes.get(name)
    typed = parse_formula(registered.formula, registered.bounds)
    assert typed.formula == registered.formula
    x, y = sample(registered.bounds, seed=6)
    np.testing.assert_allclose(typed.value(x, y), registered.value(x, y), rtol=1e-13, atol=1e-13)


def test_bowl_typed_in_is_exactly_the_bowl():
    bowl, typed = landscapes.get("bowl"), parse_formula("x^2+y^2")
    x, y = sample(bowl.bounds)
    for mine, theirs in zip(outputs(typed, x, y), outputs(bowl, x, y), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_run_on_the_typed_bowl_is_exactly_the_bowl_run():
    typed = optimizers.run(parse_formula("x^2+y^2"), "sgd", (1.0, 2.0), 10, lr=0.1)
    bowl = optimizers.run("bowl", "sgd", (1.0, 2.0), 10, lr=0.1)
    assert typed.landscape == "custom"
    np.testing.assert_array_equal(typed.points, bowl.points)
    np.testing.assert_array_equal(typed.losses, bowl.losses)
    np.testing.assert_array_equal(typed.gradients, bowl.gradients)


@pytest.mark.parametrize("optimizer", ["adam", "newton"])
def test_runs_on_typed_rosenbrock_follow_the_registered_one(optimizer):
    typed = parse_formula(TYPED["rosenbrock"], ((-2, 2), (-1, 3)))
    starts = np.array([[-1.5, 2.0], [0.5, -0.5], [1.8, 2.9]])
    mine = optimizers.run(typed, optimizer, starts, 50)
    theirs = optimizers.run("rosenbrock", optimizer, starts, 50)
    np.testing.assert_allclose(mine.points, theirs.points, rtol=1e-9, atol=1e-9)


# --- the pretty-printer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("x**2 + 3*sin(y)", "x² + 3·sin(y)"),
        ("(1-x)^2 + 100(y-x^2)^2", "(1 − x)² + 100 (y − x²)²"),
        ("x^2 - y^2", "x² − y²"),
        ("exp(-x^2-y^2)", "exp(−x² − y²)"),
        ("abs(x) + y**2", "abs(x) + y²"),
        ("3xy^2", "3xy²"),
        ("x y", "xy"),
        ("2 pi x", "2πx"),
        ("2 sin(x)cos(y)", "2 sin(x) cos(y)"),
        ("1/2x", "1/2·x"),
        ("2^x y", "2^x·y"),
        ("x^(1/2)", "x^(1/2)"),
        ("2^3^2", "2^3²"),
        ("x ^ 10", "x¹⁰"),
        ("1e-3 x", "1e-3 x"),
        ("-x^2 + +y", "−x² + +y"),
        ("x*y/2 ÷ 3", "x·y/2/3"),
        ("  x  ", "x"),
    ],
)
def test_formulas_are_shown_in_plain_unicode(typed, shown):
    surface = parse_formula(typed)
    assert surface.formula == shown
    assert surface.title == f"Custom: {shown}"
    assert parse_formula(shown).expression == surface.expression


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("-x^2", "-(x^2)"),
        ("2^3^2 + x", "512 + x"),
        ("1/2x", "x/2"),
        ("2x^2", "2*(x^2)"),
        ("x y^2", "x*(y^2)"),
        ("xy", "x*y"),
        ("sin(x)^2", "(sin(x))^2"),
        ("2^-1 x", "x/2"),
        ("x²y³", "x^2*y^3"),
        ("x − y × 2 ÷ 4 · π", "x - y*2/4*pi"),
        ("ln(x)", "log(x)"),
        ("arctan(x)", "atan(x)"),
        ("0.1 + 0.2 + x", "3/10 + x"),
        ("1.5e2 x", "150x"),
        ("2e + x", "2*e + x"),
        ("2e3 + x", "2000 + x"),
        ("xexp(y)", "x*exp(y)"),
        ("xx", "x^2"),
        ("sqrt(x^2)", "abs(x)"),
    ],
)
def test_precedence_and_notation(typed, same_as):
    assert formula.compile_formula(typed).expression == formula.compile_formula(same_as).expression


def formulas(depth=3):
    """Random well-formed formulas in the accepted notation (ASCII and unicode)."""
    atoms = st.sampled_from(["x", "y", "2", "0.5", "3", "pi", "e", "x", "y", "1.5e-2", "π"])
    if depth == 0:
        return atoms
    inner = formulas(depth - 1)
    return st.one_of(
        atoms,
        st.builds(
            "{}{}{}".format, inner, st.sampled_from([" + ", "-", " − ", "*", "·", " × ", "/", " "]), inner
        ),
        st.builds("({})".format, inner),
        st.builds("-{}".format, inner),
        st.builds(
            "{}^{}".format, st.sampled_from(["x", "y", "2", "(x + y)"]), st.sampled_from(["2", "3", "-1"])
        ),
        st.builds("{}²".format, st.sampled_from(["x", "y", "(x - 1)"])),
        st.builds("{}({})".format, st.sampled_from(sorted(formula.FUNCTIONS)), inner),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas())
def test_shown_formulas_read_back_to_the_same_expression(text):
    try:
        surface = formula.compile_formula(text)
    except ValueError as error:  # well formed, but e.g. 1/(x - x) or a log of a negative constant
        assert str(error)
        return
    again = formula.compile_formula(surface.formula)
    assert again.expression == surface.expression
    assert again.formula == surface.formula


# --- bounds and start -----------------------------------------------------------------------------


def test_bounds_and_start_are_used():
    surface = parse_formula("x^2 + y^2", ((0, 10), (-1, 1)), start=(np.float64(9.0), -0.5))
    assert surface.bounds == ((0.0, 10.0), (-1.0, 1.0))
    assert surface.start == (9.0, -0.5) and all(type(c) is float for c in surface.start)
    assert parse_formula("x^2 + y^2").start == (2.1, 1.8)


@pytest.mark.parametrize(
    "bounds",
    [
        ((0, 0), (0, 1)),
        ((1, 0), (0, 1)),
        ((0, 1), (0, float("inf"))),
        ((float("nan"), 1), (0, 1)),
        ((0, 2e4), (0, 1)),
        ((-1e308, 1e308), (0, 1)),
        ((0, 1),),
        ((0, 1), (0, 1), (0, 1)),
        (("0", "1"), (0, 1)),
        ((False, True), (0, 1)),
        None,
        "((0, 1), (0, 1))",
    ],
)
def test_bad_bounds_are_refused(bounds):
    with pytest.raises(ValueError, match=r"range|Bounds"):
        parse_formula("x + y", bounds)


@pytest.mark.parametrize(
    "start", [(3, 0), (0, -3), (5, 5), (np.nan, 0), (0, float("inf")), (0,), "ab", 1.0, (True, 0)]
)
def test_bad_starts_are_refused(start):
    with pytest.raises(ValueError, match="start"):
        parse_formula("x + y", start=start)


# --- safety ---------------------------------------------------------------------------------------

INJECTIONS = [
    "__import__('os').system('ls')",
    "__import__",
    "x.__class__",
    "x.real",
    "lambda: 1",
    "(lambda x: x)(1)",
    "open('f')",
    "x if y else 1",
    "[x]",
    "{}",
    '"x"',
    "'x'",
    "x; import os",
    "import os",
    "eval(x)",
    "exec('1')",
    "getattr",
    "getattr(x, 'y')",
    "sympy",
    "Symbol('x')",
    "Integer(2)",
    "x = 1",
    "x == 1",
    "x < y",
    "x @ y",
    "x % 2",
    "x // 2",
    "~x",
    "x & y",
    "x\\y",
    "#x",
    "x  # comment",
    "f'{x}'",
    "max(x, y)",
    "log(x, 2)",
    "sin x",
    "sin",
    "x2",
    "expx(1)",
    "Sin(x)",
    "X",
    "E",
    "I",
    "oo",
    "nan",
    "zoo",
    "S",
    "_",
    "x_1",
    "\u0445^2",  # Cyrillic х
    "\uff58 + y",  # fullwidth ｘ
    "x\u200b+y",  # zero-width space
    "x\u00a0+ y",  # no-break space
    "\u0661 + x",  # Arabic-Indic one (str.isdigit says yes)
    "x\u2012y",  # figure dash
    "x\x00",
    "",
    "   ",
    "x" * 201,
    "x+" * 5000 + "x",
    "9**9**9",
    "x**99999999",
    "10**1000000",
    "2^2^2^2^2",
    "1000000^100",
    "(1000000x)^100^100",
    "((x^100)^100)",
    "1e-999999",
    "1e400",
    "1234567",
    "1/0",
    "x/(x-x)",
    "0^-1 + x",
    "log(0)",
    "log(-2) + x",
    "sqrt(-1) x",
    "(-8)^(1/3) + x",
    "tan(pi/2)",
    "(-1)^x",
    "(" * 21 + "x" + ")" * 21,
    "x^" * 40 + "x",
    "*".join(f"sin({k}x)" for k in range(1, 20)),
    "x +",
    "* x",
    "x ^",
    "()",
    "(x",
    "x)",
    "2 3",
    "x 2",
    "x²^2",
    "1..2",
    ".",
]


@pytest.mark.parametrize("text", INJECTIONS, ids=[repr(t[:30]) for t in INJECTIONS])
def test_anything_outside_the_whitelist_is_refused_with_a_value_error(text):
    with pytest.raises(ValueError) as info:
        parse_formula(text)
    message = str(info.value)
    assert message.strip() and "Traceback" not in message


@pytest.mark.parametrize("text", ["__import__('os').system('ls')", "getattr", "Symbol('x')", "eval(x)"])
def test_refusals_name_the_culprit_and_say_what_is_allowed(text):
    with pytest.raises(ValueError) as info:
        parse_formula(text)
    message = str(info.value)
    culprit = re.match(r"[A-Za-z_]+", text).group()
    assert f"got {culprit!r}" in message
    assert all(word in message for word in ["x, y", "numbers", "sin", "sqrt", "abs", "^"])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x.__class__", "decimal point"),
        ("x; import os", "';'"),
        ("\u0445^2", "U+0445"),
        ("9**9**9", "exponent"),
        ("x**99999999", "at most 1e6"),
        ("1/0", "divides by zero"),
        ("sqrt(-1) x", "not a real number"),
        ("(-8)^(1/3) + x", "no real fractional power"),
        ("sin x", "sin(x)"),
        ("(x", "missing"),
        ("x" * 201, "at most 200"),
        ("", "Type a formula"),
        ("*".join(f"sin({k}x + y)" for k in range(1, 14)), "gradient would have more than 600"),
        ("sin(" * 20 + "x*y" + ")" * 20, "Hessian would have more than 5000"),
        ("x^" * 40 + "x", "nested too deeply"),
        (None, "must be text"),
        (b"x", "must be text"),
    ],
)
def test_messages_say_what_went_wrong(text, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_formula(text)


def test_formula_text_never_reaches_parse_expr(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("user text was evaluated")

    monkeypatch.setattr(sympy.parsing.sympy_parser, "eval_expr", refuse)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", refuse)
    # Here, not in a worker process (where the patches would not reach): SymPy's part, then ours.
    text = "(1-x)^2 + 100 (y - x^2)^2 + abs(sin(x y))"
    compiled = formula._build(text, pickle.dumps(formula.derive(text)))
    value = formula.FormulaLandscape(compiled, formula.DEFAULT_BOUNDS).value(1.0, 1.0)
    assert value == pytest.approx(abs(np.sin(1.0)))


def test_the_module_has_no_eval_or_exec_calls():
    code = Path(formula.__file__).read_text(encoding="utf-8")
    for call in ("eval(", "exec(", "sympify(", "parse_expr("):
        assert call not in code, call
    assert not re.search(r"(?<![\w.])compile\(", code), "the builtin compile()"


def test_nested_exponentials_are_allowed_and_harmless():
    surface = parse_formula("exp(exp(exp(exp(x))))", ((-3, 1), (-1, 1)))
    assert np.isinf(surface.value(2.0, 0.0))  # outside the window it overflows, quietly
    lo, hi = surface.z_clip
    assert np.isfinite(lo) and np.isfinite(hi)


def test_typical_formulas_compile_within_the_deadline_and_are_cached():
    formula._COMPILER.cache_clear()
    replaced = formula._COMPILER.replaced
    for text in ["x**2 + 3*sin(y)", TYPED["goldstein_price"], TYPED["ackley"]]:
        first = formula.compile_formula(text)
        assert formula.compile_formula(text) is first, "compiled once, then cached by its text"
    assert formula._COMPILER.replaced == replaced, "no worker reached the deadline"


# --- the deadline ---------------------------------------------------------------------------------

#: Nested powers of hyperbolic functions of x^x: SymPy takes about 30 s to differentiate the first.
SLOW = [
    "cosh(sinh(sqrt((tanh(exp(tanh(x^x))))^(-1)))^(1/2))",
    "cosh(sinh(sqrt((tanh(exp(tanh(y^y))))^(-1)))^(1/2)) + x",
    "cosh(sinh(sqrt((tanh(exp(tanh(x^x))))^(-1)))^(1/2)) - y",
]
#: Long formulas (at most 200 characters) with huge derivatives: refused by size or by the deadline.
ENORMOUS = [
    "*".join(f"sinh({k}x^x)" for k in range(1, 13)),
    "^".join(["cosh(x^y)"] * 19),
    "(" + "+".join(f"tanh(x^{k})^y" for k in range(2, 13)) + ")^x",
]


def test_a_formula_past_the_deadline_is_refused_and_its_worker_replaced():
    formula._COMPILER.cache_clear()
    formula.compile_formula("x + y")  # the pool is running
    before, replaced = set(formula._COMPILER.worker_pids()), formula._COMPILER.replaced
    with pytest.raises(ValueError, match=r"takes too long to prepare.*simplify it"):
        formula.compile_formula(SLOW[0])
    assert formula._COMPILER.replaced == replaced + 1
    after = set(formula._COMPILER.worker_pids())
    assert len(after) == len(before) and after != before, "the killed worker was replaced"
    assert parse_formula("x^2 + 3 sin(y)").value(1.0, 0.0) == pytest.approx(1.0), "the next one compiles"
    with pytest.raises(ValueError, match="takes too long"):
        formula.compile_formula(SLOW[0])
    assert formula._COMPILER.replaced == replaced + 1, "the refusal is cached, not computed again"


def test_a_worker_starved_of_cpu_says_busy_and_the_text_is_tried_again():
    """Past the wall deadline (the worker got too little CPU, not too much) the answer says to try
    again, and is not cached: the same text is prepared afresh next time."""
    formula._COMPILER.cache_clear()
    formula.compile_formula("x + y")  # the pool is running
    replaced, wall = formula._COMPILER.replaced, formula._COMPILER.wall_seconds
    formula._COMPILER.wall_seconds = 0.0  # as if the machine left it no CPU
    try:
        with pytest.raises(ValueError, match="too busy to prepare this formula just now: try again"):
            formula.compile_formula(SLOW[0])
    finally:
        formula._COMPILER.wall_seconds = wall
    assert formula._COMPILER.replaced == replaced + 1, "the starved worker was replaced"
    with pytest.raises(ValueError, match="takes too long to prepare"):  # prepared again: its own CPU
        formula.compile_formula(SLOW[0])
    assert formula._COMPILER.replaced == replaced + 2


def test_two_slow_formulas_at_once_are_both_refused_and_a_simple_one_still_compiles():
    formula._COMPILER.cache_clear()
    replaced = formula._COMPILER.replaced
    with ThreadPoolExecutor(4) as pool:
        slow = [pool.submit(formula.compile_formula, text) for text in [SLOW[1], SLOW[2], SLOW[1]]]
        simple = pool.submit(formula.compile_formula, "x^2 - y")
        for future in slow:
            with pytest.raises(ValueError, match="takes too long"):
                future.result()
        assert simple.result().value(2.0, 1.0) == [3.0]
    assert formula._COMPILER.replaced == replaced + 2, "the same text twice is compiled once"


@pytest.mark.parametrize("text", ENORMOUS, ids=range(len(ENORMOUS)))
def test_enormous_formulas_are_refused_and_the_pool_keeps_working(text):
    assert len(text) <= formula.MAX_LENGTH
    with pytest.raises(ValueError, match=r"too complicated|too long to prepare|nested too deeply"):
        formula.compile_formula(text)
    assert formula.compile_formula(f"{len(text)} x").value(1.0, 0.0) == [len(text)]


ALPHABET = (
    "xy0123456789.+-*/^() \t,eE_"
    "sincotaexplgqrbhmdfuvwzSIQ"
    "[]{}'\";:=<>!@#$%&|\\`~?"
    "²³⁴−×·÷π½√\u0445\uff58\u200b\u00a0\u0661\x00\n"
)

TOKENS = st.sampled_from(
    [
        *["x", "y", "2", "0.5", "1e3", "9", "+", "-", "*", "/", "^", "**", "(", ")", "(", ")"],
        *["sin", "exp", "log", "sqrt", "abs", "tanh", "pi", "e", "²", " ", "x^", "999999", "0", "-1"],
    ]
)


def refuses_or_builds(text):
    try:
        surface = parse_formula(text)
    except ValueError as error:
        assert str(error)
    else:
        assert isinstance(surface, FormulaLandscape)
        for out in outputs(surface, *surface.start):
            assert out.dtype == np.float64 and out.shape == ()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_random_text_is_built_or_refused_with_a_value_error(text):
    refuses_or_builds(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=40).map("".join))
def test_random_token_soup_is_built_or_refused_with_a_value_error(text):
    refuses_or_builds(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_random_unicode_is_built_or_refused_with_a_value_error(text):
    refuses_or_builds(text)
