"""The transfer-learning comparison: accuracy per epoch of frozen features with a new head, and of training from
scratch, on the same images."""

from __future__ import annotations

import plotly.graph_objects as go

from playground.i18n import _
from playground.vision.transfer import Arm, TransferComparison

COLOURS = {"frozen": "#1f77b4", "scratch": "#ff7f0e"}


def transfer_figure(result: TransferComparison, height: int = 340) -> go.Figure:
    """Test accuracy after each epoch (solid) and training accuracy (dotted), one colour per model,
    with the accuracy of always answering the largest class as a grey line."""
    fig = go.Figure()
    arms: list[tuple[str, str, Arm | None]] = [
        ("frozen", _("frozen features + new head"), result.frozen),
        ("scratch", _("from scratch"), result.scratch),
    ]
    for key, name, arm in arms:
        if arm is None or not arm.rows:
            continue
        epochs = [row.epoch for row in arm.rows]
        for values, dash, label in (
            ([row.val_metric for row in arm.rows], "solid", _("{model}: test images")),
            ([row.train_metric for row in arm.rows], "dot", _("{model}: training images")),
        ):
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values,
                    mode="lines+markers",
                    name=label.format(model=name),
                    legendgroup=key,
                    line=dict(color=COLOURS[key], dash=dash),
                )
            )
    fig.add_hline(
        y=result.majority_accuracy,
        line=dict(color="#888", dash="dash", width=1),
        annotation_text=_("always the largest class"),
        annotation_position="bottom right",
    )
    fig.update_xaxes(title_text=_("epoch"), dtick=1 if result.config.get("epochs", 0) <= 20 else None)
    fig.update_yaxes(title_text=_("accuracy"), range=[0, 1], tickformat=".0%")
    fig.update_layout(height=height, margin=dict(l=50, r=10, t=20, b=40), legend=dict(orientation="h", y=-0.25))
    return fig
