"""Forecasting: a ticker or a bundled series, windows shown, an LSTM beside honest baselines, a band, a backtest."""

import dataclasses

import pandas as pd
import streamlit as st

from pages.common import (
    UPLOAD_MB,
    download_model,
    job_outcome,
    live_job,
    settings_from_url,
    settings_to_url,
    start_job,
)
from playground.errors import PlaygroundError
from playground.figures import history_figure
from playground.figures.series import backtest_figure, forecast_figure, metrics_table, series_figure
from playground.models import summarize
from playground.series import data as sd
from playground.series import forecaster as fc
from playground.series import yahoo

st.title("Time-series forecasting")
st.caption(
    "A recurrent network reads the last `lookback` values and predicts the next ones. "
    "Whether that beats repeating the last value is the first question to ask."
)

KINDS = {
    "yahoo": "Ticker (Yahoo Finance)",
    "dataset": "Bundled series",
    "csv": "Your CSV",
    "synthetic": "Synthetic sine",
}
FALLBACK = "msft"
url = settings_from_url(fc.ForecastConfig, "fc")
url_kind, _, url_name = url.source.partition(":")


def fetch_ticker(request: tuple, retry: bool = False) -> tuple[sd.Series | None, str | None]:
    """Each ticker request is fetched once per session (and cached on disk by playground.series.yahoo);
    a failed one is tried again when the user presses Fetch."""
    memo = st.session_state.setdefault("fc.fetched", {})
    if retry and memo.get(request, (None, None))[0] is None:
        memo.pop(request, None)
    if request not in memo:
        ticker, period, interval, column = request
        try:
            with st.spinner(f"Fetching {ticker} from Yahoo Finance…"):
                memo[request] = (yahoo.load_ticker(ticker, period, interval=interval, column=column), None)
        except PlaygroundError as exc:
            memo[request] = (None, str(exc))
    return memo[request]


@st.cache_resource(show_spinner=False)
def bundled(name: str, column: str | None) -> sd.Series:
    return sd.load_bundled(name, column)


tab_data, tab_windows, tab_train, tab_results, tab_backtest = st.tabs(
    ["① Data", "② Windows", "③ Model and training", "④ Forecast and verdict", "⑤ Backtest"]
)

with tab_data:
    kind = st.radio(
        "source",
        list(KINDS),
        index=list(KINDS).index(url_kind if url_kind in KINDS else "yahoo"),
        format_func=KINDS.get,
        horizontal=True,
        key="fc.kind",
    )
    series, source, column = None, "", ""
    if kind == "yahoo":
        with st.form("fc.ticker_form", border=False):
            cols = st.columns([2, 1, 1, 1, 1])
            ticker = cols[0].text_input(
                "ticker", url_name if url_kind == "yahoo" and url_name else "AAPL", max_chars=30, key="fc.ticker"
            )
            period = cols[1].selectbox("period", yahoo.PERIODS, index=yahoo.PERIODS.index("5y"))
            interval = cols[2].selectbox(
                "interval", yahoo.INTERVALS, format_func={"1d": "daily", "1wk": "weekly", "1mo": "monthly"}.get
            )
            price = cols[3].selectbox("column", yahoo.COLUMNS)
            fetch = cols[4].form_submit_button(
                "Fetch prices", icon=":material/download:", type="primary", key="fc.fetch"
            )
        try:
            request = (yahoo.normalise_ticker(ticker), period, interval, price)
        except PlaygroundError as exc:
            request, problem = None, str(exc)
        else:
            series, problem = fetch_ticker(request, retry=fetch)
        if series is None:
            st.warning(f"{problem} The page uses the bundled {FALLBACK.upper()} monthly prices instead.")
            series, source = bundled(FALLBACK, None), f"dataset:{FALLBACK}"
        else:
            source, column = f"yahoo:{request[0]}", price if price != "Close" else ""
    elif kind == "dataset":
        names = [n for n in sd.BUNDLED if n != "sine"]
        cols = st.columns([2, 1])
        name = cols[0].selectbox(
            "series",
            names,
            index=names.index(url_name) if url_kind == "dataset" and url_name in names else 0,
            format_func=sd.BUNDLED.get,
            key="fc.dataset",
        )
        column = (
            cols[1].selectbox("column", sd.WEATHER_COLUMNS, key="fc.weather_column")
            if name == "seattle-weather"
            else ""
        )
        series, source = bundled(name, column or None), f"dataset:{name}"
    elif kind == "csv":
        upload = st.file_uploader(
            "CSV with a date column and a numeric column", type=["csv", "txt"], key="fc.csv", max_upload_size=UPLOAD_MB
        )
        if upload is None:
            st.info("Upload a UTF-8 CSV such as `date,value` with one row per date; at least a few dozen rows.")
        else:
            try:
                table = sd.read_table(upload.getvalue())
                dates, numeric = sd.detect_columns(table)
                cols = st.columns(3)
                names = list(table.columns)
                date_col = cols[0].selectbox(
                    "date column", names, index=names.index(dates[0]) if dates else 0, key="fc.date_col"
                )
                value_choices = [c for c in names if c != date_col]
                first_value = next((c for c in numeric if c != date_col), value_choices[0])
                value_col = cols[1].selectbox(
                    "value column", value_choices, index=value_choices.index(first_value), key="fc.value_col"
                )
                fill = cols[2].selectbox(
                    "missing values",
                    sd.FILL_METHODS,
                    format_func={"refuse": "refuse", "ffill": "forward fill", "interpolate": "interpolate"}.get,
                    key="fc.fill",
                )
                series = sd.series_from_table(table, date_col, value_col, fill, name=upload.name.rsplit(".", 1)[0][:40])
                source = "csv"
            except PlaygroundError as exc:
                st.error(str(exc))
    else:
        cols = st.columns(5)
        n = cols[0].number_input("points", 50, 5000, 500, step=50, key="fc.syn_n")
        period_steps = cols[1].number_input("period", 2, 500, 50, key="fc.syn_period")
        trend = cols[2].number_input("trend per step", -1.0, 1.0, 0.002, step=0.001, format="%.3f", key="fc.syn_trend")
        noise = cols[3].number_input("noise σ", 0.0, 5.0, 0.1, step=0.05, key="fc.syn_noise")
        syn_seed = cols[4].number_input("seed", 0, 2**31 - 1, 0, key="fc.syn_seed")
        series = sd.synthetic(int(n), int(period_steps), 1.0, float(trend), float(noise), int(syn_seed))
        source = "dataset:sine"

    if series is not None:
        st.caption(
            f"**{series.source}** · {len(series):,} {series.frequency} points, "
            f"{series.dates[0].date()} to {series.dates[-1].date()}"
        )
        for note in series.notes:
            st.caption(note)
        st.plotly_chart(series_figure(series), key="fc.data_chart")

    if series is None:
        st.stop()

with tab_windows:
    cols = st.columns(6)
    target = cols[0].selectbox(
        "target",
        ["price", "log-return"],
        index=1 if url.target == "log-return" else 0,
        format_func={"price": "the value itself", "log-return": "log-return"}.get,
        key="fc.target",
    )
    scaler = cols[1].selectbox(
        "scaler", ["standard", "minmax"], index=1 if url.scaler == "minmax" else 0, key="fc.scaler"
    )
    lookback = cols[2].number_input("lookback", 1, 200, int(min(max(url.lookback, 1), 200)), key="fc.lookback")
    horizon = cols[3].number_input("horizon", 1, 60, int(min(max(url.horizon, 1), 60)), key="fc.horizon")
    test_split = cols[4].slider(
        "test share", 0.05, 0.5, float(min(max(url.test_split, 0.05), 0.5)), 0.05, key="fc.test"
    )
    val_split = cols[5].slider(
        "validation share", 0.0, 0.4, float(min(max(url.val_split, 0.0), 0.4)), 0.05, key="fc.val"
    )
    base = dataclasses.replace(
        url,
        source=source,
        column=column,
        target=target,
        scaler=scaler,
        lookback=int(lookback),
        horizon=int(horizon),
        test_split=float(test_split),
        val_split=float(val_split),
    )
    try:
        prepared = fc.prepare(series, dataclasses.replace(base, interval="residuals"))
    except PlaygroundError as exc:
        st.error(str(exc))
        prepared = None
    if prepared is not None:
        st.info(
            "The split follows time: training, then validation, then test, never shuffled. The scaler is fitted on the "
            "training part only; fitted on everything, it would tell the model the future's range (leakage)."
        )
        st.code(prepared.scaler.formula(), language=None)
        shapes = pd.DataFrame(
            [
                (part, f"{len(w):,}", f"({len(w)}, {prepared.lookback}, 1)", f"({len(w)}, {prepared.horizon})")
                for part, w in (("train", prepared.train), ("validation", prepared.val), ("test", prepared.test))
            ],
            columns=["part", "windows", "X shape (batch, lookback, features)", "y shape (batch, horizon)"],
        )
        st.dataframe(shapes, hide_index=True)
        first = prepared.train.X[:3, :, 0].numpy()
        example = pd.DataFrame(first, columns=[f"t−{prepared.lookback - i}" for i in range(prepared.lookback)])
        for h in range(prepared.horizon):
            example[f"→ t+{h + 1}"] = prepared.train.y[:3, h].numpy()
        st.markdown("The first three training windows, scaled (each row is one sample; the arrows are its targets):")
        st.dataframe(example.style.format("{:.3f}"), hide_index=True)
    st.plotly_chart(series_figure(series, prepared), key="fc.series_chart")

with tab_train:
    cols = st.columns(4)
    cells = list(fc.CELL_NAMES)
    cell = cols[0].selectbox(
        "recurrent layer",
        cells,
        index=cells.index(url.cell) if url.cell in cells else 0,
        format_func={"lstm": "LSTM (the course's)", "gru": "GRU", "rnn": "vanilla RNN"}.get,
        key="fc.cell",
    )
    hidden = cols[1].select_slider(
        "hidden size",
        [8, 16, 32, 50, 64, 128],
        value=url.hidden if url.hidden in (8, 16, 32, 50, 64, 128) else 50,
        key="fc.hidden",
    )
    layers = cols[2].number_input("layers", 1, 4, int(min(max(url.layers, 1), 4)), key="fc.layers")
    dropout = cols[3].slider("dropout", 0.0, 0.5, float(min(max(url.dropout, 0.0), 0.5)), 0.05, key="fc.dropout")
    cols = st.columns(4)
    epochs = cols[0].number_input("epochs", 1, 1000, int(min(max(url.epochs, 1), 1000)), key="fc.epochs")
    lr = cols[1].select_slider(
        "learning rate",
        [0.0003, 0.001, 0.003, 0.01],
        value=url.lr if url.lr in (0.0003, 0.001, 0.003, 0.01) else 0.003,
        key="fc.lr",
    )
    batch = cols[2].select_slider(
        "batch size",
        [8, 16, 32, 64, 128],
        value=url.batch_size if url.batch_size in (8, 16, 32, 64, 128) else 32,
        key="fc.batch",
    )
    seed = cols[3].number_input("seed", 0, 2**31 - 1, int(max(url.seed, 0)), key="fc.seed")
    cols = st.columns(3)
    future = cols[0].number_input(
        "forecast steps past the end", 1, 365, int(min(max(url.future, 1), 365)), key="fc.future"
    )
    interval = cols[1].selectbox(
        "prediction interval",
        ["residuals", "mc-dropout"],
        index=1 if url.interval == "mc-dropout" else 0,
        format_func={"residuals": "validation residuals", "mc-dropout": "MC dropout"}.get,
        key="fc.interval",
    )
    season = cols[2].number_input(
        "season length (0: none)",
        0,
        400,
        series.season if url.season < 0 else int(min(url.season, 400)),
        key=f"fc.season.{source}",
        help="The seasonal-naive baseline repeats the value one season ago: 12 for monthly data, 7 or 5 for daily, 52 for weekly.",
    )
    config = dataclasses.replace(
        base,
        cell=cell,
        hidden=int(hidden),
        layers=int(layers),
        dropout=float(dropout),
        epochs=int(epochs),
        lr=float(lr),
        batch_size=int(batch),
        seed=int(seed),
        future=int(future),
        interval=interval,
        season=int(season),
    )
    settings_to_url(config, "fc")
    try:
        config.validate()
    except PlaygroundError as exc:
        st.error(str(exc))
        prepared = None
    if prepared is not None:
        preview = fc.build_model(prepared, config)
        total = sum(p.numel() for p in preview.parameters())
        stack = " → ".join(
            [f"{fc.CELL_NAMES[cell]}({hidden}{', return sequences' if i < layers - 1 else ''})" for i in range(layers)]
        )
        st.markdown(f"**{stack} → Dense({prepared.horizon})**: **{total:,} parameters**.")
        with st.expander("Why PyTorch counts 31,051 parameters where Keras reports 30,651"):
            st.markdown(
                "The course's model is LSTM(50, return_sequences) → LSTM(50) → Dense(1) on one feature. An LSTM layer has "
                "four gates, each with input weights, recurrent weights and biases. PyTorch keeps **two** bias vectors per "
                "gate ($b_{ih}$ and $b_{hh}$), Keras one:\n\n"
                "| layer | PyTorch | Keras |\n|---|---|---|\n"
                "| LSTM 1 | 4·50·(1 + 50) + 2·4·50 = 10,600 | 4·50·(1 + 50) + 4·50 = 10,400 |\n"
                "| LSTM 2 | 4·50·(50 + 50) + 2·4·50 = 20,400 | 4·50·(50 + 50) + 4·50 = 20,200 |\n"
                "| Dense | 50 + 1 = 51 | 51 |\n| **total** | **31,051** | **30,651** |\n\n"
                "The 400 extra are the second biases; they add no power to the model (two biases summed are one bias)."
            )
            rows = summarize(preview, prepared.train.X[:1]).rows
            st.dataframe(
                pd.DataFrame([(r.name, r.type, r.params) for r in rows], columns=["layer", "type", "parameters"]),
                hide_index=True,
            )
        job = st.session_state.get("fc.job")
        running = job is not None and not job.finished
        if st.button("Train", icon=":material/play_arrow:", type="primary", key="fc.train", disabled=running):
            model = fc.build_model(prepared, config)

            def target(ctx, model=model, prepared=prepared, config=config):
                history = fc.train(model, prepared, config, [ctx], ctx.stop)
                ctx.set_stage("baselines and forecasts")
                return history, fc.evaluate(model, prepared, config)

            if start_job("fc.job", "the forecast page's training", target) is not None:
                st.session_state["fc.run"] = {"model": model, "prepared": prepared, "config": config}
                running = True
        if running:
            live_job("fc.job", metric="mae")
        elif job is not None:
            job_outcome(job)

job = st.session_state.get("fc.job")
finished = job is not None and job.finished and job.result is not None

with tab_results:
    if not finished:
        st.info("Train a model in tab ③ to see its forecast beside the baselines.")
    else:
        history, evaluation = job.result
        run = st.session_state["fc.run"]
        run_prepared, run_config = run["prepared"], run["config"]
        run_series = run_prepared.series
        (st.success if evaluation.scores["model"].mae < evaluation.scores["naive"].mae else st.warning)(
            evaluation.verdict
        )
        for warning in evaluation.warnings:
            st.warning(warning)
        mode = st.radio(
            "test forecasts",
            ["one-step", "recursive"],
            format_func={
                "one-step": "one step ahead (fed the real values)",
                "recursive": "recursive (fed its own forecasts)",
            }.get,
            horizontal=True,
            key="fc.mode",
        )
        st.plotly_chart(forecast_figure(run_series, run_prepared, evaluation, mode), key="fc.forecast_chart")
        table = metrics_table(evaluation, recursive=mode == "recursive")
        st.dataframe(
            table.style.format({c: "{:.4g}" for c in table.columns[1:4]} | {"direction": "{:.1%}"}, na_rep="—"),
            hide_index=True,
        )
        steps = f"the {run_prepared.horizon} steps of each window" if run_prepared.horizon > 1 else "each step"
        st.caption(
            f"Errors on the test part ({len(evaluation.actual)} windows; averaged over {steps}) in the series' own units. "
            "Direction: how often the forecast moves the same way as the series from the last known value "
            "(— for forecasts that never move). The linear autoregression is fitted on the same windows."
            if mode == "one-step"
            else f"Errors of one forecast {run_prepared.n_test} steps long from the test part's start, fed its own predictions: "
            "far harder than one step ahead, and where a lagging model is found out."
        )
        st.markdown(f"**Forecast past the last date**, {evaluation.band}:")
        st.dataframe(
            pd.DataFrame(
                {
                    "date": [d.date() for d in evaluation.future_dates],
                    "forecast": evaluation.future,
                    "low": evaluation.low,
                    "high": evaluation.high,
                }
            ).style.format({"forecast": "{:.4g}", "low": "{:.4g}", "high": "{:.4g}"}),
            hide_index=True,
            height=220,
        )
        st.plotly_chart(history_figure(history.epochs, "mae", height=260), key="fc.history")
        st.caption(
            f"Loss: mean squared error of the scaled targets; MAE also in scaled units. Best validation epoch: {history.best_epoch}, whose weights the model keeps."
        )
        download_model(run["model"], run_prepared.meta(), f"forecast-{run_series.name}.pt", key="fc.download")

with tab_backtest:
    st.markdown(
        "A single test split can flatter a model. A **rolling-origin backtest** cuts the test part into folds; for each "
        "fold a fresh model trains on everything before it and forecasts it one step at a time, beside the baselines."
    )
    folds = st.number_input("folds", 1, 10, int(min(max(url.folds, 1), 10)), key="fc.folds")
    bt_job = st.session_state.get("fc.bt_job")
    bt_running = bt_job is not None and not bt_job.finished
    if prepared is not None and st.button(
        "Run backtest", icon=":material/replay:", key="fc.backtest", disabled=bt_running
    ):
        bt_config = dataclasses.replace(config, folds=int(folds))

        def bt_target(ctx, series=series, bt_config=bt_config):
            return fc.backtest(series, bt_config, lambda f, n: ctx.set_stage(f"fold {f} of {n}"), [ctx], ctx.stop)

        bt_running = start_job("fc.bt_job", "the backtest", bt_target) is not None
    if bt_running:
        live_job("fc.bt_job", metric="mae")
    elif bt_job is not None:
        job_outcome(bt_job)
        if bt_job.result is not None and len(bt_job.result):
            result = bt_job.result
            st.plotly_chart(backtest_figure(result), key="fc.backtest_chart")
            mean = result.groupby("forecaster", sort=False)[["MAE", "RMSE"]].mean().reset_index()
            st.markdown("**Mean over the folds**")
            st.dataframe(mean.style.format({"MAE": "{:.4g}", "RMSE": "{:.4g}"}), hide_index=True)
            st.dataframe(result.style.format({"MAE": "{:.4g}", "RMSE": "{:.4g}"}), hide_index=True)
