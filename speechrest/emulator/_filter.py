"""The ``filter`` query parameter of the service's list operations.

An OData-like language: comparisons ``property op literal`` where ``eq`` and ``ne``
work for every property and ``gt``, ``ge``, ``lt``, ``le`` only for date-time ones,
combined with ``not``, ``and`` and ``or`` (binding in that order) and parentheses.
:func:`compile_filter` parses an expression once into a predicate over entities in
wire form (dicts with camelCase keys). Error positions count characters from 0.
Parentheses nest at most 100 deep; a run of ``not`` is read without recursion.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, NamedTuple, TypeAlias

__all__ = ["FilterError", "compile_filter"]

Predicate: TypeAlias = Callable[[Mapping[str, Any]], bool]
Value: TypeAlias = str | int | float | bool | datetime | None

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<paren>[()])
      | (?P<string>'(?:[^']|'')*'(?!'))
      | (?P<quote>')
      | (?P<datetime>\d{4}-\d{2}-\d{2}[\w:.+-]*)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_]\w*)
      | (?P<other>\S)
    )""",
    re.VERBOSE | re.ASCII,
)
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:[Zz]|([+-])(\d{2}):(\d{2}))?",
    re.ASCII,
)
_OPERATORS: Mapping[str, Callable[[Any, Any], Any]] = MappingProxyType(
    {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
)
_CONSTANTS: Mapping[str, Value] = MappingProxyType({"true": True, "false": False, "null": None})
_KEYWORDS = frozenset({"and", "or", "not", *_OPERATORS, *_CONSTANTS})
# Parentheses within parentheses: each level is a few frames of the parser's recursion.
_DEEPEST = 100


class FilterError(ValueError):
    """A filter expression that cannot be parsed or does not fit the list it filters."""


def compile_filter(
    expression: str,
    properties: Collection[str],
    ordered: Collection[str] = ("createdDateTime", "lastActionDateTime"),
) -> Callable[[Mapping[str, Any]], bool]:
    """Parse ``expression`` into a predicate over wire-form entities.

    ``properties`` are the names the list supports, matched case-insensitively and
    read from the entity in the spelling given here; those also in ``ordered`` are
    date-times, the only ones that take ``gt``, ``ge``, ``lt`` and ``le``. An empty
    expression keeps everything. Raises :class:`FilterError` for a bad expression.
    """
    if not expression.strip():
        return _always
    return _Parser(expression, properties, ordered).parse()


def _always(entity: Mapping[str, Any]) -> bool:
    return True


def _parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time as an aware ``datetime`` (no offset means UTC), or None if it is not one."""
    match = _DATETIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, offset_hours, offset_minutes = match.groups()
    try:
        zone = timezone.utc
        if sign is not None:
            if int(offset_minutes) > 59:
                return None
            offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
            zone = timezone(-offset if sign == "-" else offset)
        micros = int((fraction or "").ljust(6, "0")[:6])
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros, zone)
    except ValueError:  # day 31 of a short month, hour 24, an offset of a day or more...
        return None


def _wire_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return _parse_datetime(value) if isinstance(value, str) else None


def _same(value: object, literal: Value) -> bool:
    """Equality that keeps booleans apart from the numbers 0 and 1."""
    if isinstance(value, bool) or isinstance(literal, bool):
        return value is literal
    return bool(value == literal)


def _null_comparison(op: str, value: object, literal: Value) -> bool:
    """A comparison with null on at least one side: only ``eq`` and ``ne`` can hold."""
    if op == "eq":
        return value is None and literal is None
    return op == "ne" and not (value is None and literal is None)


def _compare(name: str, op: str, literal: Value, is_datetime: bool) -> Predicate:
    compare = _OPERATORS[op]

    def predicate(entity: Mapping[str, Any]) -> bool:
        value = entity.get(name)
        if value is None or literal is None:
            return _null_comparison(op, value, literal)
        if is_datetime:
            instant = _wire_datetime(value)
            return instant is not None and bool(compare(instant, literal))
        return _same(value, literal) is (op == "eq")

    return predicate


def _negate(inner: Predicate) -> Predicate:
    return lambda entity: not inner(entity)


def _all_of(parts: list[Predicate]) -> Predicate:
    return parts[0] if len(parts) == 1 else lambda entity: all(part(entity) for part in parts)


def _any_of(parts: list[Predicate]) -> Predicate:
    return parts[0] if len(parts) == 1 else lambda entity: any(part(entity) for part in parts)


class _Token(NamedTuple):
    kind: str  # a group name of _TOKEN ("paren", "string", ...) or "end"
    text: str
    position: int
    value: Value = None


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while (match := _TOKEN.match(expression, position)) is not None:
        kind = match.lastgroup or "other"
        text, start, position = match.group(kind), match.start(kind), match.end()
        value: Value = None
        if kind == "quote":
            raise FilterError(f"unterminated string starting at {start}")
        if kind == "other":
            raise FilterError(f"unexpected character {text!r} at {start}")
        if kind == "string":
            value = text[1:-1].replace("''", "'")
        elif kind == "number":
            value = float(text) if "." in text else int(text)
        elif kind == "datetime":
            value = _parse_datetime(text)
            if value is None:
                raise FilterError(f"invalid date-time {text} at {start}")
        tokens.append(_Token(kind, text, start, value))
    tokens.append(_Token("end", "", len(expression)))
    return tokens


class _Parser:
    """Recursive descent over the tokens, building the predicate on the way up."""

    def __init__(self, expression: str, properties: Collection[str], ordered: Collection[str]) -> None:
        self._tokens = _tokenize(expression)
        self._index = 0
        self._depth = 0
        self._properties = list(properties)
        self._names = {name.lower(): name for name in self._properties}
        self._ordered = [self._names[name.lower()] for name in ordered if name.lower() in self._names]

    def parse(self) -> Predicate:
        predicate = self._or()
        token = self._next()
        if token.kind != "end":
            raise self._unexpected(token, "'and', 'or' or the end of the expression")
        return predicate

    def _next(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _accept(self, keyword: str) -> bool:
        token = self._tokens[self._index]
        if token.kind == "word" and token.text.lower() == keyword:
            self._index += 1
            return True
        return False

    @staticmethod
    def _unexpected(token: _Token, expected: str) -> FilterError:
        found = "end of expression" if token.kind == "end" else repr(token.text)
        return FilterError(f"unexpected {found} at {token.position}; expected {expected}")

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._accept("or"):
            parts.append(self._and())
        return _any_of(parts)

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while self._accept("and"):
            parts.append(self._unary())
        return _all_of(parts)

    def _unary(self) -> Predicate:
        negations = 0
        while self._accept("not"):
            negations += 1
        primary = self._primary()
        return _negate(primary) if negations % 2 else primary

    def _primary(self) -> Predicate:
        token = self._next()
        if token.kind == "paren" and token.text == "(":
            self._depth += 1
            if self._depth > _DEEPEST:
                raise FilterError(f"parentheses nest deeper than {_DEEPEST} at {token.position}")
            inner = self._or()
            close = self._next()
            if close.kind != "paren" or close.text != ")":
                raise self._unexpected(close, "'and', 'or' or ')'")
            self._depth -= 1
            return inner
        if token.kind == "word" and token.text.lower() not in _KEYWORDS:
            return self._comparison(token)
        raise self._unexpected(token, "a property, 'not' or '('")

    def _comparison(self, subject: _Token) -> Predicate:
        name = self._names.get(subject.text.lower())
        if name is None:
            supported = ", ".join(self._properties)
            raise FilterError(f"unknown property {subject.text!r} at {subject.position}; supported: {supported}")
        token = self._next()
        op = token.text.lower() if token.kind == "word" else ""
        if op not in _OPERATORS:
            raise self._unexpected(token, "an operator (eq, ne, gt, ge, lt, le)")
        is_datetime = name in self._ordered
        if op not in ("eq", "ne") and not is_datetime:
            scope = f"it is only supported for {', '.join(self._ordered)}" if self._ordered else "no property takes it"
            raise FilterError(f"operator {op} is not supported for {name} at {token.position}; {scope}")
        return _compare(name, op, self._literal(name, is_datetime), is_datetime)

    def _literal(self, name: str, is_datetime: bool) -> Value:
        token = self._next()
        if token.kind in ("string", "number", "datetime"):
            value = token.value
        elif token.kind == "word" and token.text.lower() in _CONSTANTS:
            value = _CONSTANTS[token.text.lower()]
        else:
            raise self._unexpected(token, f"a value for {name}")
        if is_datetime and not isinstance(value, (datetime, type(None))):
            value = _parse_datetime(value) if isinstance(value, str) else None
            if value is None:
                raise FilterError(f"invalid date-time {token.text} at {token.position}; {name} takes a date-time")
        elif not is_datetime and isinstance(value, datetime):
            raise FilterError(f"unexpected date-time {token.text} at {token.position}; {name} is not a date-time")
        return value
