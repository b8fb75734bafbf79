"""Figures of the architectures page: block diagrams, side-by-side training, the residual experiment."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.training import runs_figure
from playground.i18n import _
from playground.training.curves import RunCurve
from playground.vision.architectures import Contender, ResidualRun, Stage

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _count(n: int) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def block_diagram(stages: Sequence[Stage], input_shape: Sequence[int], height: int = 240) -> go.Figure:
    """One box per stage, left to right, with its output shape; an arc over each residual stage."""
    fig = go.Figure()
    boxes = [
        (_("input"), tuple(input_shape), 0, 0, False),
        *[(s.title, s.output_shape, s.params, s.receptive_field, s.residual) for s in stages],
    ]
    width, gap = 1.0, 0.35
    for i, (name, shape, params, rf, residual) in enumerate(boxes):
        x0 = i * (width + gap)
        conv = len(shape) == 3
        colour = "#e8f1fb" if i == 0 else ("#fdebd3" if residual else ("#e6f4ea" if conv else "#f3e8fd"))
        fig.add_shape(type="rect", x0=x0, x1=x0 + width, y0=0, y1=1, fillcolor=colour, line=dict(color="#555", width=1))
        size = "×".join(str(v) for v in shape) if shape else "—"
        lines = [f"<b>{name}</b>", size]
        if params:
            lines.append(_("{count} params").format(count=_count(params)))
        if rf:
            lines.append(_("RF {rf}").format(rf=rf))
        fig.add_annotation(
            x=x0 + width / 2, y=0.5, text="<br>".join(lines), showarrow=False, font=dict(size=12, color="#222")
        )
        if i:
            fig.add_annotation(
                x=x0,
                y=0.5,
                ax=x0 - gap,
                ay=0.5,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=2,
                text="",
            )
        if residual:
            fig.add_shape(
                type="path",
                path=f"M {x0 + 0.1},1 Q {x0 + width / 2},1.45 {x0 + width - 0.1},1",
                line=dict(color="#e07b00", width=2),
            )
            fig.add_annotation(
                x=x0 + width / 2, y=1.3, text=_("+ skip"), showarrow=False, font=dict(size=9, color="#e07b00")
            )
    fig.update_xaxes(visible=False, range=[-0.2, len(boxes) * (width + gap)])
    fig.update_yaxes(visible=False, range=[-0.1, 1.5])
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="white")
    return fig


def comparison_figure(
    contenders: Sequence[Contender], title: Callable[[str], str] = str, height: int = 340
) -> go.Figure:
    """One colour per architecture: the training loss batch by batch (smoothed), the validation loss at each
    epoch's end, and the validation accuracy per epoch. ``title`` names a model for people."""
    runs = [RunCurve.from_rows(c.history.epochs, title(c.name)) for c in contenders]
    return runs_figure(runs, "accuracy", height)


def residual_figure(runs: Sequence[ResidualRun], height: int = 360) -> go.Figure:
    """Left: training loss per batch, with and without skips. Right: each convolution's mean gradient norm."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(_("training loss per batch"), _("gradient norm of each convolution (input side left)")),
        horizontal_spacing=0.1,
    )
    for run in runs:
        colour = COLOURS[0] if run.skip else COLOURS[3]
        label = _("with skips") if run.skip else _("plain")
        values = np.asarray(run.batch_losses, dtype=float)
        if len(values):
            smooth = np.convolve(values, np.ones(5) / 5, mode="valid") if len(values) > 10 else values
            fig.add_trace(go.Scatter(y=smooth, name=label, legendgroup=label, line=dict(color=colour)), row=1, col=1)
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(run.gradient_norms) + 1)),
                y=run.gradient_norms,
                mode="lines+markers",
                name=label,
                legendgroup=label,
                showlegend=False,
                line=dict(color=colour),
                hovertext=run.layer_names,
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(title_text=_("batch"), row=1, col=1)
    fig.update_xaxes(title_text=_("convolution"), row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    return fig


def top_classes_figure(top: Sequence[tuple[str, float]], height: int = 260) -> go.Figure:
    names = [n for n, _ in top][::-1]
    fig = go.Figure(go.Bar(x=[p for _, p in top][::-1], y=names, orientation="h", marker_color=COLOURS[0]))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=30), xaxis=dict(range=[0, 1], tickformat=".0%"))
    return fig
