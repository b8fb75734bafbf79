"""Subcommands of the backprop page: one neuron, and a network on 2-D data."""

from __future__ import annotations

import argparse
import dataclasses
import unicodedata

from playground.backprop import neuron as one_neuron
from playground.backprop.network import NetworkConfig, accuracy, build, model_meta, train
from playground.cli.common import (
    ProgressPrinter,
    add_json_arg,
    add_training_args,
    emit,
    float_list,
    int_list,
    option_list,
)
from playground.data.toy2d import FEATURES
from playground.i18n import _, ngettext
from playground.models import save_model


def add_parsers(subparsers) -> None:
    d = one_neuron.Neuron()
    p = subparsers.add_parser("neuron", help=_("one neuron: forward pass, gradients three ways, gradient descent"))
    p.add_argument("--inputs", type=float_list, default=d.inputs, help=_("comma-separated x (default 0.5,-0.2,0.1)"))
    p.add_argument("--weights", type=float_list, default=d.weights, help=_("comma-separated w (default 0.2,0.8,-0.5)"))
    p.add_argument("--bias", type=float, default=d.bias)
    p.add_argument("--target", type=float, default=d.target)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--activation", choices=list(one_neuron.ACTIVATIONS), default=d.activation)
    p.add_argument("--loss", choices=list(one_neuron.LOSSES), default=d.loss)
    p.add_argument("--steps", type=int, default=0, help=_("gradient-descent steps to take (default 0)"))
    add_json_arg(p)
    p.set_defaults(func=neuron)

    c = NetworkConfig()
    p = subparsers.add_parser("mlp", help=_("train a small network on a 2-D data set"))
    p.add_argument("--dataset", choices=option_list(NetworkConfig, "dataset"), default=c.dataset)
    p.add_argument("--points", type=int, default=c.n_points)
    p.add_argument("--noise", type=float, default=c.noise)
    p.add_argument("--test-ratio", type=float, default=c.test_ratio)
    p.add_argument(
        "--features",
        default=",".join(c.features),
        help=_("comma-separated, from {features}").format(features=", ".join(FEATURES)),
    )
    p.add_argument("--hidden", type=int_list, default=c.hidden, help=_("neurons per hidden layer (default 8,8)"))
    p.add_argument("--activation", choices=option_list(NetworkConfig, "activation"), default=c.activation)
    p.add_argument("--optimizer", choices=option_list(NetworkConfig, "optimizer"), default=c.optimizer)
    p.add_argument("--lr", type=float, default=c.lr)
    p.add_argument("--batch-size", type=int, default=c.batch_size)
    p.add_argument("--l1", type=float, default=c.l1)
    p.add_argument("--l2", type=float, default=c.l2)
    add_training_args(p, epochs=c.epochs)
    p.set_defaults(func=mlp)


def _right(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns; Chinese characters take two."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return " " * max(width - columns, 0) + text


def neuron(args: argparse.Namespace) -> None:
    n = one_neuron.Neuron(
        inputs=args.inputs,
        weights=args.weights,
        bias=args.bias,
        target=args.target,
        activation=args.activation,
        loss=args.loss,
        lr=args.lr,
    )
    fwd, bwd, check = one_neuron.forward(n), one_neuron.backward(n), one_neuron.check_gradients(n)
    traj = one_neuron.run_steps(n, args.steps)
    result = {
        "config": dataclasses.asdict(n),
        "forward": dataclasses.asdict(fwd),
        "backward": dataclasses.asdict(bwd),
        "gradients": {
            "hand": check.hand,
            "autograd": check.autograd,
            "finite_differences": check.numerical,
            "max_abs_diff": check.max_abs_diff,
        },
        "steps": args.steps,
        "after": {"weights": traj.final.weights, "bias": traj.final.bias, "loss": traj.losses[-1]},
    }
    names = [f"w{i + 1}" for i in range(len(n.weights))] + ["b"]
    hand, finite = _("hand"), _("finite diff")  # column headers
    after = ngettext(
        "after {n} step: w = {weights}, b = {bias:.6g}, loss = {loss:.6g}",
        "after {n} steps: w = {weights}, b = {bias:.6g}, loss = {loss:.6g}",
        args.steps,
    )
    text = "\n".join(
        [
            _("z = {z:.6g}   a = {a:.6g}   loss = {loss:.6g}").format(z=fwd.z, a=fwd.a, loss=fwd.loss),
            " " * 4 + _right(hand, 14) + _right("autograd", 14) + _right(finite, 14),
            *[
                f"{k:>4}{h:>14.6g}{a:>14.6g}{f:>14.6g}"
                for k, h, a, f in zip(names, check.hand, check.autograd, check.numerical)
            ],
            _("largest difference: {difference:.2e}").format(difference=check.max_abs_diff),
            after.format(
                n=args.steps,
                weights=[round(w, 6) for w in traj.final.weights],
                bias=traj.final.bias,
                loss=traj.losses[-1],
            ),
        ]
    )
    emit(result, args.json, text)


def mlp(args: argparse.Namespace) -> None:
    config = NetworkConfig(
        dataset=args.dataset,
        n_points=args.points,
        noise=args.noise,
        test_ratio=args.test_ratio,
        features=tuple(f.strip() for f in args.features.split(",") if f.strip()),
        hidden=args.hidden,
        activation=args.activation,
        optimizer=args.optimizer,
        lr=args.lr,
        batch_size=args.batch_size,
        l1=args.l1,
        l2=args.l2,
        epochs=args.epochs,
        seed=args.seed,
        device=args.device,
    )
    model, data = build(config)
    history = train(model, data, config, callbacks=[] if args.json else [ProgressPrinter()])
    final = {
        "train_accuracy": accuracy(model, data.X_train, data.y_train),
        "test_accuracy": accuracy(model, data.X_test, data.y_test),
    }
    if args.save:
        save_model(model, args.save, model_meta(config, data))
    hist = history.as_dict()
    result = {
        "config": dataclasses.asdict(config),
        "history": hist["epochs"],
        "final": final,
        "seconds": hist["seconds"],
        "samples_per_s": hist["samples_per_s"],
    }
    summary = _("train accuracy {train:.3f}, test accuracy {test:.3f}").format(
        train=final["train_accuracy"], test=final["test_accuracy"]
    )
    emit(result, args.json, summary)
