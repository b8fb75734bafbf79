"""The forecast page's last tabs: the verdict beside the baselines, a loaded model judged on the series, the backtest."""

import dataclasses

import pandas as pd
import streamlit as st

from pages.common import download_model, radio, upload_model
from pages.links import setting
from pages.runs import run_button
from pages.tabs.series_source import translated
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.series import backtest_figure, forecast_figure, metrics_table
from playground.i18n import N_, _, ngettext, percent
from playground.series import forecaster
from playground.series.forecaster import ForecastConfig

BACKTEST = "fc.bt_job"  # the backtest run

NO_DIRECTION = "—"  # a forecast that never moves has no direction to score
MODES = {"one-step": N_("one step ahead (fed the real values)"), "recursive": N_("recursive (fed its own forecasts)")}


BACKTEST_COLUMNS = {  # forecaster.backtest's column keys -> headers
    "fold": N_("fold"),
    "from": N_("from"),
    "to": N_("to"),
    "train points": N_("train points"),
    "forecaster": N_("forecaster"),
}


def verdict(prepared, evaluation) -> None:
    good = evaluation.scores["model"].mae < evaluation.scores["naive"].mae
    (st.success if good else st.warning)(evaluation.verdict)
    for warning in evaluation.warnings:
        st.warning(warning)
    mode = radio(_("test forecasts"), translated(MODES), "fc.mode")
    st.plotly_chart(forecast_figure(prepared.series, prepared, evaluation, mode), key="fc.forecast_chart")
    table = metrics_table(evaluation, recursive=mode == "recursive")
    # columns: forecaster, MAE, RMSE, MAPE % or sMAPE %, direction (headers in the current language).
    # The direction is written out: a missing number shows as "None" in a table, whatever its format says.
    direction = table.columns[4]
    table[direction] = [NO_DIRECTION if pd.isna(v) else percent(v) for v in table[direction]]
    st.dataframe(table.style.format({c: "{:.4g}" for c in table.columns[1:4]}), hide_index=True)
    st.caption(errors_caption(prepared, evaluation, mode))
    st.markdown(_("**Forecast past the last date**, {band}:").format(band=evaluation.band))
    columns = {"date": _("date"), "forecast": _("forecast"), "low": _("low"), "high": _("high")}
    series = prepared.series
    future = {columns["date"]: [series.stamp(d) for d in evaluation.future_dates]}
    future |= {columns["forecast"]: evaluation.future, columns["low"]: evaluation.low, columns["high"]: evaluation.high}
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
