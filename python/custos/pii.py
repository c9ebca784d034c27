"""Personal data in text and tables, with Presidio's vocabulary.

Entity types, scores, thresholds and operators are Presidio's (``PERSON``, ``EMAIL_ADDRESS``,
``{"type": "mask", "masking_char": "*", "chars_to_mask": 4}``, ...); offsets are characters
(code points), as Presidio reports them. Results equal ``custos pii analyze``,
``custos pii anonymize``, ``custos pii scan-table`` and ``custos pii redact-table``.

>>> import custos
>>> custos.pii.analyze("Mail kate@example.com")
[type: EMAIL_ADDRESS, start: 5, end: 21, score: 1]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from . import _native
from ._arrow import as_stream
from ._native import PiiFinding

__all__ = [
    "PiiFinding",
    "AnonymizedText",
    "AnonymizedItem",
    "TableScan",
    "analyze",
    "anonymize",
    "scan_table",
    "scan_partial",
    "redact_table",
    "supported_entities",
]


@dataclass(frozen=True)
class AnonymizedItem:
    """One replaced span, in characters of the anonymized text (Presidio's ``OperatorResult``)."""

    start: int
    end: int
    entity_type: str
    text: str
    operator: str


@dataclass(frozen=True)
class AnonymizedText:
    """An anonymized text and what was replaced in it (Presidio's ``EngineResult``)."""

    text: str
    items: list = field(default_factory=list)


def _texts(texts: Union[str, Iterable[str]]) -> tuple[list[str], bool]:
    if isinstance(texts, str):
        return [texts], True
    out = list(texts)
    bad = next((i for i, t in enumerate(out) if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"texts[{bad}]: expected str, got {type(out[bad]).__name__}")
    return out, False


# Operator names given alone mean what ``redact-table --column NAME=OPERATOR`` means.
_SHORTHAND = {
    "replace": {"type": "replace"},
    "redact": {"type": "redact"},
    "mask": {"type": "mask", "masking_char": "*", "chars_to_mask": 2**64 - 1},
    "hash": {"type": "hash"},
    "keep": {"type": "keep"},
}


def _operator(name: str, op: Any) -> dict:
    if isinstance(op, dict):
        return op
    if isinstance(op, str) and op in _SHORTHAND:
        return _SHORTHAND[op]
    raise _native.CustosError(f"operators[{name!r}]: expected one of {sorted(_SHORTHAND)} or a config dict, got {op!r}")


def _operators(operators: Optional[Mapping[str, Any]]) -> Optional[str]:
    if operators is None:
        return None
    return json.dumps({k: _operator(k, v) for k, v in operators.items()})


def analyze(
    texts: Union[str, Iterable[str]],
    entities: Optional[Sequence[str]] = None,
    threshold: float = 0.4,
    allow_list: Sequence[str] = (),
    context: Sequence[str] = (),
) -> Union[list[PiiFinding], list[list[PiiFinding]]]:
    """Finds personal data: a list of findings for one text, a list of lists for several.

    ``entities`` limits the types (all by default), ``threshold`` is the least score
    (Presidio's default on custos's API: 0.4), ``allow_list`` holds strings never reported and
    ``context`` words describing the text as a whole (Presidio's ``context``)."""
    batch, single = _texts(texts)
    found = _native.pii_analyze(
        batch, list(entities) if entities is not None else None, threshold, list(allow_list), list(context)
    )
    return found[0] if single else found


def anonymize(
    texts: Union[str, Iterable[str]],
    operators: Optional[Mapping[str, Any]] = None,
    entities: Optional[Sequence[str]] = None,
    threshold: float = 0.4,
    allow_list: Sequence[str] = (),
) -> Union[AnonymizedText, list[AnonymizedText]]:
    """Finds and replaces personal data. ``operators`` maps entity types (or ``DEFAULT``) to
    Presidio's operator configs, or just an operator name: ``{"PERSON": "redact",
    "DEFAULT": {"type": "replace", "new_value": "<PII>"}}``. Default: ``<ENTITY_TYPE>``."""
    batch, single = _texts(texts)
    done = _native.pii_anonymize(
        batch, _operators(operators), list(entities) if entities is not None else None, threshold, list(allow_list)
    )
    out = [AnonymizedText(text, [AnonymizedItem(*item) for item in items]) for text, items in done]
    return out[0] if single else out


class TableScan:
    """A PII scan's partial aggregate: per column, rows with values and rows per entity type.

    Partials of parts of one table (batches, files, Spark partitions) combine with
    :meth:`merge`; :meth:`report` gives what ``custos pii scan-table`` reports for the whole."""

    def __init__(self, partial: str):
        self._partial = partial

    def merge(self, *others: "TableScan") -> "TableScan":
        """This partial plus ``others`` (a new object; counts are summed)."""
        return TableScan(_native.pii_scan_merge([self._partial, *(o._partial for o in others)]))

    def report(self, classify_share: float = 0.5, file: str = "<table>") -> dict:
        """The report: per column its entity types with their share of non-empty rows and a
        classification when the most frequent type reaches ``classify_share``."""
        return json.loads(_native.pii_scan_finish(self._partial, file, classify_share))

    def to_json(self) -> str:
        """The partial as JSON (to ship between processes)."""
        return self._partial

    @classmethod
    def from_json(cls, text: str) -> "TableScan":
        """A partial from :meth:`to_json`'s output (checked when merged or reported)."""
        return cls(_native.pii_scan_merge([text]))

    def __repr__(self) -> str:
        return f"TableScan({json.loads(self._partial)['rows']} rows)"


def scan_partial(table: Any, entities: Optional[Sequence[str]] = None, threshold: float = 0.4) -> TableScan:
    """Scans every column of ``table`` and returns the partial aggregate (see :class:`TableScan`)."""
    return TableScan(_native.pii_scan_partial(as_stream(table), list(entities) if entities is not None else None, threshold))


def scan_table(
    table: Any, entities: Optional[Sequence[str]] = None, threshold: float = 0.4, classify_share: float = 0.5
) -> dict:
    """Which personal data each column holds: the report of ``custos pii scan-table``."""
    return scan_partial(table, entities, threshold).report(classify_share)


def redact_table(
    table: Any,
    operators: Optional[Mapping[str, Any]] = None,
    columns: Optional[Mapping[str, Any]] = None,
    entities: Optional[Sequence[str]] = None,
    threshold: float = 0.4,
):
    """A ``pyarrow.Table`` copy of ``table`` with what the analyzer finds replaced in every text
    column. ``columns`` gives a column its own operator for everything found in it (a name or
    a config); non-text columns named there are redacted too and become text."""
    cols = {}
    for name, op in (columns or {}).items():
        cols[name] = json.dumps(_operator(name, op))
    return _native.pii_redact_table(
        as_stream(table), _operators(operators), cols, list(entities) if entities is not None else None, threshold
    )


def supported_entities() -> list[str]:
    """Every entity type the analyzer can report."""
    return _native.pii_supported_entities()
