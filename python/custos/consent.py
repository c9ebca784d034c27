"""IAB consent strings (TCF v2 TC strings and GPP strings): decode, encode, validate.

Decoded values are the JSON of ``docs/CONSENT_SIGNALS.md`` as dicts, the same as
``custos consent decode`` prints; ``encode`` turns such a dict back into its string.
"""

from __future__ import annotations

import json
from typing import Iterable, Optional

from . import _native

__all__ = ["decode", "encode", "validate"]


def decode(string: str, lenient: bool = False) -> dict:
    """Decodes a TC or GPP string (told apart by its first character). Strict by default: a
    string breaking any rule of the specification raises :class:`custos.CustosError`;
    ``lenient=True`` decodes what can be decoded and lists the rules broken under ``violations``."""
    return json.loads(_native.consent_decode(string, lenient))


def encode(value: dict) -> str:
    """Encodes a decoded value back to its string (a GPP value has a ``header``)."""
    return _native.consent_encode(json.dumps(value))


def validate(strings: Iterable[str], lenient: bool = False) -> list:
    """Checks each string: ``None`` when valid, else ``(rule, detail)`` naming the first rule broken."""
    return _native.consent_validate(list(strings), lenient)
