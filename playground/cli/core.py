"""Subcommands about the playground itself: info, models, summary."""

from __future__ import annotations

import argparse
from dataclasses import asdict

import torch

from playground.cli.common import add_json_arg, emit, int_list
from playground.device import device_info, library_versions, pick_device
from playground.errors import PlaygroundError
from playground.i18n import _
from playground.models import get_spec, list_models, summarize
from playground.models.registry import TASKS, create_for_input
from playground.vision.architectures import stages


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser("info", help=_("the compute device and library versions"))
    p.add_argument("--device", default=None, help=_("describe this device instead of the default"))
    add_json_arg(p)
    p.set_defaults(func=info)

    p = subparsers.add_parser("models", help=_("the registered architectures"))
    p.add_argument("--task", choices=TASKS, default=None, help=_("only models for this task"))
    add_json_arg(p)
    p.set_defaults(func=models)

    p = subparsers.add_parser("summary", help=_("a Keras-style summary of a registered model"))
    p.add_argument("name", help=_("a registered model name (see `models`)"))
    p.add_argument("--input", type=int_list, required=True, help=_("input shape without the batch, e.g. 2 or 1,28,28"))
    p.add_argument("--classes", type=int, default=None, help=_("number of output classes"))
    add_json_arg(p)
    p.set_defaults(func=summary)


def info(args: argparse.Namespace) -> None:
    described = device_info(pick_device(args.device))
    result = {"device": described.as_dict(), "versions": library_versions()}
    text = (
        _("device: {name} [{kind}]").format(name=described.name, kind=described.kind)
        + "\n"
        + "\n".join(f"{k}: {v}" for k, v in result["versions"].items())
    )
    emit(result, args.json, text)


def models(args: argparse.Namespace) -> None:
    names = list_models(args.task)
    rows = [{"name": n, "task": get_spec(n).task, "description": get_spec(n).about} for n in names]
    lines = [f"{n:<16}{get_spec(n).task:<10}{get_spec(n).description}" for n in names]
    emit({"models": rows}, args.json, "\n".join(lines))


def summary(args: argparse.Namespace) -> None:
    spec = get_spec(args.name)
    if not args.input or any(size < 1 for size in args.input):
        raise PlaygroundError(_("The input shape needs one or more sizes of at least 1, e.g. 2 or 1,28,28."))
    kwargs = {} if args.classes is None else {"num_classes": args.classes}
    model = create_for_input(args.name, args.input, **kwargs)
    # token ids for text models (1: a word the vocabulary does not know), real values for the rest
    example = torch.ones((1, *args.input), dtype=torch.long) if spec.integer_input else torch.zeros((1, *args.input))
    try:
        result = summarize(model, example)
    except (RuntimeError, ValueError, IndexError):  # the layers' own shape checks
        raise PlaygroundError(
            _("'{name}' cannot take inputs of shape {shape}.").format(name=args.name, shape=list(args.input))
        ) from None
    layer, kind, shape, params = _("layer"), _("type"), _("output shape"), _("params")
    lines = [f"{layer:<20}{kind:<14}{shape:<20}{params:>10}"]
    lines += [f"{r.name:<20}{r.type:<14}{str(list(r.output_shape)):<20}{r.params:>10,}" for r in result.rows]
    lines.append(
        _("total params: {total:,}  trainable: {trainable:,}  multiply-adds: {macs:,}").format(
            total=result.total_params, trainable=result.trainable_params, macs=result.total_macs
        )
    )
    output = {"name": args.name, "input": list(args.input)} | result.as_dict()
    if len(args.input) == 3:  # images: the feature-map size and receptive field after each stage
        output["stages"] = [asdict(s) | {"output_shape": list(s.output_shape)} for s in stages(model, result)]
    emit(output, args.json, "\n".join(lines))
