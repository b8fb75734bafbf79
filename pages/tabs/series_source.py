"""The forecast page's first tab: a series from a ticker, the bundled data, a CSV, or a synthetic sine."""

from __future__ import annotations

import streamlit as st

from pages.common import UPLOAD_MB, radio
from playground.errors import PlaygroundError
from playground.figures.series import series_figure
from playground.series import data as series_data
from playground.series import yahoo

KINDS = {
    "yahoo": "Ticker (Yahoo Finance)",
    "dataset": "Bundled series",
    "csv": "Your CSV",
    "synthetic": "Synthetic sine",
}
FALLBACK = "msft"
BAR_LENGTHS = {"1d": "daily", "1wk": "weekly", "1mo": "monthly"}
FILLS = {"refuse": "refuse", "ffill": "forward fill", "interpolate": "interpolate"}
Chosen = tuple[series_data.Series | None, str, str]  # the series, its source ("dataset:NAME"...) and column


@st.cache_resource(show_spinner=False)
def bundled(name: str, column: str | None) -> series_data.Series:
    return series_data.load_bundled(name, column)


def fetch_ticker(request: tuple, retry: bool = False) -> tuple[series_data.Series | None, str | None]:
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


def ticker(name: str) -> Chosen:
    with st.form("fc.ticker_form", border=False):
        cols = st.columns([2, 1, 1, 1, 1])
        typed = cols[0].text_input("ticker", name or "AAPL", max_chars=30, key="fc.ticker")
        period = cols[1].selectbox("period", yahoo.PERIODS, index=yahoo.PERIODS.index("5y"))
        interval = cols[2].selectbox("interval", yahoo.INTERVALS, format_func=BAR_LENGTHS.get)
        price = cols[3].selectbox("column", yahoo.COLUMNS)
        fetch = cols[4].form_submit_button("Fetch prices", icon=":material/download:", type="primary", key="fc.fetch")
    try:
        request = (yahoo.normalise_ticker(typed), period, interval, price)
    except PlaygroundError as exc:
        series, problem = None, str(exc)
    else:
        series, problem = fetch_ticker(request, retry=fetch)
    if series is None:
        st.warning(f"{problem} The page uses the bundled {FALLBACK.upper()} monthly prices instead.")
        return bundled(FALLBACK, None), f"dataset:{FALLBACK}", ""
    return series, f"yahoo:{request[0]}", price if price != "Close" else ""


def bundled_series(name: str) -> Chosen:
    names = [n for n in series_data.BUNDLED if n != "sine"]
    cols = st.columns([2, 1])
    name = cols[0].selectbox(
        "series",
        names,
        index=names.index(name) if name in names else 0,
        format_func=series_data.BUNDLED.get,
        key="fc.dataset",
    )
    column = ""
    if name == "seattle-weather":
        column = cols[1].selectbox("column", series_data.WEATHER_COLUMNS, key="fc.weather_column")
    return bundled(name, column or None), f"dataset:{name}", column


def csv_series() -> Chosen:
    upload = st.file_uploader(
        "CSV with a date column and a numeric column", type=["csv", "txt"], key="fc.csv", max_upload_size=UPLOAD_MB
    )
    if upload is None:
        st.info("Upload a UTF-8 CSV such as `date,value` with one row per date; at least a few dozen rows.")
        return None, "", ""
    try:
        table = series_data.read_table(upload.getvalue())
        dates, numeric = series_data.detect_columns(table)
        cols = st.columns(3)
        names = list(table.columns)
        date_col = cols[0].selectbox(
            "date column", names, index=names.index(dates[0]) if dates else 0, key="fc.date_col"
        )
        values = [c for c in names if c != date_col]
        first = next((c for c in numeric if c != date_col), values[0])
        value_col = cols[1].selectbox("value column", values, index=values.index(first), key="fc.value_col")
        fill = cols[2].selectbox("missing values", series_data.FILL_METHODS, format_func=FILLS.get, key="fc.fill")
        name = upload.name.rsplit(".", 1)[0][:40]
        return series_data.series_from_table(table, date_col, value_col, fill, name=name), "csv", ""
    except PlaygroundError as exc:
        st.error(str(exc))
        return None, "", ""


def synthetic() -> Chosen:
    cols = st.columns(5)
    n = cols[0].number_input("points", 50, 5000, 500, step=50, key="fc.syn_n")
    period = cols[1].number_input("period", 2, 500, 50, key="fc.syn_period")
    trend = cols[2].number_input("trend per step", -1.0, 1.0, 0.002, step=0.001, format="%.3f", key="fc.syn_trend")
    noise = cols[3].number_input("noise σ", 0.0, 5.0, 0.1, step=0.05, key="fc.syn_noise")
    seed = cols[4].number_input("seed", 0, 2**31 - 1, 0, key="fc.syn_seed")
    return series_data.synthetic(int(n), int(period), 1.0, float(trend), float(noise), int(seed)), "dataset:sine", ""


def data_tab(source: str) -> Chosen:
    """The series the user picks, opening at the link's ``source`` (``yahoo:TICKER``, ``dataset:NAME``…)."""
    kind, _, name = source.partition(":")
    kind = radio("source", KINDS, "fc.kind", kind)
    choose = {"yahoo": lambda: ticker(name if source.startswith("yahoo:") else ""), "csv": csv_series}
    choose |= {"dataset": lambda: bundled_series(name), "synthetic": synthetic}
    series, source, column = choose[kind]()
    if series is not None:
        st.caption(
            f"**{series.source}** · {len(series):,} {series.frequency} points, "
            f"{series.dates[0].date()} to {series.dates[-1].date()}"
        )
        for note in series.notes:
            st.caption(note)
        st.plotly_chart(series_figure(series), key="fc.data_chart")
    return series, source, column
