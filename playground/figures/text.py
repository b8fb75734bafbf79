"""Figures for the sentiment page: the length histogram, the verdict token by token, coloured tokens."""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from playground.i18n import _


def length_histogram(lengths: Sequence[int], maxlen: int, height: int = 260) -> go.Figure:
    """Tokens per training text, with ``maxlen`` marked: texts to its right are truncated."""
    fig = go.Figure(go.Histogram(x=list(lengths), nbinsx=60, marker_color="#1a5fb4", name=_("texts")))
    fig.add_vline(
        x=maxlen,
        line_dash="dash",
        line_color="#c01c28",
        annotation_text=f"maxlen = {maxlen}",
        annotation_position="top right",
    )
    cut = sum(n > maxlen for n in lengths) / max(len(lengths), 1)
    fig.update_layout(
        height=height,
        margin=dict(l=40, r=10, t=40, b=40),
        xaxis_title=_("tokens per text"),
        yaxis_title=_("texts"),
        title=dict(text=_("{share:.0%} of texts are truncated").format(share=cut), font=dict(size=13)),
    )
    return fig


def prefix_figure(tokens: Sequence[str], probabilities: Sequence[float], height: int = 280) -> go.Figure:
    """P(positive) after each token: how the hidden state's verdict evolves through the text."""
    labels = [f"{i + 1}. {t}" for i, t in enumerate(tokens)]
    fig = go.Figure(go.Scatter(x=labels, y=list(probabilities), mode="lines+markers", line=dict(color="#1a5fb4")))
    fig.add_hline(y=0.5, line_dash="dot", line_color="#888")
    fig.update_layout(
        height=height,
        margin=dict(l=40, r=10, t=30, b=40),
        yaxis=dict(range=[0, 1], title=_("P(positive)")),
        xaxis=dict(type="category", tickangle=-45),
        title=dict(text=_("the verdict, token by token"), font=dict(size=13)),
    )
    return fig


def coloured_tokens(tokens: Sequence[str], contributions: Sequence[float], unknown: Sequence[str], joiner: str) -> str:
    """HTML: green pushes towards positive, red towards negative; unknown tokens are underlined."""
    scale = max((abs(c) for c in contributions), default=0.0) or 1.0
    unknown = set(unknown)
    unknown_note = _("{contribution} (unknown: read as OOV)")
    spans = []
    for token, c in zip(tokens, contributions):
        strength = min(abs(c) / scale, 1.0)
        colour = f"rgba(38, 162, 105, {strength:.2f})" if c >= 0 else f"rgba(192, 28, 40, {strength:.2f})"
        style = f"background:{colour};padding:2px 3px;border-radius:4px;line-height:2.2"
        if token in unknown:
            style += ";text-decoration:underline wavy #9141ac"
        title = unknown_note.format(contribution=f"{c:+.3f}") if token in unknown else f"{c:+.3f}"
        spans.append(f'<span style="{style}" title="{html.escape(title)}">{html.escape(token)}</span>')
    return joiner.join(spans)
