"""Take an experiment home: a page's current run as a standalone script or a Jupyter notebook.

Each page's exporter (``playground/export/<page>.py``) writes plain PyTorch (with numpy and pandas),
no import of ``playground``, readable top to bottom, with the page's settings and seed filled in.
A script is split into notebook cells at ``# %%`` lines (``# %% [markdown]`` for text cells, whose
lines start with ``# ``), the convention of Jupytext and VS Code.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

CELL = "# %%"
RESULT = "RESULT "  # an exported script's last line: RESULT {"metric": ..., "value": ...} (JSON)
PAGES = ("backprop", "cnn", "architectures", "forecast", "sentiment")  # each has playground/export/<page>.py


@dataclass
class Export:
    """A page's run as a script (cells marked ``# %%``) and the data files it reads, by file name."""

    script: str
    files: dict[str, bytes] = field(default_factory=dict)
    metric: str = ""  # what the script's RESULT line reports, e.g. "test_accuracy"


_EXPORTERS: dict[str, Callable[..., Export]] = {}


def exporter(page: str):
    """Decorator: ``export(config, data=None) -> Export`` is how ``page``'s run is exported."""

    def register(function: Callable[..., Export]) -> Callable[..., Export]:
        _EXPORTERS[page] = function
        return function

    return register


def export(page: str, config, data=None) -> Export:
    """``page``'s run with ``config`` (and the data it used, where the page's data is not bundled)."""
    if page not in _EXPORTERS:
        importlib.import_module(f"playground.export.{page}")
    return _EXPORTERS[page](config, data)


def bundle(result: Export, stem: str = "experiment") -> bytes:
    """A zip of the script (``stem.py``), the same as a notebook (``stem.ipynb``) and the data files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/{stem}.py", result.script)
        archive.writestr(f"{stem}/{stem}.ipynb", to_notebook(result.script))
        for name, content in result.files.items():
            archive.writestr(f"{stem}/{name}", content)
    return buffer.getvalue()


def to_notebook(script: str) -> str:
    """The script as a Jupyter notebook (nbformat 4), one cell per ``# %%`` section."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for section in _sections(script):
        header, _, body = section.partition("\n")
        if header.startswith(CELL + " [markdown]"):
            text = "\n".join(line.removeprefix("#").removeprefix(" ") for line in body.strip("\n").splitlines())
            notebook.cells.append(nbformat.v4.new_markdown_cell(text))
        elif body.strip():
            notebook.cells.append(nbformat.v4.new_code_cell(body.strip("\n")))
    nbformat.validate(notebook)
    return nbformat.writes(notebook)


def _sections(script: str) -> list[str]:
    sections, current = [], []
    for line in script.splitlines():
        if line.startswith(CELL) and current:
            sections.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        sections.append("\n".join(current))
    return [s if s.startswith(CELL) else CELL + "\n" + s for s in sections]


def save(result: Export, path: str | Path) -> Path:
    """Write the script to ``path`` (a notebook for ``.ipynb``) and its data files beside it."""
    path = Path(path)
    path.write_text(to_notebook(result.script) if path.suffix == ".ipynb" else result.script, encoding="utf-8")
    for name, content in result.files.items():
        (path.parent / name).write_bytes(content)
    return path
