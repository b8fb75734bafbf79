"""``fetch-weights``: put torchvision's pretrained ResNet-50 weights where the app looks for them."""

from __future__ import annotations

import argparse

from playground.cli.common import add_json_arg, emit
from playground.i18n import _
from playground.vision import weights


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser(
        "fetch-weights",
        help=_("download pretrained weights into torchvision's cache, where the app finds them offline"),
    )
    p.add_argument("model", choices=["resnet50"], help=_("the pretrained network (ImageNet weights)"))
    p.add_argument(
        "--out",
        metavar="FOLDER",
        default=None,
        help=_("write the file into FOLDER instead of torchvision's cache (default: {folder})").format(
            folder=weights.cache_folder()
        ),
    )
    add_json_arg(p)
    p.set_defaults(func=fetch_weights_command)


def fetch_weights_command(args: argparse.Namespace) -> None:
    fetched = weights.fetch(args.out)
    needed = weights.weights_file()
    values = {"path": fetched.path, "size": fetched.bytes / 2**20, "sha256": fetched.sha256}
    if fetched.downloaded:
        text = _("Downloaded {path} ({size:.1f} MiB, SHA-256 {sha256}).").format(**values)
    else:
        text = _("{path} is already there ({size:.1f} MiB, SHA-256 {sha256}).").format(**values)
    if fetched.path == needed.path:
        text += " " + _("The app and `predict --pretrained resnet50` find it there without a network connection.")
    else:
        text += " " + _("Copy it into {folder} on the machine that runs the app, or load it as a weights file.").format(
            folder=needed.folder
        )
    result = {
        "model": args.model,
        "weights": needed.tag,
        "path": str(fetched.path),
        "bytes": fetched.bytes,
        "sha256": fetched.sha256,
        "downloaded": fetched.downloaded,
        "url": needed.url,
    }
    emit(result, args.json, text)
