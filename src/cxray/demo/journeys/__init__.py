"""The demo company's patient journey maps (as is and to be), shipped as canonical YAML."""

from __future__ import annotations

from importlib import resources

FILES = ("patient-as-is.yaml", "patient-to-be.yaml")


def journey_texts() -> dict[str, str]:
    """File name -> YAML text of each shipped journey."""
    base = resources.files(__package__)
    return {name: (base / name).read_text(encoding="utf-8") for name in FILES}
