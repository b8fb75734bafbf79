"""Every difference between Keras' column and PyTorch's, one translated sentence each, computed from the rows."""

from __future__ import annotations

import math

from torch import nn

from playground.course.pytorch_side import TorchSide
from playground.i18n import _, ngettext, number, percent

RECURRENT = ("RNN", "LSTM", "GRU")


def explain(rows, pairs, totals, side: TorchSide, keras_dropout: float, activation: str | None) -> list[str]:
    """The differences, in the current language.

    ``rows``: ``ComparisonRow``s; ``pairs``: ((KerasRow, Layer) or None, TorchUnit or None) behind them;
    ``totals``: (Keras' total, Keras' non-trainable, PyTorch's total); ``activation``: the last Keras layer's.
    """
    keras_total, keras_frozen, torch_total = totals
    lines = [_totals(keras_total, keras_frozen, torch_total)]
    lines += _channels(rows)
    lines += _flatten_order(rows)
    lines += _recurrent(rows)
    lines += _conv_and_batch_norm(rows)
    lines += _embedding(pairs)
    lines += _extras(side, keras_dropout, activation)
    for r in rows:
        explained = r.torch_layer in (*RECURRENT, "Conv2d") or r.torch_layer.startswith("BatchNorm")
        if r.keras_name and r.torch_name and r.keras_params != r.torch_params and not explained:
            lines.append(
                _("{layer}: Keras counts {keras} parameters, PyTorch {torch}.").format(
                    layer=r.keras_name, keras=number(r.keras_params), torch=number(r.torch_params)
                )
            )
        elif not r.torch_name:
            lines.append(_("Only in Keras: {layer}.").format(layer=r.keras_layer))
        elif not r.keras_name:
            lines.append(_("Only in PyTorch: {module} ({type}).").format(module=r.torch_name, type=r.torch_layer))
    return lines


def shape_text(shape) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


def _totals(keras_total: int, keras_frozen: int, torch_total: int) -> str:
    if keras_total == torch_total:
        return _("Keras and PyTorch both count {n} parameters.").format(n=number(keras_total))
    return _(
        "Keras would report {keras} parameters ({trainable} trainable, {frozen} non-trainable); PyTorch counts {torch}."
    ).format(
        keras=number(keras_total),
        trainable=number(keras_total - keras_frozen),
        frozen=number(keras_frozen),
        torch=number(torch_total),
    )


def _channels(rows) -> list[str]:
    image = next((r for r in rows if r.keras_shape and r.torch_shape and len(r.torch_shape) == 3), None)
    if image is None or image.torch_shape == image.keras_shape:
        return []
    return [
        _("Keras keeps channels last, {keras} after {layer}; PyTorch puts them first, {torch}.").format(
            keras=shape_text(image.keras_shape), layer=image.keras_name, torch=shape_text(image.torch_shape)
        )
    ]


def _flatten_order(rows) -> list[str]:
    for before, row in zip(rows, rows[1:]):
        shape = before.keras_shape
        if row.torch_layer == "Flatten" and shape and len(shape) == 3 and shape[0] * shape[1] > 1:
            return [
                _(
                    "Flatten reads channels last in Keras and channels first in PyTorch: the same {n} numbers in "
                    "another order, so weights copied between the two must be reordered."
                ).format(n=number(math.prod(shape)))
            ]
    return []


def _recurrent(rows) -> list[str]:
    lines = []
    for cell in RECURRENT:
        mine = [r for r in rows if r.torch_layer == cell and r.keras_name]
        if not mine:
            continue
        extra = sum(r.torch_params - r.keras_params for r in mine)
        if extra:
            lines.append(
                ngettext(
                    "PyTorch's {cell} keeps two bias vectors (bias_ih and bias_hh) where Keras keeps one: {extra} "
                    "more parameters over {n} layer.",
                    "PyTorch's {cell} keeps two bias vectors (bias_ih and bias_hh) where Keras keeps one: {extra} "
                    "more parameters over {n} layers.",
                    len(mine),
                ).format(cell=cell, extra=number(extra), n=len(mine))
            )
        elif cell == "GRU":
            lines.append(
                _(
                    "Keras' GRU (reset_after=True, its default) keeps two bias vectors as PyTorch's does: both "
                    "count {n} parameters."
                ).format(n=number(sum(r.torch_params for r in mine)))
            )
        last = mine[-1]
        if len(last.keras_shape) == 1 and len(last.torch_shape) == 2:
            lines.append(
                _(
                    "PyTorch's {cell} returns every step, {torch}; the model reads the last one, which Keras' "
                    "layer returns by itself without return_sequences, {keras}."
                ).format(cell=cell, torch=shape_text(last.torch_shape), keras=shape_text(last.keras_shape))
            )
    return lines


def _conv_and_batch_norm(rows) -> list[str]:
    lines = []
    convs = [r for r in rows if r.torch_layer == "Conv2d" and r.keras_name and r.keras_params != r.torch_params]
    if convs:
        lines.append(
            ngettext(
                "Keras' Conv2D has a bias by default: {extra} more numbers over {n} convolution, which PyTorch "
                "leaves out (bias=False) because batch normalisation follows it.",
                "Keras' Conv2D has a bias by default: {extra} more numbers over {n} convolutions, which PyTorch "
                "leaves out (bias=False) because batch normalisation follows each one.",
                len(convs),
            ).format(extra=number(sum(r.keras_params - r.torch_params for r in convs)), n=len(convs))
        )
    norms = [r for r in rows if r.torch_layer.startswith("BatchNorm") and r.keras_name]
    if norms:
        lines.append(
            _(
                "Keras counts batch normalisation's moving mean and variance as {n} non-trainable parameters; "
                "PyTorch keeps them as buffers (running_mean, running_var), outside its parameter count."
            ).format(n=number(sum(r.keras_non_trainable for r in norms)))
        )
    return lines


def _embedding(pairs) -> list[str]:
    for keras, unit in pairs:
        if keras and unit and isinstance(unit.module, nn.Embedding) and unit.module.padding_idx is not None:
            return [
                _(
                    "PyTorch's Embedding keeps row {row} (the padding) at zero; Keras learns it unless "
                    "mask_zero=True. Both count it among the parameters."
                ).format(row=unit.module.padding_idx)
            ]
    return []


def _extras(side: TorchSide, keras_dropout: float, activation: str | None) -> list[str]:
    lines = []
    if activation in ("softmax", "sigmoid"):
        lines.append(
            _(
                "The PyTorch model ends without {activation}: it returns logits and its loss applies {activation}, "
                "with the same parameters."
            ).format(activation=activation)
        )
    if side.dropout and not keras_dropout:
        lines.append(
            _(
                "The PyTorch model drops {p} of its activations while training (Dropout); dropout has no parameters."
            ).format(p=percent(side.dropout, 0))
        )
    if side.reads_last_token:
        lines.append(
            _(
                "The PyTorch model reads each text's state at its last token, so padding never changes a "
                "prediction; Keras' recurrent layer reads the padding too unless the Embedding has mask_zero=True."
            )
        )
    return lines
