"""Figures for the backprop page: boundaries, gradient norms, step traces, expression graphs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.backprop.scalar import GraphNode
from playground.i18n import _

CLASS_COLOURS = ("#e66100", "#1a5fb4")  # class 0, class 1
GRAPH_FONT_SIZE = 14  # the computation graph's node text (px)
NODE_SIZE = 80  # its nodes' diameter (px): three lines of that text fit inside


def boundary_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    probs: np.ndarray,
    points_train: np.ndarray,
    y_train: np.ndarray,
    points_test: np.ndarray,
    y_test: np.ndarray,
    height: int = 420,
) -> go.Figure:
    """P(class 1) as a heatmap with the training points (circles) and test points (crosses)."""
    fig = go.Figure(
        go.Heatmap(
            x=xs,
            y=ys,
            z=probs,
            zmin=0,
            zmax=1,
            colorscale=[[0, "#f9c59b"], [0.5, "#ffffff"], [1, "#a4c2f4"]],
            colorbar=dict(title=_("P(class 1)"), thickness=12),
            hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>P(1)=%{z:.2f}<extra></extra>",
        )
    )
    for points, labels, symbol, name in (
        (points_train, y_train, "circle", _("train, class {cls}")),
        (points_test, y_test, "x", _("test, class {cls}")),
    ):
        for cls in (0, 1):
            mask = np.asarray(labels) == cls
            fig.add_trace(
                go.Scatter(
                    x=points[mask, 0],
                    y=points[mask, 1],
                    mode="markers",
                    name=name.format(cls=cls),
                    marker=dict(color=CLASS_COLOURS[cls], symbol=symbol, size=6, line=dict(width=0.5, color="white")),
                )
            )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title="x₁", constrain="domain"),
        yaxis=dict(title="x₂", scaleanchor="x"),
        legend=dict(orientation="h", y=-0.15),
    )
    return fig


def decade_ticks(values: np.ndarray, most: int = 5) -> list[float]:
    """Powers of ten covering ``values`` (positive), at most ``most`` of them: a log axis's only labels."""
    positive = values[np.isfinite(values) & (values > 0)]
    if not len(positive):
        return []
    lo, hi = int(np.floor(np.log10(positive.min()))), int(np.ceil(np.log10(positive.max())))
    hi = max(hi, lo + 1)
    step = int(np.ceil((hi - lo) / (most - 1)))
    return [10.0**k for k in range(hi, lo - step, -step)][::-1]  # from the top down, so both ends are covered


def grad_norm_figure(per_epoch: Sequence[Sequence[float]], height: int = 300) -> go.Figure:
    """Mean weight-gradient norm of each layer over epochs, on a log axis labelled at powers of ten only.

    The legend (titled with what the chart shows) runs horizontally above the plot, clear of both axis titles.
    """
    fig = go.Figure()
    ticks: list[float] = []
    if per_epoch:
        norms = np.asarray(per_epoch, dtype=float)
        layers = norms.shape[1]
        for i in range(layers):
            name = _("output layer") if i == layers - 1 else _("hidden layer {i}").format(i=i + 1)
            fig.add_trace(go.Scatter(x=np.arange(1, len(norms) + 1), y=norms[:, i], name=name, mode="lines"))
        ticks = decade_ticks(norms)
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title=_("epoch"), nticks=6, automargin=True),
        yaxis=dict(title="‖∂L/∂W‖", type="log", tickvals=ticks, exponentformat="power", automargin=True),
        legend=dict(
            title=dict(text=_("gradient norm per layer"), side="top"),
            orientation="h",
            x=0,
            xanchor="left",
            y=1.02,
            yanchor="bottom",
        ),
    )
    return fig


def trajectory_figure(
    losses: Sequence[float], weights: Sequence[Sequence[float]], biases: Sequence[float]
) -> go.Figure:
    """Loss, each weight and the bias over gradient-descent steps."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("loss"), _("parameters")))
    steps = np.arange(len(losses))
    fig.add_trace(go.Scatter(x=steps, y=list(losses), name=_("loss"), mode="lines"), row=1, col=1)
    W = np.asarray(weights)
    for i in range(W.shape[1]):
        fig.add_trace(go.Scatter(x=steps, y=W[:, i], name=f"w{i + 1}", mode="lines"), row=1, col=2)
    fig.add_trace(go.Scatter(x=steps, y=list(biases), name="b", mode="lines"), row=1, col=2)
    fig.update_xaxes(title_text=_("step"))
    fig.update_layout(height=320, margin=dict(l=40, r=10, t=40, b=40))
    return fig


def graph_figure(nodes: Sequence[GraphNode], edges: Sequence[tuple[int, int]], show_grad: bool = True) -> go.Figure:
    """The expression graph left to right: each node shows its name or operation, value and gradient."""
    by_depth: dict[int, list[GraphNode]] = {}
    for node in nodes:
        by_depth.setdefault(node.depth, []).append(node)
    pos = {}
    for depth, column in by_depth.items():
        for i, node in enumerate(column):
            pos[node.id] = (depth, (len(column) - 1) / 2 - i)
    fig = go.Figure()
    for a, b in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        fig.add_annotation(
            x=x1,
            y=y1,
            ax=x0,
            ay=y0,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1,
            arrowwidth=1,
            arrowcolor="#888",
            standoff=NODE_SIZE // 2 - 2,
            startstandoff=NODE_SIZE // 2 - 2,
        )
    text = [
        f"<b>{n.label}</b><br>{n.value:.4g}"
        + (f"<br><span style='color:#c01c28'>∂={n.grad:.3g}</span>" if show_grad else "")
        for n in nodes
    ]
    fig.add_trace(
        go.Scatter(
            x=[pos[n.id][0] for n in nodes],
            y=[pos[n.id][1] for n in nodes],
            mode="markers+text",
            text=text,
            textposition="middle center",
            marker=dict(
                size=NODE_SIZE,
                color=["#dce8f8" if not n.op else "#fdf0d5" for n in nodes],
                line=dict(color="#555", width=1),
            ),
            hovertemplate="%{text}<extra></extra>",
            textfont=dict(size=GRAPH_FONT_SIZE, color="#1f2328"),
        )
    )
    fig.update_layout(
        height=max(320, (NODE_SIZE + 30) * max(len(c) for c in by_depth.values()) + 20),
        showlegend=False,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        plot_bgcolor="white",
    )
    return fig
