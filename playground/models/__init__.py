"""Models, their registry, summaries and safe model files.

Importing this package registers every architecture.
"""

from playground.models import classic, cnn, mlp, series, text  # noqa: F401  (registers the architectures, oldest first)
from playground.models.io import load_model, model_bytes, save_model
from playground.models.registry import create_model, get_spec, list_models, models_for, register_model
from playground.models.summary import Summary, summarize

__all__ = [
    "Summary",
    "create_model",
    "get_spec",
    "list_models",
    "models_for",
    "load_model",
    "model_bytes",
    "register_model",
    "save_model",
    "summarize",
]
