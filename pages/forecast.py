"""Forecasting: a ticker or a bundled series, windows shown, an LSTM beside honest baselines, a band, a backtest."""

import dataclasses

import pandas as pd
import streamlit as st

from pages.common import header, model_summary
from pages.language import resolve
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import finished_run, run_button
from pages.tabs.course import course_tab
from pages.tabs.forecast_results import (
    backtest_tab,
    results_tab,
)
from pages.tabs.series_source import data_tab, translated
from playground.errors import PlaygroundError
from playground.figures.series import series_figure
from playground.i18n import N_, _, ngettext, number
from playground.series import forecaster
from playground.series.forecaster import ForecastConfig

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it

JOB = "fc.job"  # the training run (job.kept: its model and windows)
# Marked here and translated with _ where shown: these lines run before header() has set this run's language.
TARGETS = {"price": N_("the value itself"), "log-return": N_("log-return")}
SCALERS = {"standard": N_("standard"), "minmax": N_("minmax")}
CELLS = {"lstm": N_("LSTM (the course's)"), "gru": "GRU", "rnn": N_("vanilla RNN")}
INTERVALS = {"residuals": N_("validation residuals"), "mc-dropout": N_("MC dropout")}
KERAS_COUNT = N_(
    "The course's model is LSTM(50, return_sequences) → LSTM(50) → Dense(1) on one feature. An LSTM layer has "
    "four gates, each with input weights, recurrent weights and biases. PyTorch keeps **two** bias vectors per "
    "gate ($b_{ih}$ and $b_{hh}$), Keras one:\n\n"
    "| layer | PyTorch | Keras |\n|---|---|---|\n"
    "| LSTM 1 | 4·50·(1 + 50) + 2·4·50 = 10,600 | 4·50·(1 + 50) + 4·50 = 10,400 |\n"
    "| LSTM 2 | 4·50·(50 + 50) + 2·4·50 = 20,400 | 4·50·(50 + 50) + 4·50 = 20,200 |\n"
    "| Dense | 50 + 1 = 51 | 51 |\n| **total** | **31,051** | **30,651** |\n\n"
    "The 400 extra are the second biases; they add no power to the model (two biases summed are one bias)."
)


def show_windows(prepared) -> None:
    st.info(
        _(
            "The split follows time: training, then validation, then test, never shuffled. The scaler is fitted on "
            "the training part only; fitted on everything, it would tell the model the future's range (leakage)."
        )
    )
    st.code(prepared.scaler.formula(), language=None)
    parts = ((_("train"), prepared.train), (_("validation"), prepared.val), (_("test"), prepared.test))
    shapes = [
        (part, number(len(w)), f"({len(w)}, {prepared.lookback}, 1)", f"({len(w)}, {prepared.horizon})")
        for part, w in parts
    ]
    columns = [
        _("part"),
        _("windows"),
        _("X shape (batch, lookback, features)"),
        _("y shape (batch, horizon)"),
    ]
    st.dataframe(pd.DataFrame(shapes, columns=columns), hide_index=True)
    example = pd.DataFrame(
        prepared.train.X[:3, :, 0].numpy(), columns=[f"t−{prepared.lookback - i}" for i in range(prepared.lookback)]
    )
    for h in range(prepared.horizon):
        example[f"→ t+{h + 1}"] = prepared.train.y[:3, h].numpy()
    st.markdown(_("The first three training windows, scaled (each row is one sample; the arrows are its targets):"))
    st.dataframe(example.style.format("{:.3f}"), hide_index=True)


def windows_tab(url: ForecastConfig, series, source: str, column: str):
    """The windowing settings, and the series cut into windows (None when it cannot be)."""
    cols = st.columns(6)
    values = {
        "target": setting(
            cols[0], "selectbox", _("target"), url, "target", "fc.target", format_func=translated(TARGETS).get
        ),
        "scaler": setting(
            cols[1], "selectbox", _("scaler"), url, "scaler", "fc.scaler", format_func=translated(SCALERS).get
        ),
        "lookback": setting(cols[2], "number_input", _("lookback"), url, "lookback", "fc.lookback"),
        "horizon": setting(cols[3], "number_input", _("horizon"), url, "horizon", "fc.horizon"),
        "test_split": setting(cols[4], "slider", _("test share"), url, "test_split", "fc.test", step=0.05),
        "val_split": setting(cols[5], "slider", _("validation share"), url, "val_split", "fc.val", step=0.05),
    }
    base = dataclasses.replace(url, source=source, column=column, **values)
    prepared = None
    try:
        prepared = forecaster.prepare(series, dataclasses.replace(base, interval="residuals"))
        show_windows(prepared)
    except PlaygroundError as exc:
        st.error(str(exc))
    st.plotly_chart(series_figure(series, prepared), key="fc.series_chart")
    return base, prepared


def model_settings(url: ForecastConfig, base: ForecastConfig, series, link: str) -> ForecastConfig:
    cols = st.columns(4)
    values = {
        "cell": setting(
            cols[0], "selectbox", _("recurrent layer"), url, "cell", "fc.cell", format_func=translated(CELLS).get
        ),
        "hidden": setting(cols[1], "select_slider", _("hidden size"), url, "hidden", "fc.hidden"),
        "layers": setting(cols[2], "number_input", _("layers"), url, "layers", "fc.layers"),
        "dropout": setting(cols[3], "slider", _("dropout"), url, "dropout", "fc.dropout", step=0.05),
    }
    cols = st.columns(4)
    values |= {
        "epochs": setting(cols[0], "number_input", _("epochs"), url, "epochs", "fc.epochs"),
        "lr": setting(cols[1], "select_slider", _("learning rate"), url, "lr", "fc.lr"),
        "batch_size": setting(cols[2], "select_slider", _("batch size"), url, "batch_size", "fc.batch"),
        "seed": setting(cols[3], "number_input", _("seed"), url, "seed", "fc.seed"),
    }
    cols = st.columns(3)
    # the link's season belongs to the link's series; any other series opens on the season its data suggest
    suggested = series.suggested_season
    chosen = url.season >= 0 and url.source in (base.source, link)
    season = url if chosen else dataclasses.replace(url, season=suggested.length)
    values |= {
        "future": setting(cols[0], "number_input", _("forecast steps past the end"), url, "future", "fc.future"),
        "interval": setting(
            cols[1],
            "selectbox",
            _("prediction interval"),
            url,
            "interval",
            "fc.interval",
            format_func=translated(INTERVALS).get,
        ),
        "season": setting(
            cols[2],
            "number_input",
            _("season length (0: none)"),
            season,
            "season",
            f"fc.season.{base.source}.{series.name}",
            min_value=0,
            help=_(
                "The seasonal-naive baseline repeats the value one season ago: 24 for hourly data, 7 for daily, "
                "52 for weekly, 12 for monthly, kept where the data show that cycle."
            ),
        ),
    }
    cols[2].caption(suggested.describe(series.spacing))
    return dataclasses.replace(base, **values)


def train_tab(url: ForecastConfig, base: ForecastConfig, series, prepared, link: str) -> ForecastConfig | None:
    """The model's settings, reflected in the link (whose ``link`` source may name a ticker that failed)."""
    config = model_settings(url, base, series, link)
    settings_to_url(dataclasses.replace(config, source=link), "fc")
    try:
        config.validate()
    except PlaygroundError as exc:
        st.error(str(exc))
        return None
    if prepared is None:
        return None
    preview = forecaster.build_model(prepared, config)
    cell = forecaster.CELL_NAMES[config.cell]
    inner = _("{cell}({hidden}, return sequences)").format(cell=cell, hidden=config.hidden)
    stack = " → ".join([inner] * (config.layers - 1) + [f"{cell}({config.hidden})"])
    total = sum(p.numel() for p in preview.parameters())
    st.markdown(
        ngettext(
            "**{stack} → Dense({horizon})**: **{total} parameter**.",
            "**{stack} → Dense({horizon})**: **{total} parameters**.",
            total,
        ).format(stack=stack, horizon=prepared.horizon, total=number(total))
    )
    model_summary(
        preview,
        prepared.train.X[:1],
        _("Why PyTorch counts 31,051 parameters where Keras reports 30,651"),
        _(KERAS_COUNT),
    )

    def make():
        model = forecaster.build_model(prepared, config)

        def target(ctx):
            history = forecaster.train(model, prepared, config, [ctx], ctx.stop)
            ctx.set_stage(_("baselines and forecasts"))
            return history, forecaster.evaluate(model, prepared, config)

        return target, {"model": model, "prepared": prepared, "config": config}

    run_button(JOB, _("Train"), make, name=N_("the forecast page's training"), metric="mae")
    return config


tab_data, tab_windows, tab_train, tab_results, tab_backtest, tab_course = header(
    "forecast",
    _(
        "A recurrent network reads the last `lookback` values and predicts the next ones. "
        "Whether that beats repeating the last value is the first question to ask."
    ),
)
url = settings_from_url(ForecastConfig, "fc")
with tab_data:
    series, source, column, link = data_tab(url.source)
if series is None:
    for tab in (tab_windows, tab_train, tab_results, tab_backtest):
        tab.info(_("Choose or upload a series in tab ① first."))
else:
    with tab_windows:
        base, prepared = windows_tab(url, series, source, column)
    with tab_train:
        config = train_tab(url, base, series, prepared, link)
    with tab_results:
        results_tab(finished_run(JOB), series, config)
    with tab_backtest:
        backtest_tab(url, series, config)
chosen = config if series is not None and config is not None else url
with tab_course:
    model = {name: getattr(chosen, name) for name in ("cell", "hidden", "layers", "lookback", "horizon", "dropout")}
    course_tab("forecast", model, chosen if series is not None and config is not None else None, series)
