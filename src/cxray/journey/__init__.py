"""Journeys as data: the model, its canonical YAML form and the difference between versions.

Pure Python (no Django, no engine): the web app stores journeys and versions, the analytics
package computes their live figures, and this package is what both agree a journey *is*.
"""

from cxray.journey.diff import JourneyDiff, journey_diff
from cxray.journey.model import (
    EMOTIONS,
    VARIANTS,
    Communication,
    Expectations,
    Journey,
    Persona,
    Stage,
    Step,
)
from cxray.journey.yaml_format import JourneyYamlError, YamlProblem, dump_journey, load_journey

__all__ = [
    "EMOTIONS",
    "VARIANTS",
    "Communication",
    "Expectations",
    "Journey",
    "JourneyDiff",
    "JourneyYamlError",
    "Persona",
    "Stage",
    "Step",
    "YamlProblem",
    "dump_journey",
    "journey_diff",
    "load_journey",
]
