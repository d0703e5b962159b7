"""A tiny, safe evaluator of KPI catalog formulas over raw fields, in ``Decimal`` (no ``eval``).

A formula is an arithmetic expression (``+ - * /``, parentheses, numbers) over raw field names
and ``period_days``. It is evaluated column-wise over many report rows at once. A missing input
gives ``None`` (not recomputed); a zero denominator gives ``ZERO_DENOMINATOR`` (insufficient
data), never 0 % or 100 %.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

PRECISION = 34  # significant digits kept while evaluating; results are exact to far below a cent


class _ZeroDenominator:
    """Marks a value whose denominator was zero: insufficient data, not a number."""

    def __repr__(self) -> str:
        return "ZERO_DENOMINATOR"


ZERO_DENOMINATOR: Any = _ZeroDenominator()


class FormulaError(ValueError):
    """A formula that is not a plain arithmetic expression over field names."""


_OPS: dict[type, Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}

Cell = Any  # Decimal | None | ZERO_DENOMINATOR


@dataclass(frozen=True)
class Formula:
    """A compiled catalog formula; ``names`` are the raw fields (and period_days) it reads."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, Decimal | None]) -> Cell:
        """Evaluate on one row: a Decimal, None (an input is missing) or ZERO_DENOMINATOR."""
        return self.evaluate_columns({k: [v] for k, v in env.items()}, 1)[0]

    def evaluate_columns(self, columns: Mapping[str, Sequence[Cell]], n: int) -> list[Cell]:
        """Evaluate on ``n`` rows at once; ``columns`` maps a field to its ``n`` values."""
        with localcontext() as ctx:
            ctx.prec = PRECISION
            return _eval(self.tree, columns, n)


def compile_formula(text: str) -> Formula:
    """Parse and check a formula; raises FormulaError naming what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"{text!r} is not a valid expression: {exc.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise FormulaError(f"{text!r}: only numbers may appear as constants.")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPS:
                raise FormulaError(f"{text!r}: only + - * / are allowed.")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise FormulaError(f"{text!r}: only + - * / are allowed.")
        elif not isinstance(node, ast.operator | ast.unaryop | ast.expr_context):
            raise FormulaError(
                f"{text!r}: {type(node).__name__} is not allowed; use + - * / over field names."
            )
    return Formula(text=text, tree=tree, names=frozenset(names))


def _eval(node: ast.expr, columns: Mapping[str, Sequence[Cell]], n: int) -> list[Cell]:
    if isinstance(node, ast.Constant):
        return [Decimal(str(node.value))] * n
    if isinstance(node, ast.Name):
        column = columns.get(node.id)
        return list(column) if column is not None else [None] * n
    if isinstance(node, ast.UnaryOp):
        values = _eval(node.operand, columns, n)
        if isinstance(node.op, ast.UAdd):
            return values
        return [v if v is None or v is ZERO_DENOMINATOR else -v for v in values]
    if isinstance(node, ast.BinOp):
        op = _OPS[type(node.op)]
        left, right = _eval(node.left, columns, n), _eval(node.right, columns, n)
        zero = ZERO_DENOMINATOR
        # A missing input gives None; a zero denominator anywhere gives ZERO_DENOMINATOR.
        if isinstance(node.op, ast.Div):
            return [
                None
                if a is None or b is None
                else zero
                if a is zero or b is zero or b == 0
                else op(a, b)
                for a, b in zip(left, right, strict=True)
            ]
        return [
            None if a is None or b is None else zero if a is zero or b is zero else op(a, b)
            for a, b in zip(left, right, strict=True)
        ]
    raise FormulaError(f"{type(node).__name__} is not allowed")  # compile_formula stops these


def ratio_parts(formula: Formula) -> tuple[tuple[str, ...], str] | None:
    """For a share ``(a [+ b ...]) / d * 100``: the counts and their denominator, else None.

    Used to check that no count exceeds its denominator.
    """
    tree = formula.tree
    if not (
        isinstance(tree, ast.BinOp)
        and isinstance(tree.op, ast.Mult)
        and isinstance(tree.right, ast.Constant)
        and tree.right.value == 100
        and isinstance(tree.left, ast.BinOp)
        and isinstance(tree.left.op, ast.Div)
        and isinstance(tree.left.right, ast.Name)
    ):
        return None
    numerator = tree.left.left
    terms: list[str] = []
    stack = [numerator]
    while stack:
        part = stack.pop()
        if isinstance(part, ast.Name):
            terms.append(part.id)
        elif isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add):
            stack.extend([part.right, part.left])
        else:
            return None
    return tuple(terms), tree.left.right.id
