"""The ``python -m playground`` entry point: one subcommand per capability."""

from __future__ import annotations

import argparse
import warnings

from playground import __version__
from playground.cli import backprop, core, export, series, text, vision, weights
from playground.cli.common import run_safely
from playground.i18n import LANGUAGES, _, from_environment, use_language

# each module adds its subcommands with add_parsers(subparsers)
COMMAND_MODULES = (core, backprop, vision, weights, series, text, export)


def _language_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=from_environment(),
        help=_("the language of messages and errors: zh or en (default: from LANG)"),
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, its help in the current language, its models read from the registry now."""
    parser = argparse.ArgumentParser(
        prog="python -m playground",
        description=_("Deep Learning Playground: run the app's experiments from the command line."),
    )
    parser.add_argument("--version", action="version", version=f"playground {__version__}")
    _language_argument(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_parsers(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=UserWarning)  # library chatter must not reach users
    first = argparse.ArgumentParser(add_help=False)  # the language first: the help and errors are in it
    _language_argument(first)
    use_language(first.parse_known_args(argv)[0].lang)
    args = build_parser().parse_args(argv)
    return run_safely(args.func, args)
