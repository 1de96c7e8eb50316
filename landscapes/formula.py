"""Custom surfaces: a formula in x and y, typed by a teacher, that behaves like any registered surface.

    >>> surface = parse_formula("(1 - x)^2 + 100 (y - x^2)^2", bounds=((-2, 2), (-1, 3)))
    >>> surface.formula
    '(1 − x)² + 100 (y − x²)²'

The text is untrusted, so it never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr`` (the last
two ``eval`` the Python code they generate from it). A tokenizer admits only numbers, whitelisted
names, operators and brackets; a recursive-descent parser builds the SymPy expression node by node,
so each power is checked before SymPy evaluates it (``9^9^9`` is refused, not computed). SymPy then
differentiates the checked tree, and ``lambdify`` prints the tree, never the text, as NumPy code.

Grammar, with the usual precedence (``^`` and ``**`` group right to left and bind tighter than a
leading minus, so ``-x^2`` is −(x²) and ``2^3^2`` is 2⁹):

    sum      := product (("+" | "−") product)*
    product  := unary (("*" | "/") unary | juxtaposed)*     juxtaposed: 2x, 3xy, x sin(y), 2 (x + 1)
    unary    := ("+" | "−") unary | power
    power    := atom ("^" unary | superscript digits)?
    atom     := number | x | y | pi | e | function "(" sum ")" | "(" sum ")"

Juxtaposition multiplies like ``*``, left to right as in SymPy: ``1/2x`` is x/2 (and is shown as
1/2·x). A run of letters splits into known names (``xy`` is x·y, ``2pix`` is 2πx); a function needs
brackets, ``sin(x)``. The unicode the pretty-printer writes (² − · × ÷ π) is read back, so a surface's
``formula`` parses to the same expression.
"""

from __future__ import annotations

import math
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import NamedTuple

import numpy as np
import sympy

from landscapes.base import Bounds, Landscape, Point, as_arrays
from landscapes.compiler import Compiler

MAX_LENGTH = 200  # characters of formula text (so at most ~100 operations)
MAX_NESTING = 20  # brackets inside brackets
MAX_DEPTH = 30  # levels of the expression tree
MAX_GRADIENT_NODES = 600  # size of ∂L/∂x plus ∂L/∂y as trees, which bounds the Hessian's cost
MAX_HESSIAN_NODES = 5_000  # size of the three second derivatives, which bounds lambdify's cost
MAX_LITERAL = 10**6  # the largest number that may be typed
MAX_LITERAL_EXPONENT = 300  # |k| in a typed 1.5e-k
MAX_EXPONENT = 100  # the largest |n| in a power with a numeric exponent (x^n, 2^n)
MAX_MAGNITUDE = 10**300  # constants beyond 1e±300 are refused: float64 ends at 1.8e308
MAX_SPAN = 1e4  # widest plot window, per axis
DEFAULT_BOUNDS: Bounds = ((-3.0, 3.0), (-3.0, 3.0))
START_FRACTION = (0.7, 0.6)  # default start: this far from the centre towards a corner, per axis

DESCRIPTION = (
    "A custom surface from your own formula. Its minima are not known in advance, so watch where "
    "the optimizers settle."
)
HELP = (
    "Use x, y, numbers, + − × ÷ ^, brackets ( ), pi, e and sin cos tan exp log sqrt abs tanh sinh cosh atan"
)

X, Y = sympy.symbols("x y", real=True)


class RealAbs(sympy.Function):
    """|u| for real u, with d|u|/du = sign(u); NumPy's ``abs`` when lambdified.

    SymPy's ``Abs`` differentiates through re() and im() unless it can prove its argument real, which
    it cannot for log(x) or sqrt(x) − 1; here every value is a real number or NaN. (No ``eval`` hook:
    abs(−3) stays unevaluated and NumPy computes it.)
    """

    def fdiff(self, argindex=1):
        return RealSign(self.args[0])


class RealSign(sympy.Function):
    """sign(u) with derivative 0: the Dirac spike at the kink is left out (NumPy's ``sign``)."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero


FUNCTIONS = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "abs": RealAbs,
    "tanh": sympy.tanh,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "atan": sympy.atan,
    "arctan": sympy.atan,
}
CONSTANTS = {"x": X, "y": Y, "pi": sympy.pi, "π": sympy.pi, "e": sympy.E}
NAMES = FUNCTIONS.keys() | CONSTANTS.keys()
_LONGEST_NAME = max(map(len, NAMES))

#: What a checked expression may contain: anything else is refused (``_checked``).
_ALLOWED_NODES = (
    sympy.Add,
    sympy.Mul,
    sympy.Pow,
    sympy.Rational,  # Integer is a Rational
    sympy.Symbol,
    sympy.Abs,  # from SymPy's sqrt(x²); compile_formula turns it into RealAbs
    type(sympy.pi),
    type(sympy.E),
    *{f for f in FUNCTIONS.values() if f is not sympy.sqrt},  # sqrt(u) is Pow(u, 1/2)
)
_NUMPY = [{"RealAbs": np.abs, "RealSign": np.sign}, "numpy"]


# --- tokens ---------------------------------------------------------------------------------------


class Token(NamedTuple):
    kind: str  # "number", "name", "operator" or "superscript"
    text: str  # as typed, but operators in ASCII (− × · ÷ ** read as - * * / ^)
    position: int  # 1-based, for messages


_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n]+)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*|π)"
    r"|(?P<superscript>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?P<operator>\*\*|[-+*/^()−×·÷])"
)
_SCIENTIFIC = re.compile(r"[0-9.]+[eE][+-]?[0-9]+")
_ASCII_OPERATOR = {"−": "-", "×": "*", "·": "*", "÷": "/", "**": "^"}
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_DIGIT_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; anything that is not a number, a known name, an operator or a bracket
    raises ``ValueError``."""
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(_bad_character(text[position], position + 1))
        kind, piece = match.lastgroup, match.group()
        if kind == "word":
            tokens += _split_word(piece, position + 1)
        elif kind == "operator":
            tokens.append(Token(kind, _ASCII_OPERATOR.get(piece, piece), position + 1))
        elif kind in ("number", "superscript"):
            tokens.append(Token(kind, piece, position + 1))
        position = match.end()
    return tokens


def _bad_character(char: str, position: int) -> str:
    if char == ".":
        return (
            f"A '.' at character {position} is not part of a number: '.' is only a decimal point, as in 0.5."
        )
    if char == ",":
        return (
            f"A ',' at character {position}: every function takes one argument, e.g. log(x)/log(2). {HELP}."
        )
    code = "" if char.isascii() else f" (U+{ord(char):04X})"
    return f"The character {char!r}{code} at character {position} is not allowed. {HELP}."


def _split_word(word: str, position: int) -> list[Token]:
    """A run of letters as known names, longest first: "xy" → x, y; "expx" → exp, x."""
    if word in NAMES:
        return [Token("name", word, position)]
    tokens, start = [], 0
    while word.isascii() and word.isalpha() and start < len(word):
        for end in range(min(len(word), start + _LONGEST_NAME), start, -1):
            if word[start:end] in NAMES:
                tokens.append(Token("name", word[start:end], position + start))
                start = end
                break
        else:
            break
    if tokens and start == len(word):
        return tokens
    raise ValueError(f"{HELP}; got {word!r} (character {position}).")


# --- parsing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A parsed piece of formula: its SymPy expression and its pretty text.

    ``lead``: the text starts with a variable or constant, so ``2`` and ``x`` may be written ``2x``;
    ``open_end``: it ends in a ``^`` exponent, so what follows must not be juxtaposed (``2^x·y``).
    """

    expr: sympy.Expr
    text: str
    lead: bool = False
    open_end: bool = False


class Parser:
    """Recursive descent over ``tokens`` (the grammar is in the module docstring)."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    def parse(self) -> Node:
        node = self.sum()
        if (token := self.peek()) is not None:
            raise ValueError(f"Unexpected {token.text!r} at character {token.position}. {HELP}.")
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, *texts: str) -> Token | None:
        """The next token if it is one of the operators ``texts`` (consumed), else ``None``."""
        token = self.peek()
        if token is not None and token.kind == "operator" and token.text in texts:
            self.index += 1
            return token
        return None

    def sum(self) -> Node:
        node = self.product()
        while operator := self.take("+", "-"):
            right = self.product()
            expr = node.expr + right.expr if operator.text == "+" else node.expr - right.expr
            sign = "+" if operator.text == "+" else "−"
            node = Node(_checked(expr), f"{node.text} {sign} {right.text}", node.lead, right.open_end)
        return node

    def product(self) -> Node:
        node, divided = self.unary(), False
        while (token := self.peek()) is not None:
            if operator := self.take("*", "/"):
                right = self.unary()
                expr = node.expr * right.expr if operator.text == "*" else node.expr / right.expr
                text = f"{node.text}{'·' if operator.text == '*' else '/'}{right.text}"
                divided |= operator.text == "/"
            elif token.kind == "name" or token.text == "(":
                right = self.power()  # no sign: "x -y" is a difference
                expr = node.expr * right.expr
                text = node.text + _juxtaposition(node, right, divided) + right.text
            elif token.kind == "number":
                raise ValueError(
                    f"A number cannot follow {node.text!r} directly (character {token.position}): "
                    f"write * between them, or put the number first (2x)."
                )
            else:
                break
            node = Node(_checked(expr), text, node.lead, right.open_end)
        return node

    def unary(self) -> Node:
        if operator := self.take("+", "-"):
            operand = self.unary()
            if operator.text == "+":
                return Node(operand.expr, f"+{operand.text}", False, operand.open_end)
            return Node(_checked(-operand.expr), f"−{operand.text}", False, operand.open_end)
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        token = self.peek()
        if token is not None and token.kind == "superscript":
            self.index += 1
            digits = token.text.translate(_SUPERSCRIPT_DIGITS)
            exponent = Node(sympy.Integer(int(digits)), digits)
            if (after := self.peek()) is not None and after.text == "^":
                raise ValueError(f"Write (a²)^b or a^(2^b), not a²^b (character {after.position}).")
        elif self.take("^"):
            exponent = self.unary()
        else:
            return base
        expr = _power(base.expr, exponent.expr)
        if exponent.text.isascii() and exponent.text.isdigit():
            return Node(expr, base.text + exponent.text.translate(_DIGIT_SUPERSCRIPTS), base.lead)
        return Node(expr, f"{base.text}^{exponent.text}", base.lead, open_end=True)

    def atom(self) -> Node:
        token = self.peek()
        if token is None:
            raise ValueError(f"The formula ends too early: a number, x, y or '(' must follow. {HELP}.")
        self.index += 1
        if token.kind == "number":
            return Node(_number(token), token.text)
        if token.kind == "name" and token.text in FUNCTIONS:
            if not self.take("("):
                raise ValueError(f"Write {token.text}(…) with brackets, e.g. {token.text}(x).")
            inner = self.group()
            return Node(_checked(FUNCTIONS[token.text](inner.expr)), f"{token.text}({inner.text})")
        if token.kind == "name":
            return Node(CONSTANTS[token.text], "π" if token.text == "pi" else token.text, lead=True)
        if token.kind == "operator" and token.text == "(":
            inner = self.group()
            return Node(inner.expr, f"({inner.text})")
        raise ValueError(f"Unexpected {token.text!r} at character {token.position}. {HELP}.")

    def group(self) -> Node:
        """What follows an opening bracket, up to its closing one."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ValueError(f"Brackets are nested more than {MAX_NESTING} deep.")
        inner = self.sum()
        if not self.take(")"):
            token = self.peek()
            where = "at the end" if token is None else f"before {token.text!r} at character {token.position}"
            raise ValueError(f"A closing bracket ')' is missing {where}.")
        self.nesting -= 1
        return inner


def _juxtaposition(left: Node, right: Node, divided: bool) -> str:
    """How to print an implicit product: "2x", "x²y", "2 sin(x)", "2^x·y", "1/2·x"."""
    if divided or left.open_end:
        return "·"
    if _SCIENTIFIC.fullmatch(left.text):
        return " "  # 1e-3 x, not 1e-3x
    last = left.text[-1]
    joins = (last.isascii() and last.isalnum()) or last == "π" or last in "⁰¹²³⁴⁵⁶⁷⁸⁹"
    return "" if right.lead and joins else " "


def _number(token: Token) -> sympy.Rational:
    """A typed number, exactly: 0.1 is 1/10 (NumPy then sees the double nearest 0.1, as in Python)."""
    mantissa, _, exponent = token.text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_LITERAL_EXPONENT:
        raise ValueError(f"The number {token.text} is out of range: write numbers between 1e-300 and 1e6.")
    value = Fraction(mantissa) * Fraction(10) ** int(exponent or 0)
    if value > MAX_LITERAL:
        raise ValueError(f"The number {token.text} is too large: numbers may be at most 1e6 (1000000).")
    return sympy.Rational(value.numerator, value.denominator)


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """base^exponent, refusing before SymPy computes it whatever would be huge or complex."""
    if exponent.is_Number:
        if abs(exponent) > MAX_EXPONENT:
            raise ValueError(
                f"The exponent {exponent} is too large: powers with a number exponent go up to "
                f"^{MAX_EXPONENT} (x^{MAX_EXPONENT}, 2^-{MAX_EXPONENT})."
            )
        if base.is_Number and base < 0 and not exponent.is_integer:
            raise ValueError(
                f"({base})^({exponent}) is not a real number: a negative number has no real fractional power."
            )
    # Both sides are checked: at most 1e300 to the 100th, ~30 000 digits, computed in microseconds.
    return _checked(base**exponent)


# --- checks on the expression ---------------------------------------------------------------------

_NOT_FINITE = {
    sympy.zoo: "The formula divides by zero whatever x and y are (like 1/0, log(0) or tan(pi/2)).",
    sympy.oo: "The formula is infinite whatever x and y are.",
    -sympy.oo: "The formula is infinite whatever x and y are.",
    sympy.nan: "The formula is undefined whatever x and y are (like 0/0).",
    sympy.I: "The formula takes the root or log of a negative number, which is not a real number.",
}


def _checked(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` if it holds only allowed pieces of moderate size, else ``ValueError``."""
    for node in sympy.preorder_traversal(expr):
        if node in _NOT_FINITE:
            raise ValueError(_NOT_FINITE[node])
        if not isinstance(node, _ALLOWED_NODES):
            raise ValueError(f"The formula produced {type(node).__name__}, which is not supported. {HELP}.")
        if node.is_Rational and not _moderate(node):
            raise ValueError("A number in the formula is beyond 1e±300, the range of floating point.")
        if node.is_Pow and node.exp.is_Number and abs(node.exp) > MAX_EXPONENT:
            raise ValueError(f"The power {_short(node)} is too large: exponents go up to {MAX_EXPONENT}.")
    return expr


def _moderate(number: sympy.Rational) -> bool:
    """0 or 1e-300 ≤ |number| ≤ 1e300, in integer arithmetic (a float conversion could overflow)."""
    p, q = abs(number.p), number.q
    return p == 0 or (p <= q * MAX_MAGNITUDE and p * MAX_MAGNITUDE >= q)


def _short(expr: sympy.Expr) -> str:
    text = sympy.sstr(expr).replace("**", "^")
    return text if len(text) <= 60 else text[:57] + "..."


def _depth(expr: sympy.Expr) -> int:
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(arg, depth + 1) for arg in node.args]
    return deepest


# --- compiling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A checked formula and its NumPy functions (each takes float64 arrays x, y of one shape)."""

    source: str
    formula: str
    expression: sympy.Expr
    value: Callable  # (x, y) -> [L]
    value_and_gradient: Callable  # (x, y) -> [L, ∂L/∂x, ∂L/∂y]; gradient() uses it too
    hessian: Callable  # (x, y) -> [∂²L/∂x², ∂²L/∂x∂y, ∂²L/∂y²]


def compile_formula(text: str) -> Compiled:
    """Parse, check, differentiate and lambdify ``text`` (at most ``MAX_LENGTH`` characters).

    SymPy's work happens in a worker process (``_COMPILER``) that is ended past ``COMPILE_SECONDS`` of
    CPU: some short formulas (nested powers of hyperbolic functions of x^x) take SymPy minutes to
    differentiate, and no check of the text can tell which. Results, refusals included, are cached
    by the text: the app rebuilds the surface on every interaction.
    """
    return _COMPILER.compile(text)


def derive(text: str) -> tuple[str, list[sympy.Expr]]:
    """The pretty text of ``text`` and its expression, gradient and Hessian (SymPy's part of compiling).

    Returns ``(formula, [L, ∂L/∂x, ∂L/∂y, ∂²L/∂x², ∂²L/∂x∂y, ∂²L/∂y²])``; raises ``ValueError``.
    """
    node = Parser(tokenize(text)).parse()
    expr = node.expr.replace(sympy.Abs, RealAbs)  # SymPy writes sqrt(x²) as Abs(x)
    if _depth(expr) > MAX_DEPTH:
        raise ValueError(f"The formula is nested too deeply (more than {MAX_DEPTH} levels).")
    gradient = [sympy.diff(expr, X), sympy.diff(expr, Y)]
    _check_size(gradient, MAX_GRADIENT_NODES, "gradient")
    gx, gy = gradient
    hessian = [sympy.diff(gx, X), sympy.diff(gx, Y), sympy.diff(gy, Y)]
    _check_size(hessian, MAX_HESSIAN_NODES, "Hessian")
    return node.text, [expr, gx, gy, *hessian]


def _build(text: str, derived: bytes) -> Compiled:
    """The NumPy functions of ``derive``'s pickled answer, made in this process.

    Unpickling rebuilds each node with its constructor; with evaluation off it only reassembles the
    worker's (already evaluated) tree: evaluating again could take SymPy as long as deriving did.
    """
    with sympy.evaluate(False):
        pretty, exprs = pickle.loads(derived)  # our own worker's answer, not user data
    expr, gx, gy, *hessian = exprs
    compiled = Compiled(
        source=text,
        formula=pretty,
        expression=expr,
        value=_lambdify([expr]),
        value_and_gradient=_lambdify([expr, gx, gy]),
        hessian=_lambdify(hessian),
    )
    _probe(compiled)
    return compiled


def _check_size(exprs: list[sympy.Expr], limit: int, what: str) -> None:
    """Refuse derivatives too large to differentiate again or compile within a fraction of a second.

    A product of n factors has a gradient of n terms and a Hessian of n² terms of n factors each.
    """
    nodes = 0
    for expr in exprs:
        for _ in sympy.preorder_traversal(expr):
            nodes += 1
            if nodes > limit:
                raise ValueError(
                    f"The formula is too complicated: its {what} would have more than {limit} parts. "
                    f"Try a shorter formula."
                )


def _lambdify(exprs):
    # The code is printed from the checked SymPy tree; the text never reaches it.
    return sympy.lambdify((X, Y), exprs, modules=_NUMPY)


def _probe(compiled: Compiled) -> None:
    """Run every function once: constant parts that fail or turn complex do so at every point."""
    x, y = np.array([0.3, -1.7]), np.array([-0.6, 2.1])
    for function in (compiled.value_and_gradient, compiled.hessian):
        try:
            with np.errstate(all="ignore"):
                results = function(x, y)
        except OverflowError:
            raise ValueError(
                "A number in the formula is too large for floating point (beyond 1e308)."
            ) from None
        except (ArithmeticError, TypeError, ValueError, NameError) as error:
            raise ValueError(f"The formula cannot be evaluated: {error}.") from None
        if any(np.iscomplexobj(r) for r in results):
            raise ValueError("The formula gives complex numbers (like the root of a negative constant).")


def evaluate(function: Callable, x, y) -> list[np.ndarray]:
    """``function``'s outputs at (x, y) as float64 arrays of the broadcast shape of x and y.

    NaN where the formula is undefined (log of a negative number), without warnings.
    """
    x, y = as_arrays(x, y)
    with np.errstate(all="ignore"):
        results = function(x, y)
    outputs = []
    for result in results:
        out = np.empty(x.shape)  # a fresh array: constants broadcast, inputs never returned
        out[...] = result
        outputs.append(out)
    return outputs


# --- the landscape --------------------------------------------------------------------------------


class FormulaLandscape(Landscape):
    """A surface from a typed formula; build one with ``parse_formula``.

    Unlike the registered surfaces (one class each), the attributes belong to the instance. The
    gradient and Hessian are SymPy's exact derivatives; at a kink of abs() the gradient takes
    sign(0) = 0 and the Hessian leaves out the spike. ``minima`` is empty and ``min_value`` ``None``:
    they are unknown, not absent. ``z_clip`` is a robust range of the window's values.

    Attributes (besides ``Landscape``'s): ``source``, the text as typed; ``expression``, SymPy's.
    """

    def __init__(self, compiled: Compiled, bounds: Bounds, start: Point | None = None):
        self._compiled = compiled
        self.name = "custom"
        self.source = compiled.source
        self.expression = compiled.expression
        self.formula = compiled.formula
        self.title = f"Custom: {compiled.formula}"
        self.description = DESCRIPTION
        self.bounds = bounds
        self.z_clip = _robust_range(self.grid(101)[2])
        self.start = _default_start(self) if start is None else start

    def __repr__(self) -> str:
        return f"parse_formula({self.source!r}, bounds={self.bounds!r}, start={self.start!r})"

    def value(self, x, y):
        return evaluate(self._compiled.value, x, y)[0]

    def gradient(self, x, y):
        return self.value_and_gradient(x, y)[1]

    def value_and_gradient(self, x, y):
        value, gx, gy = evaluate(self._compiled.value_and_gradient, x, y)
        return value, (gx, gy)

    def hessian(self, x, y):
        hxx, hxy, hyy = evaluate(self._compiled.hessian, x, y)
        return hxx, hxy, hyy

    def max_curvature(self, x, y):
        with np.errstate(all="ignore"):  # at a pole the Hessian holds ±inf
            return super().max_curvature(x, y)


def parse_formula(text: str, bounds=DEFAULT_BOUNDS, start=None) -> FormulaLandscape:
    """The surface L(x, y) = ``text`` over the window ``bounds``, as a ``Landscape``.

    Args:
        text: e.g. ``"x^2 + 3 sin(y)"``, ``"(1-x)^2 + 100(y-x^2)^2"``, ``"abs(x) + y**2"``: x, y,
            numbers (at most 1e6; 1.5e-3 is fine), + - * / ^ (or **), brackets, pi, e and the
            functions sin cos tan exp log (= ln) sqrt abs tanh sinh cosh atan (= arctan). At most
            200 characters.
        bounds: ``((xmin, xmax), (ymin, ymax))``: finite, min < max, each span at most 1e4.
        start: ``(x, y)`` strictly inside ``bounds``; ``None`` picks a point 70 % / 60 % of the way
            from the centre towards a corner where the formula is defined and not flat.

    Raises:
        ValueError: for anything else, with a plain message saying what is allowed.
    """
    if not isinstance(text, str):
        raise ValueError(f"The formula must be text, got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"The formula is {len(text)} characters long; at most {MAX_LENGTH} are allowed.")
    if not text.strip():
        raise ValueError("Type a formula in x and y, for example x^2 + 3 sin(y).")
    bounds = _check_bounds(bounds)
    start = None if start is None else _check_start(start, bounds)
    return FormulaLandscape(compile_formula(text.strip()), bounds, start)


def _real(value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(value)
    return float(value)


def _check_bounds(bounds) -> Bounds:
    try:
        (x0, x1), (y0, y1) = bounds
        x0, x1, y0, y1 = map(_real, (x0, x1, y0, y1))
    except (TypeError, ValueError):
        raise ValueError(
            f"Bounds must be ((xmin, xmax), (ymin, ymax)) in finite numbers, got {bounds!r}."
        ) from None
    for axis, lo, hi in (("x", x0, x1), ("y", y0, y1)):
        if not lo < hi or hi - lo > MAX_SPAN:
            raise ValueError(
                f"The {axis} range ({lo:g}, {hi:g}) must have min < max and a width of at most {MAX_SPAN:g}."
            )
    return (x0, x1), (y0, y1)


def _check_start(start, bounds: Bounds) -> Point:
    (x0, x1), (y0, y1) = bounds
    try:
        sx, sy = map(_real, start)
    except (TypeError, ValueError):
        raise ValueError(f"The start must be a point (x, y) in finite numbers, got {start!r}.") from None
    if not (x0 < sx < x1 and y0 < sy < y1):
        raise ValueError(
            f"The start ({sx:g}, {sy:g}) must lie inside the window "
            f"x ∈ ({x0:g}, {x1:g}), y ∈ ({y0:g}, {y1:g})."
        )
    return sx, sy


def _robust_range(z: np.ndarray) -> tuple[float, float]:
    """(1st, 99th) percentile of the finite values, each widened to the extreme if its tail is short.

    A bowl keeps its rim; a spike (1/(x² + y²)) or an exponential wall no longer flattens the rest.
    """
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        raise ValueError("The formula has no finite value anywhere in the window: try another window.")
    lo, p1, p99, hi = np.percentile(finite, [0, 1, 99, 100])
    spread = p99 - p1
    lo = lo if p1 - lo <= 0.5 * spread else p1
    hi = hi if hi - p99 <= 0.5 * spread else p99
    if hi <= lo:  # a constant: a band around it
        pad = max(1.0, abs(lo))
        return float(lo - pad), float(hi + pad)
    return float(lo), float(hi)


def _default_start(landscape: FormulaLandscape) -> Point:
    """The first of four points towards the corners (NE, NW, SW, SE) where the loss is finite and the
    slope is not flat; else the first with a finite loss; else the finite inner grid point nearest NE."""
    (x0, x1), (y0, y1) = landscape.bounds
    fx, fy = START_FRACTION
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    xs = cx + np.array([fx, -fx, -fx, fx]) * hx
    ys = cy + np.array([fy, fy, -fy, -fy]) * hy
    value, (gx, gy) = landscape.value_and_gradient(xs, ys)
    defined = np.isfinite(value) & np.isfinite(gx) & np.isfinite(gy)
    for candidates in (defined & (np.hypot(gx, gy) > 1e-3), defined):
        if candidates.any():
            k = int(np.argmax(candidates))
            return _tidy(xs[k]), _tidy(ys[k])
    grid_x, grid_y, z = landscape.grid(101)
    inner_x, inner_y = np.meshgrid(grid_x[1:-1], grid_y[1:-1])  # strictly inside the window
    distance = np.where(np.isfinite(z[1:-1, 1:-1]), np.hypot(inner_x - xs[0], inner_y - ys[0]), np.inf)
    k = np.argmin(distance)
    if not np.isfinite(distance.flat[k]):
        raise ValueError("The formula has no finite value inside the window: try another window.")
    return _tidy(inner_x.flat[k]), _tidy(inner_y.flat[k])


def _tidy(coordinate) -> float:
    """2.1, not 2.0999999999999996: a start the UI can show as typed."""
    return float(f"{coordinate:.12g}")


TOO_SLOW = (
    "This formula takes too long to prepare (its derivatives took SymPy over {seconds:g} s); "
    "simplify it: fewer nested functions, or powers with a number exponent instead of x^x."
)

#: The worker processes that run ``derive``; see ``landscapes.compiler``.
_COMPILER = Compiler(derive, _build, TOO_SLOW)
