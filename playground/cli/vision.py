"""Subcommands of the CNN page: train an image classifier, classify image files."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from playground.cli.common import ProgressPrinter, add_json_arg, add_training_args, emit, option_list
from playground.data.decode import decode_image, read_class_folder
from playground.data.images import BUNDLED_SETS, ImageDataset, load_bundled
from playground.errors import PlaygroundError
from playground.i18n import _
from playground.models import list_models, load_model, save_model
from playground.vision import architectures, pretrained
from playground.vision.classifier import (
    ImageTrainConfig,
    build_model,
    calibrate,
    evaluate,
    own_dataset,
    predict,
    prepare,
    train,
)

DEFAULTS = ImageTrainConfig()


def add_parsers(subparsers) -> None:
    # Read from the registry now, when the CLI runs, so a model registered after import is offered too.
    image_models = list_models("image")
    train_size_help = _("use only this many training images (default: all)")
    image_size_help = _("for folder:PATH, the size images are resized to")
    p = subparsers.add_parser("train", help=_("train an image classifier (the CNN page)"))
    p.add_argument("model", choices=image_models, help=_("a registered image model"))
    p.add_argument(
        "--dataset", default="mnist", help=_("mnist, fashion-mnist or folder:PATH (one sub-folder per class)")
    )
    p.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    p.add_argument("--lr", type=float, default=DEFAULTS.lr)
    p.add_argument("--optimizer", choices=option_list(ImageTrainConfig, "optimizer"), default=DEFAULTS.optimizer)
    p.add_argument("--schedule", choices=option_list(ImageTrainConfig, "schedule"), default=DEFAULTS.schedule)
    p.add_argument("--augment", action="store_true", help=_("random shifts and rotations while training"))
    p.add_argument("--val-split", type=float, default=DEFAULTS.val_split)
    p.add_argument(
        "--train-size",
        type=int,
        default=DEFAULTS.train_size,
        help=_("use only this many training images (0: all; default: the CNN page's {n})").format(
            n=f"{DEFAULTS.train_size:,}"
        ),
    )
    p.add_argument("--image-size", type=int, default=64, help=image_size_help)
    add_training_args(p, epochs=DEFAULTS.epochs)
    p.set_defaults(func=train_command)

    p = subparsers.add_parser("compare", help=_("train several architectures on the same data, seed and budget"))
    p.add_argument("models", nargs="+", choices=image_models, metavar="MODEL", help=_("e.g. lenet vgg-small"))
    p.add_argument("--dataset", default="mnist", help=_("mnist, fashion-mnist or folder:PATH"))
    p.add_argument("--train-size", type=int, default=0, help=train_size_help)
    p.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    p.add_argument("--lr", type=float, default=architectures.COMPARE_LR, help=_("the peak learning rate"))
    p.add_argument("--image-size", type=int, default=64, help=image_size_help)
    add_training_args(p, epochs=DEFAULTS.epochs)
    p.set_defaults(func=compare_command)

    p = subparsers.add_parser("predict", help=_("classify image files with a saved model or the pretrained ResNet-50"))
    p.add_argument("files", nargs="+", help=_("MODEL_FILE IMAGE... (or only IMAGE... with --pretrained)"))
    p.add_argument("--pretrained", choices=["resnet50"], default=None, help=_("ImageNet classes from ResNet-50"))
    p.add_argument("--weights", default=None, help=_("with --pretrained: a ResNet-50 weights file (.pth) to use"))
    p.add_argument("--top", type=int, default=None, help=_("how many classes to list (default 3; 5 for --pretrained)"))
    add_json_arg(p)
    p.set_defaults(func=predict_command)


def load_dataset(spec: str, image_size: int, seed: int) -> ImageDataset:
    if spec.startswith("folder:"):
        return own_dataset(read_class_folder(spec.removeprefix("folder:")), size=image_size, seed=seed)
    if spec not in BUNDLED_SETS:
        message = _("Unknown data set '{name}'; use mnist, fashion-mnist or folder:PATH.")
        raise PlaygroundError(message.format(name=spec))
    return load_bundled(spec)


def train_command(args: argparse.Namespace) -> None:
    config = ImageTrainConfig(
        dataset=args.dataset,
        arch=args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        optimizer=args.optimizer,
        schedule=args.schedule,
        augment=args.augment,
        val_split=args.val_split,
        train_size=args.train_size,
        seed=args.seed,
        device=args.device,
    )
    dataset = load_dataset(args.dataset, args.image_size, args.seed)
    prepared = prepare(dataset, config)
    model = build_model(prepared.meta, config.seed)
    history = train(model, prepared, config, [] if args.json else [ProgressPrinter()])
    evaluation = evaluate(model, prepared)
    calibrate(model, prepared)  # the model file carries what its training pictures look like
    if args.save:
        save_model(model, args.save, prepared.meta)
    hist = history.as_dict()
    result = {
        "config": prepared.meta["config"],
        "model": args.model,
        "data": dataset.source,
        "classes": prepared.meta["classes"],
        "history": hist["epochs"],
        "final": {"test_accuracy": evaluation.accuracy, "per_class_accuracy": evaluation.per_class},
        "confusion_matrix": evaluation.confusion.tolist(),
        "seconds": hist["seconds"],
        "samples_per_s": hist["samples_per_s"],
    }
    accuracy = _("test accuracy {accuracy:.4f}").format(accuracy=evaluation.accuracy)
    emit(result, args.json, f"{dataset.describe()}\n{accuracy}")


def compare_command(args: argparse.Namespace) -> None:
    config = ImageTrainConfig(
        dataset=args.dataset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        train_size=args.train_size,
        seed=args.seed,
        device=args.device,
    )
    dataset = load_dataset(args.dataset, args.image_size, args.seed)
    prepared = prepare(dataset, config)
    printer = [] if args.json else [ProgressPrinter()]
    announce = None if args.json else (lambda name, i, n: print(f"== {name} ({i}/{n})", file=sys.stderr))
    results = architectures.compare(args.models, prepared, config, printer, on_model=announce)
    columns = (_("model"), _("params"), _("MACs"), _("s/epoch"), _("samples/s"), _("test acc"))
    lines = ["".join(_pad(title, width) for title, width in zip(columns, (14, -12, -14, -9, -11, -10), strict=True))]
    lines += [
        f"{r.name:<14}{r.params:>12,}{r.macs:>14,}{r.seconds_per_epoch:>9.1f}{r.samples_per_s:>11,.0f}{r.test_accuracy:>10.4f}"
        for r in results
    ]
    result = {"data": dataset.source, "config": prepared.meta["config"], "models": [r.as_dict() for r in results]}
    emit(result, args.json, "\n".join(lines))


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (left-aligned; right-aligned for a negative width).

    Chinese characters take two columns, so ``str.ljust`` would misalign a translated header; a header
    wider than its column still keeps one space from its neighbour.
    """
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(abs(width) - columns, 1)
    return text + fill if width > 0 else fill + text


def _prediction_entry(prediction) -> dict:
    """The top classes and, when the model file holds its limits, whether the picture is unlike its training data."""
    entry = {"top": [{"class": c, "probability": p} for c, p in prediction.top]}
    check = prediction.familiarity
    if check is not None:
        entry["unfamiliar"] = check.unfamiliar
        entry["familiarity"] = check.as_dict()
    return entry


def _flag(result: dict) -> str:
    return "  " + _("(unlike the training data: the answer means little)") if result.get("unfamiliar") else ""


def predict_command(args: argparse.Namespace) -> None:
    if args.pretrained:
        model, source = pretrained.load_resnet50(args.weights)
        meta, images, k = None, args.files, args.top or 5
        extra = {"model": "resnet50", "weights": source}
    else:
        if args.weights:
            raise PlaygroundError(_("--weights goes with --pretrained resnet50."))
        if len(args.files) < 2:
            raise PlaygroundError(_("Give a model file and at least one image (or --pretrained resnet50 IMAGE...)."))
        model, meta = load_model(args.files[0])
        if meta.get("task") != "image":
            raise PlaygroundError(_("This model file is not an image classifier."))
        images, k = args.files[1:], args.top or 3
        extra = {}
    results, failed = [], 0
    for path in images:
        entry = {"file": path}
        try:
            file = Path(path)
            if not file.is_file():
                raise PlaygroundError(_("There is no file at '{path}'.").format(path=path))
            image = decode_image(file.read_bytes(), name=file.name)
            if meta is None:
                entry["top"] = [{"class": c, "probability": p} for c, p in pretrained.classify(model, image, k)]
            else:
                entry |= _prediction_entry(predict(model, meta, image, k=k))
        except PlaygroundError as exc:
            entry["error"] = str(exc)
            failed += 1
            print(_("error: {message}").format(message=exc), file=sys.stderr)
        results.append(entry)
    lines = [
        f"{r['file']}: " + ", ".join(f"{t['class']} {t['probability']:.1%}" for t in r["top"]) + _flag(r)
        for r in results
        if "top" in r
    ]
    emit(extra | {"predictions": results}, args.json, "\n".join(lines))
    if failed:
        raise SystemExit(1)
