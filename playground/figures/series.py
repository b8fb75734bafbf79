"""Figures of the forecast page: prices, the split, forecasts beside baselines, the backtest.

Titles, trace names and table headers are in the current language.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.training import LEGEND_ABOVE
from playground.i18n import N_, _
from playground.series.data import Series
from playground.series.forecaster import BASELINES, Evaluation
from playground.series.frequency import hover_format, tick_stops
from playground.series.windows import Prepared

MODEL_COLOUR, ACTUAL_COLOUR = "#d62728", "#444444"
BASELINE_COLOURS = {
    "naive": "#7f7f7f",
    "seasonal_naive": "#9467bd",
    "moving_average": "#8c564b",
    "linear_ar": "#2ca02c",
}
PART_COLOURS = {"train": "rgba(31,119,180,0.07)", "validation": "rgba(255,127,14,0.10)", "test": "rgba(44,160,44,0.10)"}
PART_NAMES = {"train": N_("train"), "validation": N_("validation"), "test": N_("test")}
LONG_SERIES = 1000  # above this many points a chart opens on a window, with a range slider for the rest
BUTTONS = {  # resolution -> the range selector's buttons: (count, step, label), then "all"
    "second": ((1, "hour", N_("1 hour")), (1, "day", N_("1 day"))),
    "minute": ((1, "hour", N_("1 hour")), (1, "day", N_("1 day")), (7, "day", N_("1 week"))),
    "hour": ((7, "day", N_("1 week")), (1, "month", N_("1 month")), (3, "month", N_("3 months"))),
    "day": ((1, "month", N_("1 month")), (6, "month", N_("6 months")), (1, "year", N_("1 year"))),
    "month": ((5, "year", N_("5 years")), (10, "year", N_("10 years"))),
    "year": ((50, "year", N_("50 years")), (100, "year", N_("100 years"))),
}


def window_start(series: Series, prepared: Prepared | None = None) -> int:
    """Where a chart of a long series opens: the test part and a quarter as much history before it
    (without a split, the last quarter of the series); 0 for a short series, shown whole."""
    n = len(series)
    if n <= LONG_SERIES:
        return 0
    if prepared is None:
        return n - n // 4
    first_test = prepared.n_train + prepared.n_val
    return max(0, first_test - max(prepared.n_test // 4, prepared.lookback))


def time_axis(fig: go.Figure, series: Series, start: int = 0, end=None, slider_axis: str = "xaxis") -> None:
    """Dates at the series' own resolution in the hover and the ticks; from ``start`` (a value index)
    to ``end`` (a date, the last one by default) with a range slider and buttons, when ``start`` > 0."""
    resolution = series.spacing.resolution
    fig.update_xaxes(hoverformat=hover_format(resolution), tickformatstops=tick_stops(resolution))
    if start <= 0:
        return
    end = series.dates[-1] if end is None else end
    fig.update_xaxes(range=[series.dates[start], end], autorange=False)
    buttons = [dict(count=c, step=step, stepmode="backward", label=_(label)) for c, step, label in BUTTONS[resolution]]
    fig.update_layout({"xaxis": dict(rangeselector=dict(buttons=[*buttons, dict(step="all", label=_("all"))], y=1.02))})
    fig.update_layout({slider_axis: dict(rangeslider=dict(visible=True, thickness=0.08))})


def series_figure(series: Series, prepared: Prepared | None = None, height: int = 380) -> go.Figure:
    """The series (a candlestick with volume for tickers), with the train / validation / test parts shaded."""
    if series.ohlc is not None:
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.03)
        o = series.ohlc
        fig.add_trace(
            go.Candlestick(x=o.index, open=o.Open, high=o.High, low=o.Low, close=o.Close, name=series.name),
            row=1,
            col=1,
        )
        fig.add_trace(go.Bar(x=o.index, y=o.Volume, name=_("volume"), marker_color="#9aa5b1"), row=2, col=1)
        fig.update_layout(xaxis_rangeslider_visible=False)
    else:
        fig = go.Figure(go.Scatter(x=series.dates, y=series.values, name=series.name, line=dict(color=ACTUAL_COLOUR)))
    if prepared is not None:
        _shade_parts(fig, series, prepared)
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=30, b=30), showlegend=False)
    time_axis(fig, series, window_start(series, prepared), slider_axis="xaxis2" if series.ohlc is not None else "xaxis")
    return fig


def _shade_parts(fig: go.Figure, series: Series, prepared: Prepared) -> None:
    edges = [0, prepared.n_train, prepared.n_train + prepared.n_val, len(series)]
    for (name, colour), low, high in zip(PART_COLOURS.items(), edges[:-1], edges[1:], strict=True):
        if high > low:
            fig.add_vrect(
                x0=series.dates[low],
                x1=series.dates[high - 1],
                fillcolor=colour,
                line_width=0,
                annotation_text=_(PART_NAMES[name]),
                annotation_position="top left",
            )


def forecast_figure(
    series: Series, prepared: Prepared, evaluation: Evaluation, mode: str = "one-step", height: int = 460
) -> go.Figure:
    """History, the test part, the model and the baselines, and the forecast past the end with its band.

    ``mode``: "one-step" (each forecast fed the real values before it; the first step of each window)
    or "recursive" (from the test part's start, fed its own forecasts).
    """
    fig = go.Figure()
    start = prepared.n_train + prepared.n_val
    opens = window_start(series, prepared)
    context = 0 if opens else max(0, start - 3 * prepared.n_test)  # a long series keeps all for the slider
    fig.add_trace(
        go.Scatter(
            x=series.dates[context:],
            y=series.values[context:],
            name=_("actual"),
            line=dict(color=ACTUAL_COLOUR, width=1.5),
        )
    )
    if mode == "recursive":
        dates, forecasts = series.dates[start:], evaluation.recursive
    else:
        dates, forecasts = evaluation.test_dates, {k: v[:, 0] for k, v in evaluation.one_step.items()}
    for name, values in forecasts.items():
        is_model = name == "model"
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=values,
                name=evaluation.name if is_model else _(BASELINES[name]),
                line=dict(color=MODEL_COLOUR if is_model else BASELINE_COLOURS[name], width=2.5 if is_model else 1.2),
                visible=True if name in ("model", "naive") else "legendonly",
            )
        )
    future_x = [series.dates[-1], *evaluation.future_dates]
    last = series.values[-1]
    fig.add_trace(
        go.Scatter(
            x=future_x + future_x[::-1],
            y=[last, *evaluation.high, *evaluation.low[::-1], last],
            fill="toself",
            fillcolor="rgba(214,39,40,0.15)",
            line=dict(width=0),
            name=_("95% band"),
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=future_x,
            y=[last, *evaluation.future],
            name=_("forecast"),
            line=dict(color=MODEL_COLOUR, width=2.5, dash="dot"),
        )
    )
    fig.add_vline(x=series.dates[start], line=dict(color="#2ca02c", dash="dash", width=1))
    fig.update_layout(
        height=height,
        margin=dict(l=40, r=10, t=30 if opens else 40, b=30),
        # below the range slider when there is one; else above the plot, where no date label lies
        legend=dict(orientation="h", y=-0.3, yanchor="top") if opens else LEGEND_ABOVE,
        yaxis_title=series.unit or None,
    )
    time_axis(fig, series, opens, end=evaluation.future_dates[-1])
    return fig


def metrics_table(evaluation: Evaluation, recursive: bool = False) -> pd.DataFrame:
    """One row per forecaster: MAE, RMSE, MAPE (or sMAPE), direction accuracy; headers in the current language."""
    scores = evaluation.recursive_scores if recursive else evaluation.scores
    use_smape = any(s.mape is None for s in scores.values())
    rows = []
    for name, s in scores.items():
        rows.append(
            {
                _("forecaster"): evaluation.name if name == "model" else _(BASELINES[name]),
                "MAE": s.mae,
                "RMSE": s.rmse,
                ("sMAPE %" if use_smape else "MAPE %"): s.smape if use_smape else s.mape,
                _("direction"): np.nan if s.direction is None else s.direction,
            }
        )
    return pd.DataFrame(rows)


def backtest_figure(table: pd.DataFrame, height: int = 320) -> go.Figure:
    """MAE per fold, one bar per forecaster, from ``forecaster.backtest``'s table."""
    fig = go.Figure()
    for name, rows in table.groupby("forecaster", sort=False):
        fig.add_trace(go.Bar(x=[_("fold {fold}").format(fold=f) for f in rows.fold], y=rows.MAE, name=name))
    fig.update_layout(
        barmode="group",
        height=height,
        yaxis_title="MAE",
        margin=dict(l=40, r=10, t=30, b=30),
        legend=dict(orientation="h"),
    )
    return fig
