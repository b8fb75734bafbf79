"""A series' spacing, its stamps as a person reads them, the suggested season, bands that respect the data's
domain, and charts of long series that open on a window."""

import json

import numpy as np
import pandas as pd
import pytest

from playground.errors import PlaygroundError
from playground.i18n import language_of
from playground.series import data as sd
from playground.series import forecaster as fc
from playground.series.frequency import infer_spacing, seasonal_correlation, stamp, suggest_season


def hourly_temperatures(days: int = 365, missing=(1000, 5000), seed: int = 0) -> pd.DataFrame:
    """A year of hourly temperatures as a weather station in Berlin writes them, in local time: the spring
    clock change skips 02:00, the autumn one repeats 02:00, and the hours in ``missing`` were lost.

    A daily cycle peaking at 15:00 local time, a yearly one peaking in July, and persistent weather noise."""
    utc = pd.date_range("2021-01-01", periods=days * 24, freq="h", tz="UTC")
    local = utc.tz_convert("Europe/Berlin").tz_localize(None)
    rng = np.random.default_rng(seed)
    noise = np.zeros(len(utc))
    shocks = rng.normal(0, 0.5, len(utc))
    for i in range(1, len(noise)):
        noise[i] = 0.9 * noise[i - 1] + shocks[i]
    daily = 5 * np.cos(2 * np.pi * (local.hour - 15) / 24)
    yearly = 8 * np.cos(2 * np.pi * (local.day_of_year - 200) / 365)
    keep = np.ones(len(utc), dtype=bool)
    keep[[m for m in missing if m < len(utc)]] = False
    return pd.DataFrame(
        {"time": local.strftime("%Y-%m-%d %H:%M")[keep], "temperature": (10 + daily + yearly + noise)[keep].round(2)}
    )


def csv_of(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False, float_format="%.2f").encode()


# ---- the spacing ----------------------------------------------------------------------------------


def test_local_hourly_stamps_with_clock_changes_and_lost_hours_are_hourly_with_their_gaps_counted():
    table = hourly_temperatures()
    assert len(table) == 8758 and table.time.duplicated().sum() == 1  # autumn's repeated 02:00
    series = sd.read_csv(csv_of(table))
    spacing = series.spacing
    assert series.frequency == "hourly" and spacing.step == pd.Timedelta(hours=1)
    # spring's skipped 02:00 and the two lost hours; the repeated hour was averaged, not a gap
    assert (spacing.gaps, spacing.missing, spacing.off_grid) == (3, 3, 0)
    assert len(series) == 8757 and any("appeared twice" in note for note in series.notes)
    repeated = table[table.time == "2021-10-31 02:00"].temperature.mean()
    assert series.values[series.dates == pd.Timestamp("2021-10-31 02:00")][0] == pytest.approx(repeated)
    assert spacing.resolution == "hour" and series.stamp(series.dates[-1]) == "2022-01-01 00:00"
    future = series.future_dates(30)
    assert future.is_unique and (np.diff(future.asi8) == pd.Timedelta(hours=1).value).all()
    assert future[0] == pd.Timestamp("2022-01-01 01:00")


def test_many_repeated_stamps_are_refused_in_one_sentence():
    rows = "\n".join(f"2024-01-{d:02d},{d}" for d in range(1, 29))
    text = "date,value\n" + rows + "\n" + rows  # two series in one column
    with pytest.raises(PlaygroundError, match="appear more than once"):
        sd.read_csv(text.encode())


@pytest.mark.parametrize(
    "dates, name, gaps, off_grid",
    [
        # local midnight written in UTC: 23:00 in summer, so two steps of 23 h and 25 h
        (
            pd.date_range("2021-01-01", "2021-12-31", freq="D", tz="Europe/Berlin").tz_convert(None),
            "daily",
            0,
            2,
        ),
        (pd.bdate_range("2023-01-02", periods=250).delete([20, 100]), "business-daily", 2, 0),
        (pd.date_range("2000-01-31", periods=120, freq="ME").delete([5, 6]), "monthly", 1, 0),
        (pd.date_range("2000-01-01", periods=40, freq="QS"), "quarterly", 0, 0),
        (pd.date_range("1700-01-01", periods=300, freq="YS"), "yearly", 0, 0),
        (pd.date_range("2024-01-01", periods=500, freq="15min"), "regular", 0, 0),
    ],
)
def test_spacings_are_read_off_the_most_common_step_or_the_calendar(dates, name, gaps, off_grid):
    spacing = infer_spacing(pd.DatetimeIndex(dates))
    assert (spacing.name, spacing.gaps, spacing.off_grid) == (name, gaps, off_grid)


def test_stamps_thrown_about_are_irregular():
    seconds = np.sort(np.random.default_rng(0).uniform(0, 3e7, 300)).astype("int64")
    assert infer_spacing(pd.to_datetime(seconds, unit="s")).name == "irregular"


def test_future_stamps_keep_the_calendar():
    monthly = infer_spacing(pd.date_range("2000-01-31", periods=24, freq="ME"))
    assert monthly.resolution == "month"
    series = sd.load_bundled("sunspots")  # stamped on 1 January
    assert series.frequency == "yearly" and list(series.future_dates(2).year) == [2009, 2010]
    assert series.stamp(series.dates[0]) == "1700"
    stocks = sd.load_bundled("msft")
    assert stocks.frequency == "monthly" and stocks.stamp(stocks.future_dates(1)[0]) == "2010-04"
    with language_of("zh"):
        assert stamp(pd.Timestamp("2021-03-28 03:00"), "hour") == "2021年3月28日 03:00"
        assert stamp(pd.Timestamp("2021-03-01"), "month") == "2021年3月"


# ---- the season -----------------------------------------------------------------------------------


def test_the_seasonal_correlation_matches_its_definition():
    values = np.random.default_rng(1).normal(size=50) + np.sin(np.arange(50))
    lag = 4  # even: a 2×4 centred moving average, weights 1/8, 1/4, 1/4, 1/4, 1/8
    trend = np.array([values[i - 2 : i + 3] @ np.array([1, 2, 2, 2, 1]) / 8 for i in range(2, 48)])
    rest = values[2:48] - trend
    rest -= rest.mean()
    assert seasonal_correlation(values, lag) == pytest.approx(rest[lag:] @ rest[:-lag] / (rest @ rest))
    assert seasonal_correlation(values[:11], lag) is None  # fewer than three seasons


def test_an_hourly_series_with_a_daily_cycle_suggests_24():
    series = sd.read_csv(csv_of(hourly_temperatures(days=60)))
    season = series.suggested_season
    assert (season.length, season.how) == (24, "calendar") and season.correlation > 0.8


@pytest.mark.parametrize(
    "freq, period, expected",
    [("D", 7, 7), ("MS", 12, 12), ("h", 24, 24), ("W-SUN", 52, 52)],
)
def test_the_calendar_season_is_suggested_when_the_data_have_it(freq, period, expected):
    n = 6 * period
    t = np.arange(n)
    noise = np.random.default_rng(2).normal(0, 0.3, n)
    series = sd.Series(
        "s",
        pd.date_range("2000-01-02", periods=n, freq=freq),
        20 + 0.01 * t + np.sin(2 * np.pi * t / period) + noise,
        "t",
    )
    assert series.suggested_season.length == expected
    flat = sd.Series("f", series.dates, 20 + noise, "noise")  # the same calendar, no cycle
    assert flat.suggested_season.length == 0 and "No season" in flat.suggested_season.describe(flat.spacing)


@pytest.mark.parametrize(
    "name, column, length, how",
    [
        ("seattle-weather", "temp_max", 365, "calendar"),  # no weekly cycle in the weather; a yearly one
        ("seattle-weather", "wind", 0, "none"),
        ("co2", None, 52, "calendar"),
        ("sunspots", None, 10, "autocorrelation"),  # the ~11-year cycle; its autocorrelation peaks at 10
        ("msft", None, 0, "none"),  # monthly, but share prices repeat no yearly pattern
        ("sine", None, 50, "known"),
    ],
)
def test_the_bundled_series_get_the_season_their_data_show(name, column, length, how):
    series = sd.load_bundled(name, column)
    season = series.suggested_season
    assert (season.length, season.how) == (length, how)
    assert fc.ForecastConfig().resolved_season(series) == length
    assert fc.ForecastConfig(season=3).resolved_season(series) == 3


def test_a_random_walk_has_no_season_whatever_its_calendar():
    walk = np.cumsum(np.random.default_rng(3).normal(size=24 * 90))
    spacing = infer_spacing(pd.date_range("2024-01-01", periods=len(walk), freq="h"))
    assert suggest_season(walk, spacing).length == 0


# ---- bands that respect the data's domain ----------------------------------------------------------


def falling_share(n: int = 300) -> sd.Series:
    """A share price that loses most of its value: an additive band around its last price reaches below zero."""
    price = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(-0.012, 0.04, n)))
    return sd.Series("fall", pd.bdate_range("2020-01-01", periods=n), price, "a falling share", "USD")


def trained(series: sd.Series, **settings) -> tuple:
    config = fc.ForecastConfig(**({"epochs": 3, "hidden": 16, "layers": 1, "future": 20, "seed": 0} | settings))
    prepared = fc.prepare(series, config)
    model = fc.build_model(prepared, config)
    fc.train(model, prepared, config)
    return model, prepared, config


def test_a_price_band_is_built_on_log_errors_and_stays_above_zero(cpu_threads, monkeypatch):
    model, prepared, config = trained(falling_share())
    evaluation = fc.evaluate(model, prepared, config)
    assert fc.domain(prepared.values) == "positive"
    assert (evaluation.low > 0).all() and (evaluation.low <= evaluation.future).all()
    assert (evaluation.future <= evaluation.high).all() and "stays above zero" in evaluation.band
    ratios = evaluation.high / evaluation.future
    assert np.allclose(evaluation.future / evaluation.low, ratios)  # symmetric in log space
    monkeypatch.setattr(fc, "domain", lambda values: "real")  # the band as it was: ± on the price
    assert (fc.evaluate(model, prepared, config).low < 0).any()


def test_a_band_of_a_series_that_is_never_negative_is_cut_at_zero(cpu_threads, monkeypatch):
    series = sd.load_bundled("sunspots")  # zero in some years, never below
    model, prepared, config = trained(series, epochs=2)
    assert fc.domain(series.values) == "nonnegative"
    evaluation = fc.evaluate(model, prepared, config)
    assert (evaluation.low >= 0).all() and "cut at 0" in evaluation.band
    monkeypatch.setattr(fc, "domain", lambda values: "real")
    assert (fc.evaluate(model, prepared, config).low < 0).any()


# ---- long series: charts open on a window with a range slider --------------------------------------


def test_a_long_series_chart_opens_on_the_test_part_and_some_history_with_a_range_slider():
    from playground.figures.series import series_figure, window_start

    series = sd.read_csv(csv_of(hourly_temperatures()))
    prepared = fc.prepare(series, fc.ForecastConfig())
    first_test = prepared.n_train + prepared.n_val
    start = window_start(series, prepared)
    assert first_test - prepared.n_test // 4 == start
    layout = series_figure(series, prepared).layout
    assert pd.Timestamp(layout.xaxis.range[0]) == series.dates[start]
    assert pd.Timestamp(layout.xaxis.range[1]) == series.dates[-1]
    assert layout.xaxis.rangeslider.visible and layout.xaxis.hoverformat == "%Y-%m-%d %H:%M"
    labels = [b.label for b in layout.xaxis.rangeselector.buttons]
    assert labels[0] == "1 week" and labels[-1] == "all"
    data_tab = series_figure(series).layout  # no split yet: the last quarter
    assert pd.Timestamp(data_tab.xaxis.range[0]) == series.dates[len(series) - len(series) // 4]
    short = series_figure(sd.load_bundled("msft")).layout  # 123 points are readable whole
    assert short.xaxis.range is None and not short.xaxis.rangeslider.visible and short.xaxis.hoverformat == "%b %Y"


def test_chart_dates_are_written_in_the_page_language_at_every_zoom_and_never_finer_than_the_stamps():
    """Plotly names months in English whatever the page's language: a Chinese page sets every format itself."""
    from playground.figures.series import series_figure

    monthly = sd.load_bundled("msft")
    with language_of("zh"):
        layout = series_figure(monthly).layout
    assert layout.xaxis.hoverformat == "%Y年%-m月"
    formats = [stop.value for stop in layout.xaxis.tickformatstops]
    assert formats == ["%Y年%-m月", "%Y"] and not any("%b" in f or "%d" in f for f in formats)  # no days in months
    hourly = sd.read_csv(csv_of(hourly_temperatures(days=30)))
    for lang in ("zh", "en"):
        with language_of(lang):
            stops = series_figure(hourly).layout.xaxis.tickformatstops
        ranges = [list(stop.dtickrange) for stop in stops]
        assert ranges[0][0] is None and ranges[-1][1] is None  # every zoom level has a format
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))  # with no gap between them
        assert any("%b" in stop.value for stop in stops) == (lang == "en")
        assert stops[0].value.startswith("%H:%M")


def test_the_forecast_chart_of_a_long_series_keeps_it_all_behind_the_window(cpu_threads):
    from playground.cli.series import summary
    from playground.figures.series import forecast_figure, window_start

    series = sd.read_csv(csv_of(hourly_temperatures(days=60)))
    model, prepared, config = trained(series, epochs=1, hidden=8)
    evaluation = fc.evaluate(model, prepared, config)
    assert evaluation.season == 24 and "seasonal_naive" in evaluation.scores
    fig = forecast_figure(series, prepared, evaluation)
    assert len(fig.data[0].x) == len(series)  # the whole series, one click on "all" away
    assert pd.Timestamp(fig.layout.xaxis.range[0]) == series.dates[window_start(series, prepared)]
    assert pd.Timestamp(fig.layout.xaxis.range[1]) == evaluation.future_dates[-1]
    assert fig.layout.xaxis.rangeslider.visible
    stamps = [row["date"] for row in evaluation.as_dict()["forecast"]]
    hours = [series.dates[-1] + pd.Timedelta(hours=h) for h in range(1, config.future + 1)]
    assert stamps == [h.strftime("%Y-%m-%dT%H:%M") for h in hours]
    text = summary(series, config, evaluation)  # what the CLI prints for a person
    assert "1 gap in the stamps (1 missing)" in text and "Suggested season length 24" in text


def test_the_forecast_legend_of_a_short_series_sits_above_the_plot_clear_of_the_dates(cpu_threads):
    from playground.figures.series import forecast_figure, window_start

    series = sd.load_bundled("msft")  # 123 months: no range slider, so the dates are the plot's lowest line
    model, prepared, config = trained(series, epochs=1, hidden=8)
    fig = forecast_figure(series, prepared, fc.evaluate(model, prepared, config))
    assert window_start(series, prepared) == 0 and not fig.layout.xaxis.rangeslider.visible
    assert fig.layout.legend.y >= 1 and fig.layout.legend.yanchor == "bottom"


# ---- the CLI uses the same spacing and season ----------------------------------------------------------


def test_cli_on_an_hourly_csv_reports_the_spacing_and_uses_the_suggested_season(tmp_path):
    from tests.helpers import cli

    path = tmp_path / "hourly.csv"
    table = hourly_temperatures(days=90, missing=())  # January to April: the spring clock change
    path.write_bytes(csv_of(table))
    args = ("forecast", "--source", f"csv:{path}", "--epochs", "1", "--hidden", "8", "--layers", "1", "--future", "3")
    out = cli(*args, "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["data"]["frequency"] == "hourly" and result["data"]["gaps"] == 1
    assert result["data"]["season"] == result["data"]["suggested_season"] == 24
    assert "seasonal_naive" in result["metrics"]
    last = pd.Timestamp(table.time.iloc[-1])
    expected = [(last + pd.Timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M") for h in (1, 2, 3)]
    assert [row["date"] for row in result["forecast"]] == expected
