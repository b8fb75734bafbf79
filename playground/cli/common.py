"""What every subcommand shares: training flags, output, and one-sentence errors."""

from __future__ import annotations

import argparse
import json
import math
import sys

from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.share import limits
from playground.training import Callback, EpochStats, History

METRICS = {"accuracy": N_("accuracy"), "mae": N_("MAE")}  # what the engine measures, as people call it


def add_training_args(parser: argparse.ArgumentParser, epochs: int) -> None:
    """--seed, --epochs, --device, --save and --json, for every subcommand that trains."""
    parser.add_argument(
        "--epochs", type=int, default=epochs, help=_("training epochs (default {epochs})").format(epochs=epochs)
    )
    parser.add_argument("--seed", type=int, default=0, help=_("random seed (default 0)"))
    parser.add_argument("--device", default=None, help=_("cpu, cuda, cuda:N, mps or auto (default: best present)"))
    parser.add_argument("--save", metavar="PATH", default=None, help=_("write the trained model to PATH"))
    add_json_arg(parser)


def option_list(config_class: type, field: str) -> list:
    """The options a config field was declared with (``one_of``): the one list the pages, links and CLI share."""
    return list(limits(config_class, field)["choices"])


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("print exactly one JSON object on stdout"))


def int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a comma-separated list of integers").format(text=text)
        ) from None
    return values


def float_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a comma-separated list of numbers").format(text=text)
        ) from None
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(_("'{text}' holds a number that is not finite").format(text=text))
    return values


def emit(result: dict, as_json: bool, text: str) -> None:
    """Print ``result`` as one JSON object, or ``text`` for a person."""
    if as_json:
        json.dump(result, sys.stdout, allow_nan=False, default=_plain)
        sys.stdout.write("\n")
    else:
        print(text)


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class ProgressPrinter(Callback):
    """One line per epoch on stderr, so stdout stays clean for --json."""

    def on_epoch_end(self, model, stats: EpochStats, history: History) -> None:
        metric = METRICS.get(history.metric, history.metric)
        line = _("epoch {epoch:>4}  loss {loss:.4f}  {metric} {value:.4f}").format(
            epoch=stats.epoch, loss=stats.train_loss, metric=_(metric), value=stats.train_metric
        )
        if stats.val_loss is not None:
            line += "  " + _("val loss {loss:.4f}  val {metric} {value:.4f}").format(
                loss=stats.val_loss, metric=_(metric), value=stats.val_metric
            )
        print(line + "  " + _("{speed:,.0f} samples/s").format(speed=stats.samples_per_s), file=sys.stderr)


def run_safely(func, args) -> int:
    """Run a subcommand; user errors become one sentence on stderr and exit code 1."""
    try:
        func(args)
    except PlaygroundError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("error: interrupted."), file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, but never a traceback for the user
        failure = f"{type(exc).__name__}: {exc}"
        print(_("error: unexpected failure ({failure}).").format(failure=failure), file=sys.stderr)
        return 1
    return 0
