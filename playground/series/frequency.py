"""How a series is spaced in time, how its stamps are written, and the season length its data suggest.

The spacing is read off the most common step between stamps, so a few missing stamps, a daylight-saving
shift or a holiday do not make a series irregular: they are counted as gaps. Month-based spacings
(monthly, quarterly, yearly) are read off the calendar, since months differ in length.

The season is suggested from the spacing (24 for hourly data, 7 then 365 for daily, 12 for monthly…)
and kept only where the data show it: the series minus its centred moving average over one season
(the classical decomposition's detrending) must correlate with itself one season later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from playground.i18n import N_, _, language, ngettext

ON_GRID = 0.9  # at least this share of the steps must be whole multiples of the step
DAY = pd.Timedelta(days=1)
FIXED_STEPS = {  # step -> name
    pd.Timedelta(minutes=1): "minutely",
    pd.Timedelta(hours=1): "hourly",
    DAY: "daily",
    pd.Timedelta(days=7): "weekly",
}
CALENDAR_STEPS = ((1, 27, 32, "monthly"), (3, 85, 95, "quarterly"), (12, 360, 370, "yearly"))  # months, days
CALENDAR_SEASONS = {  # spacing -> season lengths to try, in order: the first the data show is suggested
    "minutely": (60,),
    "hourly": (24, 168),
    "daily": (7, 365),
    "business-daily": (5,),
    "weekly": (52,),
    "monthly": (12,),
    "quarterly": (4,),
}
MIN_SEASONAL_CORRELATION = 0.3
MAX_SEASON = 400  # ForecastConfig.season's upper limit
RESOLUTIONS = ("second", "minute", "hour", "day", "month", "year")
WORDS = {  # Spacing.name -> the word in "500 daily points" (translated with _ where shown)
    "minutely": N_("minutely"),
    "hourly": N_("hourly"),
    "daily": N_("daily"),
    "business-daily": N_("business-daily"),
    "weekly": N_("weekly"),
    "monthly": N_("monthly"),
    "quarterly": N_("quarterly"),
    "yearly": N_("yearly"),
    "regular": N_("evenly spaced"),
    "irregular": N_("irregular"),
}


@dataclass(frozen=True)
class Spacing:
    """How the stamps of a series follow each other."""

    name: str  # minutely, hourly, daily, business-daily, weekly, monthly, quarterly, yearly, regular, irregular
    step: pd.Timedelta | None  # the fixed step; None for month-based and irregular spacings
    months: int  # the calendar step in months (1, 3, 12); 0 for fixed steps
    gaps: int  # places where one stamp or more is missing
    missing: int  # stamps missing in all
    off_grid: int  # steps that are not whole multiples of the step (a daylight-saving shift moves a daily stamp)
    resolution: str  # the finest unit the stamps need: second, minute, hour, day, month or year

    @property
    def regular(self) -> bool:
        return self.name != "irregular"


def resolution_of(dates: pd.DatetimeIndex) -> str:
    """The finest unit in which the stamps differ from a whole day: second, minute, hour or day."""
    if len(dates) == 0:
        return "day"
    if (dates.second != 0).any() or (dates.microsecond != 0).any():
        return "second"
    if (dates.minute != 0).any():
        return "minute"
    if (dates.hour != 0).any():
        return "hour"
    return "day"


def _calendar(dates: pd.DatetimeIndex, days: float) -> Spacing | None:
    for months, low, high, name in CALENDAR_STEPS:
        if not low <= days <= high:
            continue
        index = np.asarray(dates.year * 12 + dates.month, dtype=np.int64)
        step = np.diff(index)
        on_grid = (step > 0) & (step % months == 0)
        if on_grid.mean() < ON_GRID:
            return None
        skipped = step[on_grid] // months - 1
        resolution = "year" if months == 12 else "month"
        if resolution_of(dates) != "day":
            resolution = resolution_of(dates)
        return Spacing(
            name, None, months, int((skipped > 0).sum()), int(skipped.sum()), int((~on_grid).sum()), resolution
        )
    return None


def infer_spacing(dates: pd.DatetimeIndex) -> Spacing:
    """The spacing of sorted, unique ``dates``, counting its gaps (see the module's docstring)."""
    resolution = resolution_of(dates)
    irregular = Spacing("irregular", None, 0, 0, 0, 0, resolution)
    if len(dates) < 3:
        return irregular
    diffs = np.diff(dates.as_unit("ns").asi8)  # nanoseconds, whatever unit the index keeps
    diffs = diffs[diffs > 0]
    if len(diffs) < 2:
        return irregular
    calendar = _calendar(dates, float(np.median(diffs)) / DAY.value)
    if calendar is not None:
        return calendar
    values, counts = np.unique(diffs, return_counts=True)
    step = int(values[counts.argmax()])
    # stamps may jitter by 2 % of a step; a daylight-saving shift moves a daily stamp by an hour
    jitter = step // 50
    tolerance = max(jitter, pd.Timedelta(hours=1).value) if step >= DAY.value else jitter
    multiple = np.maximum(np.round(diffs / step), 1)
    off = np.abs(diffs - multiple * step)
    on_grid, exact = off <= tolerance, off <= jitter
    skipped = (multiple - 1)[on_grid].astype(np.int64)
    if on_grid.mean() < ON_GRID or skipped.sum() > len(dates):
        return irregular
    name = FIXED_STEPS.get(pd.Timedelta(step), "regular")
    if name == "daily" and _business_days(dates):
        workdays = np.busday_count(dates[:-1].values.astype("datetime64[D]"), dates[1:].values.astype("datetime64[D]"))
        skipped = np.maximum(workdays - 1, 0)
        name = "business-daily"
    return Spacing(
        name,
        pd.Timedelta(step),
        0,
        int((skipped > 0).sum()),
        int(skipped.sum()),
        int((~exact).sum()),
        resolution,
    )


def _business_days(dates: pd.DatetimeIndex) -> bool:
    """Daily stamps that skip the weekends (at most 1 % of them on a Saturday or Sunday)."""
    return len(dates) >= 10 and float(np.mean(dates.day_of_week >= 5)) <= 0.01


def future_stamps(dates: pd.DatetimeIndex, spacing: Spacing, steps: int) -> pd.DatetimeIndex:
    """``steps`` stamps after the last of ``dates``, continuing its spacing."""
    last = dates[-1]
    if spacing.months:
        if (dates.day == 1).all():
            return pd.date_range(last, periods=steps + 1, freq=f"{spacing.months}MS")[1:]
        if dates.is_month_end.all():
            return pd.date_range(last, periods=steps + 1, freq=f"{spacing.months}ME")[1:]
        return pd.DatetimeIndex([last + pd.DateOffset(months=spacing.months * (i + 1)) for i in range(steps)])
    if spacing.name == "business-daily":
        return pd.bdate_range(last, periods=steps + 1)[1:]
    step = spacing.step
    if step is None:
        step = pd.Timedelta(int(np.median(np.diff(dates.as_unit("ns").asi8)))) if len(dates) > 1 else DAY
    return pd.DatetimeIndex([last + step * (i + 1) for i in range(steps)])


# ---- stamps as a person reads them --------------------------------------------------------------

STRFTIME = {
    "year": "%Y",
    "month": "%Y-%m",
    "day": "%Y-%m-%d",
    "hour": "%Y-%m-%d %H:%M",
    "minute": "%Y-%m-%d %H:%M",
    "second": "%Y-%m-%d %H:%M:%S",
}
RESOLUTIONS = ("second", "minute", "hour", "day", "month", "year")  # finest first
PLOTLY_DATES = {  # Plotly (d3) date formats with names in them: (English, Chinese)
    "month": ("%b %Y", "%Y年%-m月"),
    "day": ("%b %d\n%Y", "%-m月%-d日\n%Y年"),
    "time": ("%H:%M\n%b %d, %Y", "%H:%M\n%Y年%-m月%-d日"),
    "seconds": ("%H:%M:%S\n%b %d, %Y", "%H:%M:%S\n%Y年%-m月%-d日"),
}


def plotly_date(kind: str) -> str:
    """A Plotly date format (``PLOTLY_DATES``) in the current language: Plotly names months in English."""
    english, chinese = PLOTLY_DATES[kind]
    return chinese if language() == "zh" else english


def hover_format(resolution: str) -> str:
    """Plotly's hover date format for stamps at ``resolution``: never finer than they are."""
    return plotly_date("month") if resolution == "month" else STRFTIME[resolution]


def tick_stops(resolution: str) -> list[dict]:
    """Plotly's tick formats for every zoom level, in the current language (Plotly's own name months in
    English), never finer than stamps at ``resolution``: a monthly series never shows days."""
    finest = RESOLUTIONS.index(resolution)
    levels = [  # (the coarsest tick spacing a format is for, its resolution, the format)
        (60_000, "second", plotly_date("seconds")),
        (86_400_000, "hour", plotly_date("time")),
        ("M1", "day", plotly_date("day")),
        ("M12", "month", plotly_date("month")),
        (None, "year", "%Y"),
    ]
    stops, start = [], None
    for end, finest_resolution, value in levels:
        if finest <= RESOLUTIONS.index(finest_resolution):
            stops.append(dict(dtickrange=[start, end], value=value))
            start = end
    return stops


def stamp(value, resolution: str) -> str:
    """A date or time written to ``resolution``, in the current language: 2024-01-02 13:00, 2024年1月2日 13:00."""
    value = pd.Timestamp(value)
    if language() != "zh":
        return value.strftime(STRFTIME[resolution])
    text = {"year": "{y}年", "month": "{y}年{m}月"}.get(resolution, "{y}年{m}月{d}日")
    text = text.format(y=value.year, m=value.month, d=value.day)
    if resolution in ("hour", "minute", "second"):
        text += " " + value.strftime(STRFTIME[resolution].split(" ")[1])
    return text


def iso_stamp(value, resolution: str) -> str:
    """A date (2024-01-02) or, for stamps within a day, a date and time (2024-01-02T13:00), for files and JSON."""
    value = pd.Timestamp(value)
    if resolution in ("hour", "minute"):
        return value.isoformat(timespec="minutes")
    if resolution == "second":
        return value.isoformat(timespec="seconds")
    return value.date().isoformat()


# ---- the season ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Season:
    """A suggested season length and the evidence for it."""

    length: int  # steps; 0 when the data show none
    correlation: float | None  # the seasonal autocorrelation at ``length`` (or at the best lag tried)
    lag: int  # the lag that correlation belongs to (``length``, or the best lag tried when none is kept)
    how: str  # "known" (by construction), "calendar", "autocorrelation", "none" or "short"

    def describe(self, spacing: Spacing) -> str:
        """One sentence on why, in the current language."""
        if self.how == "known":
            return _("Season length {length}: known for this series.").format(length=self.length)
        if self.how == "calendar":
            return _(
                "Suggested season length {length}: {spacing} data, and the series minus its moving average "
                "correlates {correlation:.2f} with itself {length} steps later."
            ).format(length=self.length, spacing=_(WORDS[spacing.name]), correlation=self.correlation)
        if self.how == "autocorrelation":
            return _(
                "Suggested season length {length}: the autocorrelation peaks there, and the series minus its "
                "moving average correlates {correlation:.2f} with itself {length} steps later."
            ).format(length=self.length, correlation=self.correlation)
        if self.how == "short":
            return _("No season suggested: the series is too short to show one.")
        if self.correlation is None:
            return _("No season suggested: the autocorrelation shows no repeating cycle.")
        return _(
            "No season suggested: at lag {lag} the series minus its moving average correlates only "
            "{correlation:.2f} with itself (a season needs {least:.1f}), so the seasonal-naive baseline is off."
        ).format(lag=self.lag, correlation=self.correlation, least=MIN_SEASONAL_CORRELATION)


def seasonal_correlation(values: np.ndarray, lag: int) -> float | None:
    """The correlation of ``values`` minus their centred moving average over ``lag`` steps (a 2×``lag``
    average for an even ``lag``) with itself ``lag`` steps later; None when too short (under 3 seasons)."""
    values = np.asarray(values, dtype=np.float64)
    if lag < 2 or len(values) < 3 * lag:
        return None
    weights = np.r_[0.5, np.ones(lag - 1), 0.5] / lag if lag % 2 == 0 else np.ones(lag) / lag
    half = (len(weights) - 1) // 2
    trend = np.convolve(values, weights, mode="valid")
    rest = values[half : len(values) - half] - trend
    rest = rest - rest.mean()
    energy = float(rest @ rest)
    if energy <= 1e-12 * max(float(values @ values), 1e-300):
        return None
    return float(rest[lag:] @ rest[:-lag]) / energy


def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """The autocorrelation of ``values`` after removing a straight-line trend, lags 0 … ``max_lag``."""
    values = np.asarray(values, dtype=np.float64)
    t = np.arange(len(values))
    rest = values - np.polyval(np.polyfit(t, values, 1), t)
    spectrum = np.fft.rfft(rest, 2 * len(rest))
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[: max_lag + 1]
    return acf / acf[0] if acf[0] > 0 else np.zeros(max_lag + 1)


def _threshold(n: int, lag: int) -> float:
    """A seasonal correlation this high is unlikely by chance (three standard errors, at least 0.3)."""
    return max(MIN_SEASONAL_CORRELATION, 3 / np.sqrt(max(n - 2 * lag, 1)))


def _peaks(values: np.ndarray) -> list[int]:
    """Lags where the autocorrelation peaks after a dip of 0.1 or more, smallest first."""
    max_lag = min(len(values) // 3, MAX_SEASON)
    if max_lag < 3:
        return []
    acf = autocorrelation(values, max_lag + 1)
    low, found = acf[1], []
    for lag in range(2, max_lag + 1):
        low = min(low, acf[lag])
        if acf[lag] > acf[lag - 1] and acf[lag] >= acf[lag + 1] and acf[lag] - low >= 0.1 and acf[lag] > 0:
            found.append(lag)
    return found


def suggest_season(values: np.ndarray, spacing: Spacing, known: int = 0) -> Season:
    """The season length to use by default: ``known`` when given; else the first of the spacing's calendar
    lengths whose seasonal correlation passes the threshold; else the first autocorrelation peak that does
    (a cycle that is not on the calendar, as the sunspots' ~11 years); else none."""
    if known > 0:
        return Season(known, seasonal_correlation(values, known), known, "known")
    n = len(values)
    best: tuple[float, int] | None = None
    for lag in CALENDAR_SEASONS.get(spacing.name, ()):
        r = seasonal_correlation(values, lag)
        if r is None:
            continue
        if r >= _threshold(n, lag):
            return Season(lag, r, lag, "calendar")
        best = max(best or (r, lag), (r, lag))
    for peak in _peaks(values)[:5]:
        tried = [(r, lag) for lag in (peak - 1, peak, peak + 1) if (r := seasonal_correlation(values, lag)) is not None]
        if not tried:
            continue
        r, lag = max(tried)
        if r >= _threshold(n, lag):
            return Season(lag, r, lag, "autocorrelation")
        best = max(best or (r, lag), (r, lag))
    if best is None:
        return Season(0, None, 0, "short" if n < 3 * min(CALENDAR_SEASONS.get(spacing.name, (4,))) else "none")
    return Season(0, best[0], best[1], "none")


def describe_spacing(spacing: Spacing) -> str:
    """The gaps and shifts of a regular series, in one sentence (the current language); "" when it has none."""
    if not spacing.regular or (spacing.gaps == 0 and spacing.off_grid == 0):
        return ""
    gaps = ngettext(
        "{gaps} gap in the stamps ({missing} missing)",
        "{gaps} gaps in the stamps ({missing} missing)",
        spacing.gaps,
    ).format(gaps=spacing.gaps, missing=spacing.missing)
    shifted = ngettext(
        "{shifted} step off the grid (a daylight-saving shift or jitter)",
        "{shifted} steps off the grid (daylight-saving shifts or jitter)",
        spacing.off_grid,
    ).format(shifted=spacing.off_grid)
    if not spacing.off_grid:
        return _("{gaps}: the values are used in order, as if evenly spaced.").format(gaps=gaps)
    if not spacing.gaps:
        return _("{shifted}: the values are used in order, as if evenly spaced.").format(shifted=shifted)
    return _("{gaps} and {shifted}: the values are used in order, as if evenly spaced.").format(
        gaps=gaps, shifted=shifted
    )
