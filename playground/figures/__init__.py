"""Pure figure builders: plain data in, ``plotly.graph_objects.Figure`` out."""

from playground.figures.training import history_figure

__all__ = ["history_figure"]
