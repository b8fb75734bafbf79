"""The course's code beside the playground's: Keras written from the course's layer lists, the PyTorch each
page runs, both counted by their own rules, and the facts behind the course's code, all computed.

``panel(page, **settings)`` gives a page everything its "The course's code" panel shows.
"""

from playground.course.compare import Comparison, ComparisonRow, compare, compare_converted
from playground.course.facts import Fact
from playground.course.keras_rules import KerasModel, KerasSummary, keras_code, keras_summary
from playground.course.panel import PANELS, CoursePanel, panel, warm_up
from playground.course.pytorch_source import build_line, model_source, pytorch_code

__all__ = [
    "PANELS",
    "Comparison",
    "ComparisonRow",
    "CoursePanel",
    "Fact",
    "KerasModel",
    "KerasSummary",
    "build_line",
    "compare",
    "compare_converted",
    "keras_code",
    "keras_summary",
    "model_source",
    "panel",
    "pytorch_code",
    "warm_up",
]
