"""Shared fixtures: the repository root and the ``custos`` binary the results are compared with."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Runs the ``custos`` command line (``CUSTOS_BIN``, else the debug build) and returns stdout."""
    binary = os.environ.get("CUSTOS_BIN", str(ROOT / "target" / "debug" / "custos"))
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "-p", "custos-cli"], cwd=ROOT, check=True)

    def run(*args: str) -> str:
        done = subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, f"custos {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    return run


def pytest_terminal_summary(terminalreporter):
    """Ends with a line in cargo's format so `.ci/run` counts these tests with the others."""
    stats = terminalreporter.stats
    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    terminalreporter.write_line(f"test result: {'ok' if not failed else 'FAILED'}. {passed} passed; {failed} failed (pytest)")
