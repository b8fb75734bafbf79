"""Loss and metric curves of a training run: the loss batch by batch (smoothed), on an x-axis in epochs."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.i18n import _
from playground.training.curves import RunCurve
from playground.training.engine import EpochStats

TRAIN_COLOUR, VAL_COLOUR = "#1f77b4", "#ff7f0e"
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _metric_title(metric: str) -> str:
    return {"accuracy": _("accuracy"), "mae": _("MAE")}.get(metric, metric)


def _panels() -> go.Figure:
    return make_subplots(rows=1, cols=2, horizontal_spacing=0.14)


def _epoch_mode(rows: Sequence) -> str:
    return "lines+markers" if len(rows) < 30 else "lines"


# Above the plots, so that however many rows it wraps into it covers no axis title (plotly makes room for it).
LEGEND_ABOVE = dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom")


FEW_EPOCHS = 3  # up to this many, the metric panel writes each point's value beside it


def _value_text(metric: str, value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.1%}" if metric == "accuracy" else f"{value:.3g}"


def _finish(fig: go.Figure, metric: str, epochs: float, height: int) -> go.Figure:
    """Both panels on an x-axis in epochs (fractions allowed) from 0 to the planned end, each named by its
    y-axis (the loss's on the left, the metric's on the right); the legend above them."""
    fig.update_xaxes(title_text=_("epoch"), range=[0, max(epochs, 1) * 1.02], automargin=True)
    fig.update_yaxes(title_text=_("loss"), automargin=True, row=1, col=1)
    fig.update_yaxes(title_text=_metric_title(metric), automargin=True, side="right", row=1, col=2)  # clear of the loss
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), legend=LEGEND_ABOVE)
    return fig


def _training_loss(fig: go.Figure, run: RunCurve, rows: Sequence[EpochStats]) -> None:
    """The loss panel's training lines: each batch (faint) and smoothed; one point per epoch for rows made
    without the engine's batch curve."""
    train = _("train")
    if run.x:
        lines = (
            (run.loss, _("train, batch by batch"), dict(color=TRAIN_COLOUR, width=1), 0.3, False),
            (run.smoothed, _("train (smoothed)"), dict(color=TRAIN_COLOUR), 1.0, True),
        )
        for y, name, line, opacity, legend in lines:  # the legend keeps to the smoothed line; hover names both
            trace = go.Scatter(x=run.x, y=y, name=name, mode="lines", line=line, opacity=opacity, showlegend=legend)
            fig.add_trace(trace.update(legendgroup=train), row=1, col=1)
    elif rows:
        epochs, losses = [r.epoch for r in rows], [r.train_loss for r in rows]
        trace = go.Scatter(x=epochs, y=losses, name=train, mode=_epoch_mode(rows), line=dict(color=TRAIN_COLOUR))
        fig.add_trace(trace.update(legendgroup=train), row=1, col=1)


def history_figure(
    rows: Sequence[EpochStats],
    metric: str = "accuracy",
    val_name: str | None = None,
    height: int = 320,
    curve: RunCurve | None = None,
) -> go.Figure:
    """Two panels. Loss: the training loss batch by batch (faint) and smoothed, validation points at each
    epoch's end. ``metric`` per epoch, training and validation (``val_name``: what the second is called;
    the validation set unless given). ``curve`` is a live run's batch curve; else the rows' own."""
    run = curve or RunCurve.from_rows(rows)
    fig = _panels()
    _training_loss(fig, run, rows)
    epochs = [r.epoch for r in rows]
    trained, validated = [r.train_metric for r in rows], [r.val_metric for r in rows]
    # each epoch's higher value written over its point, the lower under it, so that the two never overlap
    over = [v is None or t is not None and t > v for t, v in zip(trained, validated)]
    for name, colour, losses, metrics, on_top in (
        (_("train"), TRAIN_COLOUR, None, trained, over),  # its loss is drawn above
        (val_name or _("validation"), VAL_COLOUR, [r.val_loss for r in rows], validated, [not o for o in over]),
    ):
        if all(v is None for v in metrics):
            continue
        for col, values in ((1, losses), (2, metrics)):
            if values is not None:
                trace = go.Scatter(
                    x=epochs,
                    y=values,
                    name=name,
                    mode=_epoch_mode(rows),
                    line=dict(color=colour),
                    legendgroup=name,
                    showlegend=col == 1,
                )
                if col == 2 and len(rows) <= FEW_EPOCHS:  # a point or two on a 0-1 axis: write the values
                    trace.update(
                        mode=trace.mode + "+text",
                        text=[_value_text(metric, v) for v in values],
                        textposition=["top left" if top else "bottom left" for top in on_top],
                        textfont=dict(color=colour),
                        cliponaxis=False,  # a value near 100% is written over the top edge, not cut
                    )
                fig.add_trace(trace, row=1, col=col)
    return _finish(fig, metric, max(run.epochs, len(rows), max(run.x, default=0)), height)


def runs_figure(runs: Sequence[RunCurve], metric: str = "accuracy", height: int = 340) -> go.Figure:
    """Several runs on the same data, one colour each: the training loss batch by batch (smoothed, solid) with
    the validation loss at each epoch's end (dashed), and the validation ``metric`` per epoch (the training
    one when there is no validation data)."""
    fig = _panels()
    for run, colour in zip(runs, COLOURS * (len(runs) // len(COLOURS) + 1), strict=False):
        epochs = [r.epoch for r in run.rows]
        label = run.label or _("train")
        if run.x:
            fig.add_trace(
                go.Scatter(
                    x=run.x,
                    y=run.smoothed,
                    name=_("{model} train (smoothed)").format(model=label),
                    mode="lines",
                    legendgroup=label,
                    line=dict(color=colour),
                ),
                row=1,
                col=1,
            )
        validated = any(r.val_loss is not None for r in run.rows)
        if validated:
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=[r.val_loss for r in run.rows],
                    name=_("{model} validation").format(model=label),
                    mode="lines+markers",
                    legendgroup=label,
                    line=dict(color=colour, dash="dash"),
                ),
                row=1,
                col=1,
            )
        values = [r.val_metric if validated else r.train_metric for r in run.rows]
        if values:
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=values,
                    name=label,
                    mode="lines+markers",
                    legendgroup=label,
                    showlegend=False,
                    line=dict(color=colour, dash="dash" if validated else "solid"),
                ),
                row=1,
                col=2,
            )
    planned = max((max(r.epochs, len(r.rows), max(r.x, default=0)) for r in runs), default=1)
    return _finish(fig, metric, planned, height)
