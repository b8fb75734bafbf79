"""Share prices from Yahoo Finance through yfinance's ``Ticker.history``, cached on disk.

``fetch_prices`` is the project's only network call for prices; tests replace it.
Every failure becomes one PlaygroundError sentence; a cached copy is used when
the network fails, so a later offline visit still has the prices.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd

from playground.data.images import data_dir, online
from playground.errors import PlaygroundError
from playground.i18n import _
from playground.series.data import Series

HOST = "query1.finance.yahoo.com"
PERIODS = ("1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max")
INTERVALS = ("1d", "1wk", "1mo")
COLUMNS = ("Close", "Open", "High", "Low", "Volume")
FRESH_S = 6 * 3600  # a cached copy younger than this is used without asking Yahoo again
_TICKER = re.compile(r"[A-Z0-9^][A-Z0-9.\-=^]{0,14}")


def normalise_ticker(text: str) -> str:
    ticker = (text or "").strip().upper()
    if not ticker:
        raise PlaygroundError(_("Type a ticker symbol, e.g. AAPL."))
    if not _TICKER.fullmatch(ticker):
        raise PlaygroundError(
            _(
                "'{text}' is not a ticker symbol: use up to 15 letters, digits, '.', '-', '=' or '^' "
                "(e.g. AAPL, BRK-B, ^GSPC, EURUSD=X)."
            ).format(text=text.strip()[:30])
        )
    return ticker


def fetch_prices(ticker: str, period: str | None, start: str | None, end: str | None, interval: str) -> pd.DataFrame:
    """Ask Yahoo Finance for OHLCV rows. The network boundary: tests replace this function."""
    try:
        import yfinance as yf  # noqa: PLC0415  (slow to import; only needed online)
    except ImportError:
        raise PlaygroundError(
            _("yfinance is not installed, so tickers cannot be fetched (pip install yfinance).")
        ) from None
    kwargs = {"start": start, "end": end} if start else {"period": period}
    return yf.Ticker(ticker).history(interval=interval, auto_adjust=True, timeout=10, **kwargs)


def cache_path(ticker: str, period: str | None, start: str | None, end: str | None, interval: str) -> Path:
    span = f"{start}_{end or 'today'}" if start else period
    return data_dir() / "yahoo" / f"{ticker.replace('^', 'IDX-')}_{span}_{interval}.csv"


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep OHLCV, drop rows without a close, and make the index plain dates in the exchange's time."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise PlaygroundError(
            _("Yahoo Finance answered without the column(s) {columns}.").format(columns=", ".join(missing))
        )
    frame = frame[list(COLUMNS)].copy()
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)  # keep the exchange's wall-clock date
    frame.index = index.rename("Date")
    frame = frame[frame.Close.notna()]
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def load_ticker(
    text: str,
    period: str | None = "5y",
    start: str | None = None,
    end: str | None = None,
    interval: str = "1d",
    column: str = "Close",
    check_online=None,
) -> Series:
    """The ticker's prices as a Series (OHLCV kept for the candlestick chart), from the cache or Yahoo.

    Its source line and notes are in the current language.
    """
    ticker = normalise_ticker(text)
    if start is None and period not in PERIODS:
        raise PlaygroundError(_("The period must be one of {periods}.").format(periods=", ".join(PERIODS)))
    if start is not None and end is not None and pd.Timestamp(start) >= pd.Timestamp(end):
        raise PlaygroundError(_("The start date must come before the end date."))
    if interval not in INTERVALS:
        raise PlaygroundError(_("The interval must be one of {intervals}.").format(intervals=", ".join(INTERVALS)))
    if column not in COLUMNS:
        raise PlaygroundError(_("The column must be one of {columns}.").format(columns=", ".join(COLUMNS)))
    path = cache_path(ticker, period, start, end, interval)
    cached = path.exists()
    notes = []
    if cached and time.time() - path.stat().st_mtime < FRESH_S:
        frame = pd.read_csv(path, index_col=0, parse_dates=True)
        notes.append(_("From the disk cache, fetched {time}.").format(time=time.ctime(path.stat().st_mtime)))
    else:
        try:
            frame = _fetch(ticker, period, start, end, interval, check_online or online)
        except PlaygroundError as exc:
            if not cached:
                raise
            frame = pd.read_csv(path, index_col=0, parse_dates=True)
            notes.append(
                _("{problem} Showing the copy cached on {time}.").format(
                    problem=exc, time=time.ctime(path.stat().st_mtime)
                )
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path)
    values = frame[column]
    if column == "Volume":
        source = _("{ticker} {column} ({interval} bars), Yahoo Finance via yfinance")
    else:
        source = _("{ticker} {column} (split- and dividend-adjusted, {interval} bars), Yahoo Finance via yfinance")
    return Series(
        ticker,
        pd.DatetimeIndex(frame.index),
        values.to_numpy(),
        source.format(ticker=ticker, column=column.lower(), interval=interval),
        "" if column == "Volume" else _("price"),
        ohlc=frame,
        notes=notes,
    )


def _fetch(ticker, period, start, end, interval, check_online) -> pd.DataFrame:
    if not check_online(HOST):
        raise PlaygroundError(
            _("Yahoo Finance cannot be reached (no network connection), so {ticker} could not be fetched.").format(
                ticker=ticker
            )
        )
    try:
        frame = fetch_prices(ticker, period, start, end, interval)
    except PlaygroundError:
        raise
    except Exception as exc:  # yfinance raises many kinds: rate limits, HTTP, JSON, timeouts
        if type(exc).__name__ == "YFRateLimitError":
            raise PlaygroundError(
                _("Yahoo Finance is limiting requests right now; wait a minute and try again.")
            ) from None
        if type(exc).__name__ in ("YFTickerMissingError", "YFPricesMissingError", "YFTzMissingError"):
            raise PlaygroundError(
                _("Yahoo Finance has no prices for {ticker}: the symbol may be unknown or delisted.").format(
                    ticker=ticker
                )
            ) from None
        raise PlaygroundError(
            _("Yahoo Finance did not answer for {ticker} ({error}).").format(ticker=ticker, error=type(exc).__name__)
        ) from None
    if frame is None or len(frame) == 0:  # yfinance's answer to an unknown or delisted symbol
        raise PlaygroundError(
            _(
                "Yahoo Finance returned no prices for {ticker}: the symbol may be unknown or delisted, "
                "or the period holds no trading days."
            ).format(ticker=ticker)
        )
    return _tidy(frame)
