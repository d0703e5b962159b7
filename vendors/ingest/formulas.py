"""A tiny, safe evaluator of KPI catalog formulas over raw fields, in ``Decimal`` (no ``eval``).

A formula is an arithmetic expression (``+ - * /``, parentheses, numbers) over raw field names
and ``period_days``. It is evaluated column-wise over many report rows at once. A missing input
gives ``None`` (not recomputed); a zero denominator gives ``ZERO_DENOMINATOR`` (insufficient
data), never 0 % or 100 %.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, cast

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


MAX_LENGTH = 500  # characters of a formula (the catalog's column)
MAX_DEPTH = 50  # nested parentheses and signs
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/()]))"
)


def compile_formula(text: str, *, allowed: Collection[str] | None = None) -> Formula:
    """Parse and check a formula; raises FormulaError naming what is not allowed, and where.

    The grammar is arithmetic only: numbers (``12``, ``0.5``), names, ``+ - * /`` and parentheses.
    With ``allowed``, every name must be one of them (the raw fields a catalog entry may read).
    The same compiler checks a formula when it is saved and compiles it for each upload, so a
    formula that was saved always compiles.
    """
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("The formula is empty.")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"The formula is {len(text)} characters long; at most {MAX_LENGTH}.")
    tree = _Parser(text).parse()
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    if allowed is not None:
        unknown = sorted(names.difference(allowed))
        if unknown:
            listed = ", ".join(sorted(allowed))
            which = ", ".join(f"`{n}`" for n in unknown)
            word = "name" if len(unknown) == 1 else "names"
            raise FormulaError(f"Unknown {word} {which}; a formula may use {listed}.")
    return Formula(text=text, tree=tree, names=names)


class _Parser:
    """Recursive descent over the tokens; positions in messages count from 1."""

    _OPERATORS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div}

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []  # kind, text, position (1-based)
        at = 0
        while at < len(text):
            if text[at:].strip() == "":
                break
            found = _TOKEN.match(text, at)
            if found is None or found.lastgroup is None:
                while text[at].isspace():
                    at += 1
                raise FormulaError(
                    f"Disallowed character {text[at]!r} at position {at + 1}; a formula holds "
                    "numbers, raw field names, + - * / and parentheses."
                )
            kind = found.lastgroup
            self.tokens.append((kind, found.group(kind), found.start(kind) + 1))
            at = found.end()
        self.at = 0
        self.open: list[int] = []  # positions of the parentheses not yet closed
        self._check_parentheses()

    def _check_parentheses(self) -> None:
        stack: list[int] = []
        for _, symbol, position in self.tokens:
            if symbol == "(":
                stack.append(position)
            elif symbol == ")":
                if not stack:
                    raise FormulaError(
                        f"Unbalanced parenthesis at position {position}: ')' closes nothing."
                    )
                stack.pop()
            if len(stack) > MAX_DEPTH:
                raise FormulaError(
                    f"Parentheses nest more than {MAX_DEPTH} deep at position {position}."
                )
        if stack:
            raise FormulaError(
                f"Unbalanced parenthesis at position {stack[-1]}: '(' is never closed."
            )

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _end_position(self) -> int:
        return len(self.text.rstrip()) + 1

    def parse(self) -> ast.expr:
        tree = self._sum(0)
        token = self._peek()
        if token is not None:
            raise FormulaError(
                f"Unexpected {token[1]!r} at position {token[2]}: an operator (+ - * /) "
                "or the end of the formula was expected."
            )
        return tree

    def _sum(self, depth: int) -> ast.expr:
        left = self._product(depth)
        while (token := self._peek()) is not None and token[1] in "+-":
            self.at += 1
            right = self._product(depth)
            left = ast.BinOp(left=left, op=self._OPERATORS[token[1]](), right=right)
        return left

    def _product(self, depth: int) -> ast.expr:
        left = self._factor(depth)
        while (token := self._peek()) is not None and token[1] in "*/":
            self.at += 1
            right = self._factor(depth)
            left = ast.BinOp(left=left, op=self._OPERATORS[token[1]](), right=right)
        return left

    def _factor(self, depth: int) -> ast.expr:
        if depth > MAX_DEPTH:
            token = self._peek()
            where = token[2] if token else self._end_position()
            raise FormulaError(f"The formula nests more than {MAX_DEPTH} deep at position {where}.")
        token = self._peek()
        if token is None:
            raise FormulaError(
                f"The formula ends at position {self._end_position()} where a number, a name "
                "or '(' was expected."
            )
        kind, value, position = token
        self.at += 1
        if kind == "number":
            return ast.Constant(value=cast(Any, Decimal(value)))  # exact, never a float
        if kind == "name":
            following = self._peek()
            if following is not None and following[1] == "(":
                raise FormulaError(
                    f"Disallowed function call `{value}(...)` at position {following[2]}; a "
                    "formula holds numbers, raw field names, + - * / and parentheses."
                )
            return ast.Name(id=value, ctx=ast.Load())
        if value in "+-":
            operand = self._factor(depth + 1)
            op: ast.unaryop = ast.UAdd() if value == "+" else ast.USub()
            return ast.UnaryOp(op=op, operand=operand)
        if value == "(":
            inner = self._sum(depth + 1)
            self.at += 1  # the matching ")": parentheses were checked to balance
            return inner
        raise FormulaError(
            f"Unexpected {value!r} at position {position}: a number, a name or '(' was expected."
        )


def _eval(node: ast.expr, columns: Mapping[str, Sequence[Cell]], n: int) -> list[Cell]:
    if isinstance(node, ast.Constant):
        return [node.value] * n  # a Decimal, as compile_formula wrote it
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
