"""``export``: take a page's experiment home as a standalone script or notebook, with its data beside it."""

from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

from playground.backprop.network import NetworkConfig
from playground.cli.common import add_json_arg, emit
from playground.cli.vision import load_dataset
from playground.errors import PlaygroundError
from playground.export import PAGES, export, save
from playground.i18n import _
from playground.series.forecaster import ForecastConfig
from playground.share import from_query
from playground.text.classifier import TextTrainConfig
from playground.vision.architectures import ArchitecturesConfig
from playground.vision.classifier import ImageTrainConfig

# each page's settings and the prefix its link gives them
CONFIGS = {
    "backprop": (NetworkConfig, "net"),
    "cnn": (ImageTrainConfig, "cnn"),
    "architectures": (ArchitecturesConfig, "arch"),
    "forecast": (ForecastConfig, "fc"),
    "sentiment": (TextTrainConfig, "sent"),
}
SUFFIXES = (".py", ".ipynb")


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help=_("write a page's experiment as a standalone PyTorch script or notebook, with its data")
    )
    p.add_argument("page", choices=PAGES, help=_("the page whose experiment is written"))
    p.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=_("a setting that differs from the page's default, as in the page's link (repeatable), e.g. epochs=3"),
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help=_("the script (.py) or notebook (.ipynb) to write; its data files are written beside it"),
    )
    add_json_arg(p)
    p.set_defaults(func=export_command)


def page_config(page: str, pairs: list[str]):
    """The page's config: its defaults with each ``FIELD=VALUE`` of ``pairs``, checked as a link's values are."""
    cls, prefix = CONFIGS[page]
    fields = [f.name for f in dataclasses.fields(cls)]
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise PlaygroundError(_("--set takes FIELD=VALUE, not '{text}'.").format(text=pair))
        if name not in fields:
            raise PlaygroundError(
                _("The {page} page has no setting '{name}'; its settings are {fields}.").format(
                    page=page, name=name, fields=", ".join(fields)
                )
            )
        params[f"{prefix}.{name}"] = value.strip()
    config, ignored = from_query(cls, params, prefix)
    if ignored:
        raise PlaygroundError(_("These settings cannot be used: {settings}.").format(settings="; ".join(ignored)))
    return config


def page_export(page: str, config, data=None):
    """``playground.export.export``, with a page whose exporter is missing or broken in one sentence."""
    try:
        return export(page, config, data)
    except ModuleNotFoundError as exc:
        if exc.name != f"playground.export.{page}":
            raise PlaygroundError(
                _("The {page} page's export could not be loaded ({error}).").format(page=page, error=exc)
            ) from None
        raise PlaygroundError(_("The {page} page cannot be exported yet.").format(page=page)) from None
    except ImportError as exc:
        raise PlaygroundError(
            _("The {page} page's export could not be loaded ({error}).").format(page=page, error=exc)
        ) from None


def export_command(args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.suffix not in SUFFIXES:
        raise PlaygroundError(
            _("--out must end in .py (a script) or .ipynb (a notebook), not '{name}'.").format(name=out.name)
        )
    config = page_config(args.page, args.settings)
    data = None
    if args.page == "cnn" and config.dataset.startswith("folder:"):  # the user's own classes, as `train` reads them
        data = load_dataset(config.dataset, 64, config.seed)
    result = page_export(args.page, config, data)
    out.parent.mkdir(parents=True, exist_ok=True)
    save(result, out)
    written = [out, *(out.parent / name for name in result.files)]
    kilobytes = [math.ceil(p.stat().st_size / 1024) for p in written]
    lines = [_("wrote {path} ({kilobytes:,} kB)").format(path=p, kilobytes=k) for p, k in zip(written, kilobytes)]
    if out.suffix == ".py":
        lines.append(_("Run it from its folder: python {name}").format(name=out.name))
    else:
        lines.append(_("Open it with Jupyter from its folder: jupyter notebook {name}").format(name=out.name))
    summary = {
        "page": args.page,
        "config": dataclasses.asdict(config),
        "files": [str(p) for p in written],
        "metric": result.metric,
    }
    emit(summary, args.json, "\n".join(lines))
