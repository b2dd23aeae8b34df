"""The accessibility checker the browser tests run is the file tests/vendor/README.md names."""

from __future__ import annotations

import hashlib
import re

from tests.browser import AXE
from tests.support import ROOT


def test_the_vendored_axe_core_is_the_one_recorded():
    readme = (ROOT / "tests" / "vendor" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{AXE.name}`"))
    recorded = re.findall(r"`([0-9a-f]{64})`", row)[-1]
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == recorded
    assert AXE.read_text(encoding="utf-8").startswith("/*! axe v4.14.1")
    assert not (ROOT / "web" / "static" / "vendor" / AXE.name).exists()  # test-only, never served
