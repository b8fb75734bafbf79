"""Forecasting: Yahoo faked at its boundary, windows without leakage, baselines, metrics, a learning LSTM, CSVs."""

import json
import os
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.errors import PlaygroundError
from playground.models import create_model, load_model, model_bytes
from playground.series import data as sd
from playground.series import forecaster as fc
from playground.series import metrics, yahoo
from playground.series.windows import Scaler, make_windows, to_target, to_values
from tests.helpers import prices

# ---- Yahoo Finance, faked at playground.series.yahoo.fetch_prices -------------------------------


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    return tmp_path


def fake_fetch(monkeypatch, answer):
    calls = []

    def fetch(ticker, period, start, end, interval):
        calls.append((ticker, period, interval))
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(yahoo, "fetch_prices", fetch)
    return calls


def online(host):
    return True


def test_a_good_answer_with_a_timezone_becomes_plain_dates_and_is_cached(cache_dir, monkeypatch):
    calls = fake_fetch(monkeypatch, prices())
    series = yahoo.load_ticker(" aapl ", "1y", check_online=online)
    assert series.name == "AAPL" and len(series) == 60 and calls == [("AAPL", "1y", "1d")]
    assert series.dates.tz is None and series.dates[0] == pd.Timestamp("2024-01-02")
    assert series.values[-1] == pytest.approx(prices().Close.iloc[-1])
    assert set(series.ohlc.columns) == {"Open", "High", "Low", "Close", "Volume"}
    again = yahoo.load_ticker("AAPL", "1y", check_online=online)  # a reload: from the disk cache
    assert len(calls) == 1 and np.allclose(again.values, series.values) and "cache" in again.notes[0]


def test_an_unknown_or_delisted_ticker_gets_one_sentence(cache_dir, monkeypatch):
    fake_fetch(monkeypatch, pd.DataFrame())
    with pytest.raises(PlaygroundError, match="unknown or delisted"):
        yahoo.load_ticker("ZZZZZZ", check_online=online)


def test_rate_limiting_and_network_errors_get_one_sentence(cache_dir, monkeypatch):
    class YFRateLimitError(Exception):
        pass

    fake_fetch(monkeypatch, YFRateLimitError("Too Many Requests"))
    with pytest.raises(PlaygroundError, match="limiting requests"):
        yahoo.load_ticker("MSFT", check_online=online)
    fake_fetch(monkeypatch, ConnectionError("reset by peer"))
    with pytest.raises(PlaygroundError, match="did not answer"):
        yahoo.load_ticker("MSFT", check_online=online)


def test_offline_answers_without_asking_yahoo_and_falls_back_to_a_stale_cache(cache_dir, monkeypatch):
    calls = fake_fetch(monkeypatch, prices())
    with pytest.raises(PlaygroundError, match="cannot be reached"):
        yahoo.load_ticker("IBM", check_online=lambda host: False)
    assert calls == []  # no request, so no timeout to wait for
    yahoo.load_ticker("IBM", check_online=online)
    path = yahoo.cache_path("IBM", "5y", None, None, "1d")
    old = time.time() - 2 * yahoo.FRESH_S
    os.utime(path, (old, old))
    series = yahoo.load_ticker("IBM", check_online=lambda host: False)  # a later offline visit
    assert len(series) == 60 and "cannot be reached" in series.notes[0] and "cached" in series.notes[0]


@pytest.mark.parametrize("text", ["", "   ", "AAPL; rm -rf /", "$$$", "A" * 16, "../etc"])
def test_malformed_ticker_text_is_refused_before_any_request(text, cache_dir, monkeypatch):
    calls = fake_fetch(monkeypatch, prices())
    with pytest.raises(PlaygroundError):
        yahoo.load_ticker(text, check_online=online)
    assert calls == []


def test_too_little_history_for_the_window_is_one_sentence(cache_dir, monkeypatch):
    fake_fetch(monkeypatch, prices(n=15))
    series = yahoo.load_ticker("NEW", "1mo", check_online=online)
    with pytest.raises(PlaygroundError, match="too few"):
        fc.prepare(series, fc.ForecastConfig(lookback=10))


# ---- windows, split and scaler ------------------------------------------------------------------


def ramp(n):
    return sd.Series("ramp", pd.date_range("2000-01-01", periods=n), np.arange(1.0, n + 1), "test")


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(40, 300),
    lookback=st.integers(1, 12),
    horizon=st.integers(1, 4),
    test_split=st.floats(0.1, 0.4),
    val_split=st.floats(0.0, 0.3),
    target=st.sampled_from(["price", "log-return"]),
)
def test_no_test_value_is_inside_any_training_window(n, lookback, horizon, test_split, val_split, target):
    try:
        p = make_windows(ramp(n), lookback, horizon, target, "standard", test_split, val_split)
    except PlaygroundError:
        return  # too short for these settings: refused in one sentence
    first_val, first_test = p.n_train, p.n_train + p.n_val
    # A window with origin o reads values up to o and predicts o+1 … o+horizon.
    assert (p.train.origins + horizon < first_val).all()
    assert ((p.val.origins + 1 >= first_val) & (p.val.origins + horizon < first_test)).all()
    assert ((p.test.origins + 1 >= first_test) & (p.test.origins + horizon < n)).all()
    assert len(p.test) == p.n_test - horizon + 1
    # the windows hold exactly the scaled targets around their origins
    z = p.scaler.transform(to_target(p.values, target))
    for w in (p.train, p.test):
        j = w.origins[0] - p.offset + 1
        assert np.allclose(w.X[0, :, 0].numpy(), z[j - lookback : j], atol=1e-5)
        assert np.allclose(w.y[0].numpy(), z[j : j + horizon], atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(60, 200), spike=st.floats(1e3, 1e6), scaler=st.sampled_from(["standard", "minmax"]))
def test_the_scaler_sees_only_the_training_part(n, spike, scaler):
    series = ramp(n)
    p = make_windows(series, 5, 1, "price", scaler)
    changed = series.values.copy()
    changed[p.n_train :] *= spike  # anything after the training part
    q = make_windows(sd.Series("x", series.dates, changed, "test"), 5, 1, "price", scaler)
    assert q.scaler == p.scaler
    assert np.array_equal(q.train.X.numpy(), p.train.X.numpy()) and np.array_equal(q.train.y.numpy(), p.train.y.numpy())
    expected = Scaler.fit(scaler, series.values[: p.n_train])
    assert p.scaler == expected


def test_log_returns_turn_back_into_the_true_values():
    values = np.array([100.0, 110.0, 99.0, 120.0])
    z = to_target(values, "log-return")
    assert np.allclose(to_values(z[None, 1:], values[[1]], "log-return"), values[None, 2:])
    with pytest.raises(PlaygroundError, match="positive"):
        to_target(np.array([1.0, 0.0, 2.0]), "log-return")


# ---- metrics and baselines ----------------------------------------------------------------------


def test_metrics_against_hand_computed_values():
    y, y_hat, last = np.array([[10.0], [12.0], [8.0]]), np.array([[11.0], [11.0], [9.0]]), np.array([9.0, 10.0, 9.0])
    s = metrics.score(y, y_hat, last)
    assert s.mae == pytest.approx(1.0)  # |−1| + |1| + |−1| over 3
    assert s.rmse == pytest.approx(1.0)
    assert s.mape == pytest.approx(100 * (1 / 10 + 1 / 12 + 1 / 8) / 3)
    assert s.smape == pytest.approx(100 * (2 / 21 + 2 / 23 + 2 / 17) / 3)
    # moves from last: true +1, +2, −1; predicted +2, +1, 0 (not counted) → 2 of 2
    assert s.direction == pytest.approx(1.0)
    near = metrics.score(np.array([[0.001], [5.0]]), np.array([[0.5], [5.0]]), np.array([1.0, 4.0]))
    assert near.mape is None and near.smape > 0  # MAPE would explode near zero
    flat = metrics.score(y, np.repeat(last[:, None], 1, axis=1), last)
    assert flat.direction is None


def test_baselines_follow_their_definitions():
    series = sd.Series("s", pd.date_range("2000-01-01", periods=60), np.arange(60.0) % 12 + np.arange(60) * 0.1, "t")
    p = make_windows(series, lookback=6, horizon=3)
    ar = fc.LinearAR.fit(p)
    out = fc.baseline_forecasts(p, p.test.origins, 3, season=12, ar=ar)
    o = p.test.origins
    assert np.allclose(out["naive"], series.values[o][:, None])
    assert np.allclose(out["seasonal_naive"], series.values[o[:, None] + np.arange(1, 4) - 12])
    assert np.allclose(out["moving_average"][:, 0], [series.values[i - 5 : i + 1].mean() for i in o])
    assert out["linear_ar"].shape == (len(o), 3)


def test_the_course_model_has_31051_parameters():
    model = create_model("forecast-rnn", cell="lstm", hidden=50, layers=2, horizon=1)
    assert sum(p.numel() for p in model.parameters()) == 31_051
    gru = create_model("forecast-rnn", cell="gru", hidden=50, layers=2, horizon=5)
    assert gru(torch.zeros(3, 10, 1)).shape == (3, 5)


# ---- training ---------------------------------------------------------------------------------


def test_a_seeded_lstm_learns_a_noisy_sine_far_better_than_naive(cpu_threads):
    series = sd.synthetic(n=400, period=40, trend=0.0, noise=0.05, seed=0)
    config = fc.ForecastConfig(epochs=40, seed=0, future=10)
    p = fc.prepare(series, config)
    model = fc.build_model(p, config)
    fc.train(model, p, config)
    e = fc.evaluate(model, p, config)
    assert e.scores["model"].mae < 0.6 * e.scores["naive"].mae
    assert not e.lag["lagging"] and "beats the naive forecast" in e.verdict
    assert len(e.future) == 10 and (e.low <= e.future).all() and (e.future <= e.high).all()
    # the same seed and settings give the same result
    again = fc.build_model(p, config)
    fc.train(again, p, config)
    assert fc.evaluate(again, p, config).scores["model"].mae == pytest.approx(e.scores["model"].mae, rel=1e-6)


def test_a_random_walk_gets_the_honest_verdict_and_the_lag_warning(cpu_threads):
    steps = np.random.default_rng(1).normal(0, 1, 300)
    series = sd.Series("walk", pd.date_range("2000-01-01", periods=300), 100 + np.cumsum(steps), "random walk")
    config = fc.ForecastConfig(epochs=15, seed=0, future=5, horizon=1)
    p = fc.prepare(series, config)
    model = fc.build_model(p, config)
    fc.train(model, p, config)
    e = fc.evaluate(model, p, config)
    assert e.scores["model"].mae >= 0.95 * e.scores["naive"].mae  # nothing to learn in a random walk
    if e.scores["model"].mae >= e.scores["naive"].mae:
        assert "does not beat the naive forecast" in e.verdict


def test_mc_dropout_band_and_recursive_shapes(cpu_threads):
    series = sd.load_bundled("sunspots")
    config = fc.ForecastConfig(epochs=3, dropout=0.2, interval="mc-dropout", future=15, horizon=2)
    p = fc.prepare(series, config)
    model = fc.build_model(p, config)
    fc.train(model, p, config)
    e = fc.evaluate(model, p, config)
    assert "MC dropout" in e.band and (e.high - e.low > 0).all()
    assert e.recursive["model"].shape == (p.n_test,) and e.one_step["model"].shape == (len(p.test), 2)
    with pytest.raises(PlaygroundError, match="dropout"):
        fc.ForecastConfig(interval="mc-dropout", dropout=0.0).validate()


def test_backtest_has_one_row_per_fold_and_forecaster(cpu_threads):
    config = fc.ForecastConfig(epochs=2, folds=3, lookback=5)
    table = fc.backtest(sd.load_bundled("sunspots"), config)
    assert sorted(table.fold.unique()) == [1, 2, 3]
    assert set(table.forecaster) >= {"LSTM", "naive (last value)", "linear autoregression"}
    assert (table["to"].iloc[0] < table[table.fold == 3]["from"].iloc[0]) and table.MAE.gt(0).all()


# ---- a saved forecaster, used again ------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_forecaster():
    series = sd.synthetic(n=260, period=25, trend=0.01, noise=0.05, seed=3)
    config = fc.ForecastConfig(epochs=3, lookback=12, hidden=16, layers=1, future=7, seed=2, device="cpu")
    prepared = fc.prepare(series, config)
    model = fc.build_model(prepared, config)
    fc.train(model, prepared, config)
    return series, config, prepared, model, fc.evaluate(model, prepared, config)


def saved(model, meta):
    return load_model(model_bytes(model, meta))


def test_a_loaded_forecaster_gives_the_trained_ones_numbers_without_training(trained_forecaster):
    series, config, prepared, model, evaluation = trained_forecaster
    loaded, meta = saved(model, fc.model_meta(prepared, config))
    assert fc.config_from_meta(meta, loaded) == replace(config, device=None)  # the machine picks its own
    again_prepared, again = fc.evaluate_saved(loaded, meta, series)
    assert again_prepared.scaler == prepared.scaler and again_prepared.n_test == prepared.n_test
    assert again.scores == evaluation.scores and again.recursive_scores == evaluation.recursive_scores
    assert np.array_equal(again.future, evaluation.future) and len(again.future) == config.future
    assert np.array_equal(again.low, evaluation.low) and np.array_equal(again.high, evaluation.high)
    assert again.verdict == evaluation.verdict and again.name == "LSTM"


def test_a_loaded_forecaster_scales_a_new_series_with_its_own_scaler(trained_forecaster):
    series, config, prepared, model, _ = trained_forecaster
    loaded, meta = saved(model, fc.model_meta(prepared, config))
    shifted = sd.Series("shifted", series.dates, series.values + 100.0, "the same shape, 100 higher")
    new_prepared, evaluation = fc.evaluate_saved(loaded, meta, shifted, future=3)
    assert new_prepared.scaler == prepared.scaler  # not refitted: the network learnt on the file's scale
    assert fc.prepare(shifted, config).scaler != prepared.scaler
    assert len(evaluation.future) == 3 and set(evaluation.scores) >= {"model", "naive", "linear_ar"}


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda meta: meta.pop("config"), "does not say how its forecaster was trained"),
        (lambda meta: meta["config"].pop("cell"), "does not say how its forecaster was trained"),
        (lambda meta: meta.update(task="image"), "is not a forecaster"),
        (lambda meta: meta["config"].update(hidden="16"), "'hidden' setting is not readable"),
        (lambda meta: meta["config"].update(cell="transformer"), "'cell' setting is not readable"),
        (lambda meta: meta["config"].update(dropout=float("nan")), "'dropout' setting is not readable"),
        (lambda meta: meta["config"].update(hidden=32), "do not match its network"),
        (lambda meta: meta["config"].update(horizon=2), "do not match its network"),
        (lambda meta: meta.update(scaler={"kind": "standard", "shift": 0.0, "scale": 0.0}), "scaler is not readable"),
        (lambda meta: meta.update(scaler="minmax"), "scaler is not readable"),
        (lambda meta: meta["scaler"].update(kind="minmax"), "do not match its scaler"),
    ],
)
def test_a_forecast_file_that_cannot_be_used_is_one_sentence(trained_forecaster, change, message):
    series, config, prepared, model, _ = trained_forecaster
    loaded, meta = saved(model, fc.model_meta(prepared, config))
    change(meta)
    with pytest.raises(PlaygroundError, match=message):
        fc.evaluate_saved(loaded, meta, series)


# ---- bundled series and CSVs ------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in sd.BUNDLED])
def test_every_bundled_series_loads_sorted_and_finite(name):
    series = sd.load_bundled(name)
    assert len(series) >= 60 and np.isfinite(series.values).all()
    assert series.dates.is_monotonic_increasing and series.dates.is_unique


def csv_bytes(text: str) -> bytes:
    return text.encode()


def test_csv_columns_are_detected_and_rows_sorted():
    rows = "\n".join(f"2024-01-{d:02d},{d * 1.5},x{d}" for d in range(30, 0, -1))
    series = sd.read_csv(csv_bytes("when,price,label\n" + rows))
    assert len(series) == 30 and series.values[0] == 1.5 and "sorted" in series.notes[0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("date,value\n2024-01-01,1\n2024-01-01,2\n2024-01-02,3", "more than once"),
        ("date,value\n2024-01-01,1\nnot a date,2\n2024-01-03,3", "not dates"),
        ("date,value\n2024-01-01,1\n2024-01-02,abc\n2024-01-03,3", "not a number"),
        ("date,value\n2024-01-01,1\n2024-01-02,\n2024-01-03,3", "missing"),
        ("date,a,b\n2024-01-01,1,2\n2024-01-02,2,3", "Several columns hold numbers"),
        ("x,y\nfoo,bar\nbaz,qux", "No column holds dates"),
        ("onlyone\n1\n2", "two columns"),
    ],
)
def test_bad_csvs_get_one_sentence(text, message):
    with pytest.raises(PlaygroundError, match=message):
        sd.read_csv(csv_bytes(text))


def test_missing_values_are_filled_when_asked():
    text = "date,value\n2024-01-01,1\n2024-01-02,\n2024-01-03,3"
    assert sd.read_csv(csv_bytes(text), fill="interpolate").values.tolist() == [1.0, 2.0, 3.0]
    assert sd.read_csv(csv_bytes(text), fill="ffill").values.tolist() == [1.0, 1.0, 3.0]


def test_non_utf8_csv_is_refused():
    with pytest.raises(PlaygroundError, match="UTF-8"):
        sd.read_csv(b"date,value\n2024-01-01,\xff\xfe\n")


# ---- CLI ----------------------------------------------------------------------------------------


def test_cli_forecast_on_a_csv_reports_model_and_baselines(tmp_path):
    from tests.helpers import cli as run

    path = tmp_path / "series.csv"
    s = sd.synthetic(n=200, period=25, noise=0.05)
    pd.DataFrame({"day": s.dates.strftime("%Y-%m-%d"), "level": s.values + 5}).to_csv(path, index=False)
    out = run(
        "forecast",
        "--source",
        f"csv:{path}",
        "--epochs",
        "3",
        "--future",
        "4",
        "--season",
        "25",
        "--json",
        "--save",
        str(tmp_path / "m.pt"),
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result["metrics"]) >= {"model", "naive", "seasonal_naive", "moving_average", "linear_ar"}
    assert {"mae", "rmse", "mape"} <= set(result["metrics"]["naive"])
    assert len(result["forecast"]) == 4 and result["parameters"] == 31_051
    assert (tmp_path / "m.pt").stat().st_size > 0
    bad = run("forecast", "--source", "yahoo:AAPL")
    assert bad.returncode == 1 and bad.stderr.startswith("error: Yahoo Finance cannot be reached")
