"""Time series to forecast: bundled real series, a synthetic teaching series, and CSV files.

Every source becomes a ``Series``: dates (sorted, unique) and float values with no gaps.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from playground.errors import PlaygroundError
from playground.i18n import N_, _, ngettext, number
from playground.series.frequency import Season, Spacing, future_stamps, infer_spacing, stamp, suggest_season

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "bundled" / "series"
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
FILL_METHODS = ("refuse", "ffill", "interpolate")


@dataclass
class Series:
    name: str
    dates: pd.DatetimeIndex
    values: np.ndarray  # float64, same length as dates, finite
    source: str  # one line on where it came from
    unit: str = ""
    season: int = 0  # a season length known by construction (the synthetic sine's period); 0: read off the data
    ohlc: pd.DataFrame | None = None  # Open/High/Low/Close/Volume for tickers, indexed like dates
    notes: list[str] = field(default_factory=list)  # what was done to the data on the way in

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float64)
        if len(self.dates) != len(self.values):
            raise PlaygroundError(_("The dates and the values have different lengths."))

    def __len__(self) -> int:
        return len(self.values)

    @cached_property
    def spacing(self) -> Spacing:
        """How the dates follow each other (hourly, daily, monthly…), with the gaps counted."""
        return infer_spacing(self.dates)

    @property
    def frequency(self) -> str:
        """'hourly', 'daily', 'business-daily', 'weekly', 'monthly', 'yearly'… or 'irregular'."""
        return self.spacing.name

    @cached_property
    def suggested_season(self) -> Season:
        """The season length to use unless one is chosen, and the evidence for it."""
        return suggest_season(self.values, self.spacing, known=self.season)

    def stamp(self, value) -> str:
        """A date of this series as a person reads it, to the series' own resolution (2024-01-02 13:00)."""
        return stamp(value, self.spacing.resolution)

    def future_dates(self, steps: int) -> pd.DatetimeIndex:
        """``steps`` dates after the last one, continuing the series' spacing."""
        return future_stamps(self.dates, self.spacing, steps)


# ---- bundled series ---------------------------------------------------------------------------

STOCKS = ("MSFT", "AMZN", "IBM", "AAPL", "GOOG")
WEATHER_COLUMNS = ("temp_max", "temp_min", "precipitation", "wind")
BUNDLED = {  # name -> title (translated with _ where shown)
    "msft": N_("MSFT monthly share price, 2000–2010"),
    "amzn": N_("AMZN monthly share price, 2000–2010"),
    "ibm": N_("IBM monthly share price, 2000–2010"),
    "aapl": N_("AAPL monthly share price, 2000–2010"),
    "goog": N_("GOOG monthly share price, 2000–2010"),
    "seattle-weather": N_("Seattle daily weather, 2012–2015"),
    "co2": N_("Mauna Loa weekly CO₂, 1958–2001"),
    "sunspots": N_("Yearly sunspot activity, 1700–2008"),
    "sine": N_("Synthetic: sine + trend + noise"),
}


def load_bundled(name: str, column: str | None = None) -> Series:
    """A series committed to the repository (see playground/data/bundled/README.md), or the synthetic one.

    Its source line and notes are in the current language.
    """
    if name in {s.lower() for s in STOCKS}:
        table = pd.read_csv(BUNDLED_DIR / "vega_stocks_monthly.csv")
        rows = table[table.symbol == name.upper()]
        dates = pd.DatetimeIndex(pd.to_datetime(rows.date, format="%b %d %Y"))
        return Series(
            name,
            dates,
            rows.price.to_numpy(),
            _("{ticker} monthly closing price in USD, vega_datasets (BSD-3)").format(ticker=name.upper()),
            "USD",
        )
    if name == "seattle-weather":
        column = column or "temp_max"
        if column not in WEATHER_COLUMNS:
            raise PlaygroundError(
                _("The Seattle weather has no column '{column}'; choose {columns}.").format(
                    column=column, columns=", ".join(WEATHER_COLUMNS)
                )
            )
        table = pd.read_csv(BUNDLED_DIR / "seattle-weather.csv")
        units = {"temp_max": "°C", "temp_min": "°C", "precipitation": "mm", "wind": "m/s"}
        return Series(
            f"seattle-{column}",
            pd.DatetimeIndex(pd.to_datetime(table.date, format="%Y/%m/%d")),
            table[column].to_numpy(),
            _("Seattle daily {column}, NOAA via vega_datasets (public domain)").format(column=column),
            units[column],
        )
    if name == "co2":
        table = pd.read_csv(BUNDLED_DIR / "co2.csv")
        missing = int(table.co2.isna().sum())
        return Series(
            "co2",
            pd.DatetimeIndex(pd.to_datetime(table.date.astype(str), format="%Y%m%d")),
            table.co2.interpolate(limit_direction="both").to_numpy(),
            _("Mauna Loa weekly CO₂ in ppm, statsmodels (public domain)"),
            "ppm",
            notes=[
                ngettext(
                    "{n} missing week was filled by linear interpolation.",
                    "{n} missing weeks were filled by linear interpolation.",
                    missing,
                ).format(n=missing)
            ],
        )
    if name == "sunspots":
        table = pd.read_csv(BUNDLED_DIR / "sunspots.csv")
        return Series(
            "sunspots",
            pd.DatetimeIndex(pd.to_datetime(table.YEAR.astype(int).astype(str), format="%Y")),
            table.SUNACTIVITY.to_numpy(),
            _("Yearly sunspot activity, statsmodels (public domain)"),
        )
    if name == "sine":
        return synthetic()
    raise PlaygroundError(
        _("There is no bundled series called '{name}'; choose one of {names}.").format(
            name=name, names=", ".join(BUNDLED)
        )
    )


def synthetic(
    n: int = 500, period: int = 50, amplitude: float = 1.0, trend: float = 0.002, noise: float = 0.1, seed: int = 0
) -> Series:
    """Sine + linear trend + Gaussian noise, one value a day: a series whose structure is known."""
    if not 20 <= n <= MAX_ROWS:
        raise PlaygroundError(
            _("The synthetic series needs between 20 and {most} points.").format(most=number(MAX_ROWS))
        )
    if period < 2 or noise < 0:
        raise PlaygroundError(_("The period must be at least 2 steps and the noise cannot be negative."))
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    values = amplitude * np.sin(2 * np.pi * t / period) + trend * t + rng.normal(0, noise, n)
    return Series(
        "sine",
        pd.date_range("2020-01-01", periods=n, freq="D"),
        values,
        _("sin(2πt/{period})·{amplitude:g} + {trend:g}·t + N(0, {noise:g}²), seed {seed}").format(
            period=period, amplitude=amplitude, trend=trend, noise=noise, seed=seed
        ),
        season=period,
    )


# ---- CSV files --------------------------------------------------------------------------------


def _parse_dates(column: pd.Series) -> pd.Series:
    text = column.astype(str).str.strip()
    if text.str.fullmatch(r"\d{8}").all():  # YYYYMMDD
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    if text.str.fullmatch(r"\d{4}").all():  # years
        return pd.to_datetime(text, format="%Y", errors="coerce")
    parsed = pd.to_datetime(text, format="mixed", errors="coerce", utc=True)
    return parsed.dt.tz_convert(None)


DATE_NAMES = re.compile(r"date|time|day|month|year|week|period|ds", re.IGNORECASE)


def _date_like(column: pd.Series) -> bool:
    """Mostly parseable as dates (half is enough when the column's name says it holds dates)."""
    if pd.api.types.is_float_dtype(column):
        return False
    sample = column.dropna().head(200)
    if sample.empty:
        return False
    if pd.api.types.is_integer_dtype(sample) and not sample.astype(str).str.fullmatch(r"\d{4}|\d{8}").all():
        return False
    share = _parse_dates(sample).notna().mean()
    return share >= 0.9 or (share >= 0.5 and bool(DATE_NAMES.search(str(column.name))))


def detect_columns(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(columns that look like dates, numeric columns that are not dates)."""
    dates = [c for c in table.columns if _date_like(table[c])]
    numeric = [
        c
        for c in table.columns
        if c not in dates and pd.to_numeric(table[c], errors="coerce").notna().mean() >= 0.5 and table[c].notna().any()
    ]
    return dates, numeric


def read_table(data: bytes) -> pd.DataFrame:
    """The CSV as a table of strings and numbers, or one sentence on why it cannot be read."""
    if not data.strip():
        raise PlaygroundError(_("The CSV file is empty."))
    if len(data) > MAX_CSV_BYTES:
        raise PlaygroundError(_("The CSV file is larger than {mb} MB.").format(mb=MAX_CSV_BYTES // 2**20))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlaygroundError(_("The CSV file is not UTF-8 text.")) from None
    try:
        try:
            sep = csv.Sniffer().sniff(text[:10_000], delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
        table = pd.read_csv(io.StringIO(text), sep=sep, nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
        raise PlaygroundError(
            _("The file could not be read as CSV ({problem}).").format(problem=str(exc).splitlines()[0])
        ) from None
    if len(table) > MAX_ROWS:
        raise PlaygroundError(_("The CSV has more than {most} rows.").format(most=number(MAX_ROWS)))
    if table.shape[1] < 2:
        raise PlaygroundError(_("The CSV needs at least two columns: a date and a value."))
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _merge_repeated_stamps(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """A few repeated stamps (a daylight-saving fall-back repeats an hour) are averaged; many are refused,
    since they mean several series in one column or a date column without the time of day."""
    repeated = frame.date.duplicated()
    count = int(repeated.sum())
    if not count:
        return frame
    if count > len(frame) // 100:
        first = frame.date[repeated].iloc[0]
        raise PlaygroundError(
            _("{n} date(s) appear more than once (the first is {first}); keep one row per date.").format(
                n=count, first=first.date() if first == first.normalize() else first
            )
        )
    notes.append(
        ngettext(
            "{n} stamp appeared twice (as when clocks go back); the values at it were averaged.",
            "{n} stamps appeared twice (as when clocks go back); the values at each were averaged.",
            count,
        ).format(n=count)
    )
    return frame.groupby("date", sort=True, as_index=False).value.mean()


def choose_columns(table: pd.DataFrame, date_col: str | None, value_col: str | None) -> tuple[str, str]:
    """The date and value columns: the ones named, or the only ones that fit; one sentence when that is unclear."""
    dates_found, numeric = detect_columns(table)
    if date_col is None:
        if not dates_found:
            raise PlaygroundError(_("No column holds dates; the CSV needs a date column such as 2024-01-31."))
        if len(dates_found) > 1:
            raise PlaygroundError(
                _("Several columns hold dates ({columns}); choose the date column.").format(
                    columns=", ".join(dates_found)
                )
            )
        date_col = dates_found[0]
    elif date_col not in table.columns:
        raise PlaygroundError(
            _("There is no column '{column}'; the columns are {columns}.").format(
                column=date_col, columns=", ".join(table.columns)
            )
        )
    if value_col is None:
        candidates = [c for c in numeric if c != date_col]
        if not candidates:
            raise PlaygroundError(_("No column holds numbers to forecast."))
        if len(candidates) > 1:
            raise PlaygroundError(
                _("Several columns hold numbers ({columns}); choose the value column.").format(
                    columns=", ".join(candidates)
                )
            )
        value_col = candidates[0]
    elif value_col not in table.columns:
        raise PlaygroundError(
            _("There is no column '{column}'; the columns are {columns}.").format(
                column=value_col, columns=", ".join(table.columns)
            )
        )
    if value_col == date_col:
        raise PlaygroundError(_("The date column and the value column must differ."))
    return date_col, value_col


def series_from_table(
    table: pd.DataFrame,
    date_col: str | None = None,
    value_col: str | None = None,
    fill: str = "refuse",
    name: str = "csv",
) -> Series:
    """Validate and turn a table into a Series: parseable dates, numbers, sorted, unique, gaps filled or refused."""
    if fill not in FILL_METHODS:
        raise PlaygroundError(
            _("Missing values can be handled by {methods}, not '{fill}'.").format(
                methods=", ".join(FILL_METHODS), fill=fill
            )
        )
    date_col, value_col = choose_columns(table, date_col, value_col)
    notes = []
    dates = _parse_dates(table[date_col])
    bad_dates = int(dates.isna().sum())
    if bad_dates:
        first = table[date_col][dates.isna()].iloc[0]
        raise PlaygroundError(
            _("{n} value(s) in '{column}' are not dates (the first is '{first}' on row {row}).").format(
                n=bad_dates, column=date_col, first=first, row=int(dates.isna().idxmax()) + 2
            )
        )
    raw = table[value_col]
    values = pd.to_numeric(raw, errors="coerce")
    words = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if words.any():
        raise PlaygroundError(
            _("'{column}' holds text that is not a number ('{text}' on row {row}).").format(
                column=value_col, text=raw[words].iloc[0], row=int(words.idxmax()) + 2
            )
        )
    frame = pd.DataFrame({"date": dates.to_numpy(), "value": values.to_numpy(dtype=np.float64)})
    if not frame.date.is_monotonic_increasing:
        frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
        notes.append(_("The rows were not in date order; they were sorted."))
    frame = _merge_repeated_stamps(frame, notes)
    missing = int((~np.isfinite(frame.value)).sum())
    if missing:
        if fill == "refuse":
            raise PlaygroundError(
                _(
                    "'{column}' has {n} missing value(s); "
                    "fill them (forward fill or interpolation) or remove those rows."
                ).format(column=value_col, n=missing)
            )
        frame["value"] = frame.value.where(np.isfinite(frame.value))
        frame["value"] = (
            frame.value.ffill().bfill() if fill == "ffill" else frame.value.interpolate(limit_direction="both")
        )
        if fill == "ffill":
            notes.append(_("{n} missing value(s) were filled (forward fill).").format(n=missing))
        else:
            notes.append(_("{n} missing value(s) were filled (linear interpolation).").format(n=missing))
    if len(frame) < 2 or frame.value.isna().all():
        raise PlaygroundError(_("The CSV has fewer than two usable rows."))
    return Series(
        name,
        pd.DatetimeIndex(frame.date),
        frame.value.to_numpy(),
        _("your CSV: '{value_column}' by '{date_column}'").format(value_column=value_col, date_column=date_col),
        notes=notes,
    )


def read_csv(data: bytes, date_col: str | None = None, value_col: str | None = None, fill: str = "refuse") -> Series:
    return series_from_table(read_table(data), date_col, value_col, fill)
