"""custos.consent decodes the committed strings as the reference library did, round-trips, and refuses bad ones."""

from __future__ import annotations

import json

import pytest

import custos


def load(root, name):
    return json.loads((root / "testdata/consent-signals" / name).read_text())


@pytest.mark.parametrize("name", ["tcf_valid.json", "gpp_valid.json"])
def test_valid_strings_decode_equal_the_cli_and_round_trip(root, cli, name):
    cases = load(root, name)
    assert len(cases) >= 100
    for case in cases[:40]:
        got = custos.consent.decode(case["string"])
        assert got == json.loads(cli("consent", "decode", case["string"]))
        again = custos.consent.decode(custos.consent.encode(got))
        assert again == got
    assert custos.consent.validate(c["string"] for c in cases) == [None] * len(cases)
    if name.startswith("tcf"):
        # Every TC string decodes to what the reference library decoded (the fixture's
        # `decoded`, written by generate.mjs with the IAB's own JavaScript library; GPP's
        # fixture JSON is the library's model, compared field by field by the engine's tests).
        assert [custos.consent.decode(c["string"]) for c in cases] == [c["decoded"] for c in cases]


def test_invalid_strings_are_refused(root):
    cases = load(root, "tcf_invalid.json")
    results = custos.consent.validate(c["string"] for c in cases)
    assert all(r is not None for r in results), "every invalid string is refused"
    with pytest.raises(custos.CustosError, match="string"):
        custos.consent.decode(cases[0]["string"])
    with pytest.raises(custos.CustosError, match="value"):
        custos.consent.encode({"version": "not a number"})
    with pytest.raises(custos.CustosError, match="string"):
        custos.consent.decode("x" * (2 << 20))
