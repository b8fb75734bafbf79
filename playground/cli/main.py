"""The ``python -m playground`` entry point: one subcommand per capability."""

from __future__ import annotations

import argparse
import warnings

from playground import __version__
from playground.cli import backprop, core, series, text, vision
from playground.cli.common import run_safely

# each module adds its subcommands with add_parsers(subparsers)
COMMAND_MODULES = (core, backprop, vision, series, text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m playground",
        description="Deep Learning Playground: run the app's experiments from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"playground {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_parsers(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=UserWarning)  # library chatter must not reach users
    args = build_parser().parse_args(argv)
    return run_safely(args.func, args)
