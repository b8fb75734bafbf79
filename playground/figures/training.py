"""Loss and metric curves of a training run."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.i18n import _
from playground.training.engine import EpochStats

TRAIN_COLOUR, VAL_COLOUR = "#1f77b4", "#ff7f0e"


def history_figure(
    rows: Sequence[EpochStats],
    metric: str = "accuracy",
    val_name: str | None = None,
    height: int = 320,
) -> go.Figure:
    """Two panels: loss and ``metric`` per epoch, training and validation lines (``val_name``: what the
    second line is called; the validation set unless given)."""
    metric_title = {"accuracy": _("accuracy"), "mae": _("MAE")}.get(metric, metric)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("loss"), metric_title), horizontal_spacing=0.12)
    epochs = [r.epoch for r in rows]
    series = [
        (_("train"), TRAIN_COLOUR, [r.train_loss for r in rows], [r.train_metric for r in rows]),
        (val_name or _("validation"), VAL_COLOUR, [r.val_loss for r in rows], [r.val_metric for r in rows]),
    ]
    for name, colour, losses, metrics in series:
        if all(v is None for v in losses):
            continue
        for col, values in ((1, losses), (2, metrics)):
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values,
                    name=name,
                    mode="lines+markers" if len(epochs) < 30 else "lines",
                    line=dict(color=colour),
                    legendgroup=name,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text=_("epoch"))
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    return fig
