"""The forecast page's first tab: a series from a ticker, the bundled data, a CSV, or a synthetic sine."""

from __future__ import annotations

import streamlit as st

from pages.common import UPLOAD_MB, radio
from playground.errors import PlaygroundError
from playground.figures.series import series_figure
from playground.i18n import N_, _, language, ngettext, number
from playground.series import data as series_data
from playground.series import yahoo
from playground.series.frequency import WORDS, describe_spacing

# What a person reads, marked here and translated with _ where shown (this module is imported once).
KINDS = {
    "yahoo": N_("Ticker (Yahoo Finance)"),
    "dataset": N_("Bundled series"),
    "csv": N_("Your CSV"),
    "synthetic": N_("Synthetic sine"),
}
FALLBACK = "msft"
BAR_LENGTHS = {"1d": N_("daily"), "1wk": N_("weekly"), "1mo": N_("monthly")}
PERIOD_NAMES = {
    "1mo": N_("1 month"),
    "3mo": N_("3 months"),
    "6mo": N_("6 months"),
    "1y": N_("1 year"),
    "2y": N_("2 years"),
    "5y": N_("5 years"),
    "10y": N_("10 years"),
    "ytd": N_("this year so far"),
    "max": N_("all there is"),
}
COLUMN_NAMES = {  # yfinance's column name stays beside the word, as the exported script uses it
    "Close": N_("closing price (Close)"),
    "Open": N_("opening price (Open)"),
    "High": N_("high (High)"),
    "Low": N_("low (Low)"),
    "Volume": N_("volume (Volume)"),
}
FILLS = {"refuse": N_("refuse"), "ffill": N_("forward fill"), "interpolate": N_("interpolate")}
# The series, its source ("dataset:NAME"...), its column, and the source a shared link names: a ticker whose
# fetch failed stays in the link though the page falls back to a bundled series.
Chosen = tuple[series_data.Series | None, str, str, str]


def translated(labels: dict[str, str]) -> dict[str, str]:
    """``labels`` (value: what it says) in this run's language, for a widget's ``format_func``."""
    return {value: _(label) for value, label in labels.items()}


@st.cache_resource(show_spinner=False)
def bundled(name: str, column: str | None, lang: str) -> series_data.Series:
    """One shared copy per language: the series' source line and notes are in the language it was loaded in."""
    return series_data.load_bundled(name, column)


def fetch_ticker(request: tuple, retry: bool = False) -> tuple[series_data.Series | None, str | None]:
    """Each ticker request is fetched once per session and language (and cached on disk by
    playground.series.yahoo); a failed one is tried again when the user presses Fetch."""
    memo = st.session_state.setdefault("fc.fetched", {})
    key = (*request, language())  # the series' source line, notes and errors are in the language
    if retry and memo.get(key, (None, None))[0] is None:
        memo.pop(key, None)
    if key not in memo:
        ticker, period, interval, column = request
        try:
            with st.spinner(_("Fetching {ticker} from Yahoo Finance…").format(ticker=ticker)):
                memo[key] = (yahoo.load_ticker(ticker, period, interval=interval, column=column), None)
        except PlaygroundError as exc:
            memo[key] = (None, str(exc))
    return memo[key]


def ticker(name: str) -> Chosen:
    with st.form("fc.ticker_form", border=False):
        cols = st.columns([2, 1, 1, 1, 1])
        typed = cols[0].text_input(_("ticker"), name or "AAPL", max_chars=30, key="fc.ticker")
        period = cols[1].selectbox(
            _("period"),
            yahoo.PERIODS,
            index=yahoo.PERIODS.index("5y"),
            format_func=translated(PERIOD_NAMES).get,
            help=_("How far back the prices go: 1mo is one month, 5y five years, ytd this year so far, max all."),
            key="fc.period",
        )
        interval = cols[2].selectbox(_("interval"), yahoo.INTERVALS, format_func=translated(BAR_LENGTHS).get)
        price = cols[3].selectbox(_("column"), yahoo.COLUMNS, format_func=translated(COLUMN_NAMES).get, key="fc.column")
        fetch = cols[4].form_submit_button(
            _("Fetch prices"), icon=":material/download:", type="primary", key="fc.fetch"
        )
    fallback = f"dataset:{FALLBACK}"
    try:
        request = (yahoo.normalise_ticker(typed), period, interval, price)
    except PlaygroundError as exc:
        series, problem, link = None, str(exc), fallback  # a link names no malformed ticker
    else:
        series, problem = fetch_ticker(request, retry=fetch)
        link = f"yahoo:{request[0]}"
    if series is None:
        st.warning(
            _("{problem} The page uses the bundled {ticker} monthly prices instead.").format(
                problem=problem, ticker=FALLBACK.upper()
            )
        )
        return bundled(FALLBACK, None, language()), fallback, "", link
    return series, link, price if price != "Close" else "", link


def bundled_series(name: str) -> Chosen:
    names = [n for n in series_data.BUNDLED if n != "sine"]
    cols = st.columns([2, 1])
    name = cols[0].selectbox(
        _("series"),
        names,
        index=names.index(name) if name in names else 0,
        format_func=translated(series_data.BUNDLED).get,
        key="fc.dataset",
    )
    column = ""
    if name == "seattle-weather":
        column = cols[1].selectbox(_("column"), series_data.WEATHER_COLUMNS, key="fc.weather_column")
    return bundled(name, column or None, language()), f"dataset:{name}", column, f"dataset:{name}"


def csv_series() -> Chosen:
    upload = st.file_uploader(
        _("CSV with a date column and a numeric column"), type=["csv", "txt"], key="fc.csv", max_upload_size=UPLOAD_MB
    )
    if upload is None:
        st.info(_("Upload a UTF-8 CSV such as `date,value` with one row per date; at least a few dozen rows."))
        return None, "", "", "csv"
    try:
        table = series_data.read_table(upload.getvalue())
        dates, numeric = series_data.detect_columns(table)
        cols = st.columns(3)
        names = list(table.columns)
        date_col = cols[0].selectbox(
            _("date column"), names, index=names.index(dates[0]) if dates else 0, key="fc.date_col"
        )
        values = [c for c in names if c != date_col]
        first = next((c for c in numeric if c != date_col), values[0])
        value_col = cols[1].selectbox(_("value column"), values, index=values.index(first), key="fc.value_col")
        fill = cols[2].selectbox(
            _("missing values"), series_data.FILL_METHODS, format_func=translated(FILLS).get, key="fc.fill"
        )
        name = upload.name.rsplit(".", 1)[0][:40]
        return series_data.series_from_table(table, date_col, value_col, fill, name=name), "csv", "", "csv"
    except PlaygroundError as exc:
        st.error(str(exc))
        return None, "", "", "csv"


def synthetic() -> Chosen:
    cols = st.columns(5)
    n = cols[0].number_input(_("points"), 50, 5000, 500, step=50, key="fc.syn_n")
    period = cols[1].number_input(_("period"), 2, 500, 50, key="fc.syn_period")
    trend = cols[2].number_input(_("trend per step"), -1.0, 1.0, 0.002, step=0.001, format="%.3f", key="fc.syn_trend")
    noise = cols[3].number_input(_("noise σ"), 0.0, 5.0, 0.1, step=0.05, key="fc.syn_noise")
    seed = cols[4].number_input(_("seed"), 0, 2**31 - 1, 0, key="fc.syn_seed")
    series = series_data.synthetic(int(n), int(period), 1.0, float(trend), float(noise), int(seed))
    return series, "dataset:sine", "", "synthetic:sine"  # the link reopens the synthetic tab


def data_tab(source: str) -> Chosen:
    """The series the user picks, opening at the link's ``source`` (``yahoo:TICKER``, ``dataset:NAME``…)."""
    kind, _colon, name = source.partition(":")
    kind = radio(_("source"), translated(KINDS), "fc.kind", kind)
    choose = {"yahoo": lambda: ticker(name if source.startswith("yahoo:") else ""), "csv": csv_series}
    choose |= {"dataset": lambda: bundled_series(name), "synthetic": synthetic}
    series, source, column, link = choose[kind]()
    if series is not None:
        st.caption(
            ngettext(
                "**{source}** · {count} {frequency} point, {start} to {end}",
                "**{source}** · {count} {frequency} points, {start} to {end}",
                len(series),
            ).format(
                source=series.source,
                count=number(len(series)),
                frequency=_(WORDS[series.frequency]),
                start=series.stamp(series.dates[0]),
                end=series.stamp(series.dates[-1]),
            )
        )
        for note in [describe_spacing(series.spacing), *series.notes]:
            if note:
                st.caption(note)
        st.plotly_chart(series_figure(series), key="fc.data_chart")
    return series, source, column, link
