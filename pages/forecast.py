"""Forecasting: a ticker or a bundled series, windows shown, an LSTM beside honest baselines, a band, a backtest."""

import dataclasses

import pandas as pd
import streamlit as st

from pages.common import download_model, header, model_summary, radio, upload_model
from pages.language import resolve
from pages.links import setting, settings_from_url, settings_to_url
from pages.runs import finished_run, run_button
from pages.tabs.series_source import data_tab, translated
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.series import backtest_figure, forecast_figure, metrics_table, series_figure
from playground.i18n import N_, _, ngettext, number
from playground.series import forecaster
from playground.series.forecaster import ForecastConfig

resolve()  # the run's language before the first message: AppTest runs a page without app.py, which sets it

JOB, BACKTEST = "fc.job", "fc.bt_job"  # the training run (job.kept: its model and windows) and the backtest
# Marked here and translated with _ where shown: these lines run before header() has set this run's language.
TARGETS = {"price": N_("the value itself"), "log-return": N_("log-return")}
SCALERS = {"standard": N_("standard"), "minmax": N_("minmax")}
CELLS = {"lstm": N_("LSTM (the course's)"), "gru": "GRU", "rnn": N_("vanilla RNN")}
INTERVALS = {"residuals": N_("validation residuals"), "mc-dropout": N_("MC dropout")}
MODES = {"one-step": N_("one step ahead (fed the real values)"), "recursive": N_("recursive (fed its own forecasts)")}
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
BACKTEST_COLUMNS = {  # forecaster.backtest's column keys -> headers
    "fold": N_("fold"),
    "from": N_("from"),
    "to": N_("to"),
    "train points": N_("train points"),
    "forecaster": N_("forecaster"),
}


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


def model_settings(url: ForecastConfig, base: ForecastConfig, series) -> ForecastConfig:
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
    season = url if url.season >= 0 else dataclasses.replace(url, season=series.season)
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
            f"fc.season.{base.source}",
            min_value=0,
            help=_(
                "The seasonal-naive baseline repeats the value one season ago: 12 for monthly data, 7 or 5 for daily, "
                "52 for weekly."
            ),
        ),
    }
    return dataclasses.replace(base, **values)


def train_tab(url: ForecastConfig, base: ForecastConfig, series, prepared) -> ForecastConfig | None:
    config = model_settings(url, base, series)
    settings_to_url(config, "fc")
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


def verdict(prepared, evaluation) -> None:
    good = evaluation.scores["model"].mae < evaluation.scores["naive"].mae
    (st.success if good else st.warning)(evaluation.verdict)
    for warning in evaluation.warnings:
        st.warning(warning)
    mode = radio(_("test forecasts"), translated(MODES), "fc.mode")
    st.plotly_chart(forecast_figure(prepared.series, prepared, evaluation, mode), key="fc.forecast_chart")
    table = metrics_table(evaluation, recursive=mode == "recursive")
    # columns: forecaster, MAE, RMSE, MAPE % or sMAPE %, direction (headers in the current language)
    formats = {c: "{:.4g}" for c in table.columns[1:4]} | {table.columns[4]: "{:.1%}"}
    st.dataframe(table.style.format(formats, na_rep="—"), hide_index=True)
    st.caption(errors_caption(prepared, evaluation, mode))
    st.markdown(_("**Forecast past the last date**, {band}:").format(band=evaluation.band))
    columns = {"date": _("date"), "forecast": _("forecast"), "low": _("low"), "high": _("high")}
    future = {columns["date"]: [d.date() for d in evaluation.future_dates], columns["forecast"]: evaluation.future}
    future |= {columns["low"]: evaluation.low, columns["high"]: evaluation.high}
    formats = {columns[c]: "{:.4g}" for c in ("forecast", "low", "high")}
    st.dataframe(pd.DataFrame(future).style.format(formats), hide_index=True, height=220)


def errors_caption(prepared, evaluation, mode: str) -> str:
    """What the table of errors measures, for the one-step or the recursive forecasts."""
    if mode != "one-step":
        return ngettext(
            "Errors of one forecast {steps} step long from the test part's start, fed its own "
            "predictions: far harder than one step ahead, and where a lagging model is found out.",
            "Errors of one forecast {steps} steps long from the test part's start, fed its own "
            "predictions: far harder than one step ahead, and where a lagging model is found out.",
            prepared.n_test,
        ).format(steps=prepared.n_test)
    windows = len(evaluation.actual)
    if prepared.horizon > 1:
        measured = ngettext(
            "Errors on the test part ({windows} window; averaged over the {horizon} steps of each window) "
            "in the series' own units.",
            "Errors on the test part ({windows} windows; averaged over the {horizon} steps of each window) "
            "in the series' own units.",
            windows,
        ).format(windows=windows, horizon=prepared.horizon)
    else:
        measured = ngettext(
            "Errors on the test part ({windows} window; averaged over each step) in the series' own units.",
            "Errors on the test part ({windows} windows; averaged over each step) in the series' own units.",
            windows,
        ).format(windows=windows)
    direction = _(
        "Direction: how often the forecast moves the same way as the series from the last known value "
        "(— for forecasts that never move). The linear autoregression is fitted on the same windows."
    )
    return _("{sentence} {next_sentence}").format(sentence=measured, next_sentence=direction)


def loaded_model(series, config: ForecastConfig | None):
    """A forecaster from a model file, scored on this series: (model, prepared, evaluation) or None."""
    loaded = upload_model("fc.load", expected_arch="forecast-rnn")
    if loaded is not None:
        st.session_state["fc.loaded"] = loaded
    if "fc.loaded" not in st.session_state:
        return None
    model, meta = st.session_state["fc.loaded"]
    try:
        future, interval = (config.future, config.interval) if config is not None else (None, None)
        prepared, evaluation = forecaster.evaluate_saved(model, meta, series, future=future, interval=interval)
    except PlaygroundError as exc:
        st.error(str(exc))
        return None
    if "series" in meta:
        st.caption(
            _("The model loaded from a file (trained on {series}), on this series.").format(series=meta["series"])
        )
    else:
        st.caption(_("The model loaded from a file (trained on another series), on this series."))
    return model, prepared, evaluation


def results_tab(run, series, config: ForecastConfig | None) -> None:
    if run is not None:
        (history, evaluation), prepared = run.result, run.kept["prepared"]
        verdict(prepared, evaluation)
        st.plotly_chart(history_figure(history.epochs, "mae", height=260), key="fc.history")
        st.caption(
            _(
                "Loss: mean squared error of the scaled targets; MAE also in scaled units. Best validation epoch: "
                "{epoch}, whose weights the model keeps."
            ).format(epoch=history.best_epoch)
        )
        meta = forecaster.model_meta(prepared, run.kept["config"])
        download_model(run.kept["model"], meta, f"forecast-{prepared.series.name}.pt", key="fc.download")
        return
    st.info(_("Train a model in tab ③ to see its forecast beside the baselines, or load a model file."))
    loaded = loaded_model(series, config)
    if loaded is not None:
        verdict(loaded[1], loaded[2])


def backtest_tab(url: ForecastConfig, series, config: ForecastConfig | None) -> None:
    st.markdown(
        _(
            "A single test split can flatter a model. A **rolling-origin backtest** cuts the test part into folds; "
            "for each fold a fresh model trains on everything before it and forecasts it one step at a time, beside "
            "the baselines."
        )
    )
    folds = setting(st, "number_input", _("folds"), url, "folds", "fc.folds")

    def make():
        chosen = dataclasses.replace(config, folds=int(folds))

        def target(ctx):
            def on_fold(fold: int, folds: int) -> None:
                ctx.set_stage(_("fold {fold} of {folds}").format(fold=fold, folds=folds))

            return forecaster.backtest(series, chosen, on_fold, [ctx], ctx.stop)

        return target, None

    job = run_button(
        BACKTEST,
        _("Run backtest"),
        make,
        name=N_("the backtest"),
        metric="mae",
        disabled=config is None,
        icon=":material/replay:",
    )
    if job is None or job.result is None or not len(job.result):
        return
    result = job.result
    st.plotly_chart(backtest_figure(result), key="fc.backtest_chart")
    mean = result.groupby("forecaster", sort=False)[["MAE", "RMSE"]].mean().reset_index()
    st.markdown(_("**Mean over the folds**"))
    formats = {"MAE": "{:.4g}", "RMSE": "{:.4g}"}
    headers = translated(BACKTEST_COLUMNS)
    st.dataframe(mean.rename(columns=headers).style.format(formats), hide_index=True)
    st.dataframe(result.rename(columns=headers).style.format(formats), hide_index=True)


tab_data, tab_windows, tab_train, tab_results, tab_backtest = header(
    "forecast",
    _(
        "A recurrent network reads the last `lookback` values and predicts the next ones. "
        "Whether that beats repeating the last value is the first question to ask."
    ),
)
url = settings_from_url(ForecastConfig, "fc")
with tab_data:
    series, source, column = data_tab(url.source)
if series is None:
    for tab in (tab_windows, tab_train, tab_results, tab_backtest):
        tab.info(_("Choose or upload a series in tab ① first."))
else:
    with tab_windows:
        base, prepared = windows_tab(url, series, source, column)
    with tab_train:
        config = train_tab(url, base, series, prepared)
    with tab_results:
        results_tab(finished_run(JOB), series, config)
    with tab_backtest:
        backtest_tab(url, series, config)
