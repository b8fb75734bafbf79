"""Figures for image classification: mosaics, the confusion matrix, probabilities, what the CNN sees."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from playground.i18n import _


def to_display(images: np.ndarray) -> np.ndarray:
    """(N, C, H, W) or (N, H, W) uint8 -> (N, H, W) or (N, H, W, 3) for drawing."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    return images


def mosaic(images: np.ndarray, cols: int = 10, pad: int = 2, fill: int = 255) -> np.ndarray:
    """Tile (N, H, W[, 3]) images into one array, ``cols`` per row, with ``pad`` pixels between."""
    images = to_display(images)
    n = len(images)
    if n == 0:
        return np.full((1, 1), fill, np.uint8)
    h, w = images.shape[1:3]
    rows = -(-n // cols)
    cols = min(cols, n)
    shape = (rows * (h + pad) - pad, cols * (w + pad) - pad) + images.shape[3:]
    out = np.full(shape, fill, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return out


def normalise(a: np.ndarray) -> np.ndarray:
    """Any array -> uint8 scaled to its own min..max."""
    a = np.asarray(a, np.float64)
    lo, hi = a.min(), a.max()
    return ((a - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(a)).astype(np.uint8)


def confusion_figure(confusion: np.ndarray, classes: Sequence[str], height: int = 460) -> go.Figure:
    """Counts with true classes down and predictions across; each cell can be clicked (selected)."""
    k = len(classes)
    labels = [str(c) for c in classes]
    fig = go.Figure(
        go.Heatmap(
            z=confusion,
            x=labels,
            y=labels,
            colorscale="Blues",
            text=confusion,
            texttemplate="%{text}",
            hovertemplate=_("true %{y}, predicted %{x}: %{z}") + "<extra></extra>",
            showscale=False,
        )
    )
    # invisible markers on every cell, so that clicking a cell selects it
    xs, ys = np.meshgrid(np.arange(k), np.arange(k))
    fig.add_trace(
        go.Scatter(
            x=[labels[i] for i in xs.ravel()],
            y=[labels[j] for j in ys.ravel()],
            mode="markers",
            marker=dict(size=28, opacity=0),
            customdata=np.stack([ys.ravel(), xs.ravel()], axis=1),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis=dict(title=_("predicted"), side="top", type="category"),
        yaxis=dict(title=_("true"), autorange="reversed", type="category"),
        clickmode="event+select",
        dragmode=False,
    )
    return fig


def bar_figure(
    labels: Sequence[str], values: Sequence[float], title: str, height: int = 300, percent: bool = True
) -> go.Figure:
    """Horizontal bars, first label at the top (``title`` already in the reader's language)."""
    fig = go.Figure(
        go.Bar(
            x=list(values),
            y=[str(label) for label in labels],
            orientation="h",
            text=[f"{v:.1%}" if percent else f"{v:.3g}" for v in values],
            textposition="auto",
            marker_color="#1a5fb4",
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=35, b=10),
        title=dict(text=title, font=dict(size=13)),
        yaxis=dict(autorange="reversed", type="category"),
        # a little past 100%, so that its tick is drawn and a full bar does not touch the edge
        xaxis=dict(range=[0, 1.04] if percent else None, tickformat=".0%" if percent else None),
    )
    return fig


def overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """A heat map in [0, 1] over a grey or RGB uint8 image, as RGB uint8 (red is hot)."""
    base = np.asarray(image, np.float64)
    if base.ndim == 2:
        base = np.repeat(base[..., None], 3, axis=2)
    heat = np.clip(np.asarray(heat, np.float64), 0, 1)
    colour = np.stack([heat, 0.2 * heat, 1 - heat], axis=2) * 255  # blue (cold) to red (hot)
    return ((1 - alpha) * base + alpha * colour).clip(0, 255).astype(np.uint8)
