"""The forecast page through AppTest: offline fallback, windows, training beside baselines, CSV upload, backtest."""

import pytest


def test_offline_it_opens_on_a_bundled_series_and_says_why(open_page):
    at = open_page("forecast")
    warning = at.warning[0].value
    assert warning.startswith("Yahoo Finance cannot be reached") and "bundled MSFT" in warning
    assert any("MSFT monthly closing price" in c.value for c in at.caption)
    assert any("31,051 parameters" in m.value for m in at.markdown)  # the course's LSTM(50) → LSTM(50) → Dense(1)
    assert any("training mean and standard deviation" in c.value for c in at.code)


def test_the_ticker_settings_read_in_chinese_with_yfinances_own_codes_kept(open_page):
    at = open_page("forecast", {"lang": "zh"})
    period, column = at.selectbox(key="fc.period"), at.selectbox(key="fc.column")
    assert period.value == "5y" and period.format_func("5y") == "5 年" and period.format_func("ytd") == "今年以来"
    assert column.value == "Close" and column.format_func("Close") == "收盘价（Close）"
    assert column.format_func("Volume") == "成交量（Volume）"


def test_a_malformed_ticker_gets_one_sentence_and_the_page_keeps_working(open_page):
    at = open_page("forecast")
    at.text_input(key="fc.ticker").input("AAPL; DROP TABLE")
    at.button(key="fc.fetch").click().run()
    assert not at.exception
    assert "is not a ticker symbol" in at.warning[0].value


def test_train_on_a_bundled_series_shows_verdict_metrics_and_forecast(open_page):
    at = open_page("forecast")
    at.radio(key="fc.kind").set_value("dataset").run()
    at.selectbox(key="fc.dataset").set_value("sunspots").run()
    at.number_input(key="fc.epochs").set_value(5).run()
    at.button(key="fc.job.start").click().run()
    at.session_state["fc.job"].join(120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    verdicts = [a.value for a in (*at.success, *at.warning)]
    assert any("the naive forecast" in v for v in verdicts)
    tables = [df.value for df in at.dataframe]
    metrics = next(t for t in tables if "forecaster" in t.columns and "MAE" in t.columns)
    assert {"LSTM", "naive (last value)", "seasonal naive", "linear autoregression"} <= set(metrics.forecaster)
    assert any("forecast" in t.columns and "low" in t.columns for t in tables)
    at.radio(key="fc.mode").set_value("recursive").run()
    assert not at.exception


def test_csv_upload_then_backtest(open_page):
    at = open_page("forecast")
    at.radio(key="fc.kind").set_value("csv").run()
    rows = "\n".join(f"2020-01-{d:02d},{d}" for d in range(1, 10))
    at.file_uploader(key="fc.csv").upload("short.csv", ("date,value\n" + rows).encode(), "text/csv").run()
    assert not at.exception
    assert "too few" in at.error[0].value  # nine rows cannot make windows of ten
    values = "\n".join(f"{2000 + i // 12}-{i % 12 + 1:02d}-01,{100 + i + 5 * (i % 12)}" for i in range(120))
    at.file_uploader(key="fc.csv").upload("monthly.csv", ("month,sales\n" + values).encode(), "text/csv").run()
    assert not at.exception and not at.error
    at.number_input(key="fc.epochs").set_value(2).run()
    at.number_input(key="fc.folds").set_value(2).run()
    at.button(key="fc.bt_job.start").click().run()
    at.session_state["fc.bt_job"].join(120)
    at.run()
    assert not at.exception
    assert any("Mean over the folds" in m.value for m in at.markdown)


def test_online_a_ticker_is_fetched_once_and_drawn_as_candles(monkeypatch, tmp_path, open_page):
    from playground.series import yahoo
    from tests.helpers import prices

    calls = []
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(yahoo, "online", lambda host: True)
    monkeypatch.setattr(yahoo, "fetch_prices", lambda *args: calls.append(args) or prices(n=300))
    at = open_page("forecast")
    assert not at.warning and calls[0][0] == "AAPL"
    assert any("AAPL close" in c.value for c in at.caption)
    chart = at.get("plotly_chart")[0].proto.spec
    assert '"candlestick"' in chart and '"bar"' in chart  # OHLC with volume
    at.number_input(key="fc.epochs").set_value(3).run()
    at.button(key="fc.job.start").click().run()
    at.session_state["fc.job"].join(120)
    at.run()
    assert not at.exception and len(calls) == 1  # reruns reuse the fetched prices


def test_a_failed_fetch_is_tried_again_when_fetch_is_pressed(monkeypatch, tmp_path, open_page):
    from playground.series import yahoo
    from tests.helpers import prices

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    at = open_page("forecast")  # offline: the bundled series
    assert "cannot be reached" in at.warning[0].value
    at.number_input(key="fc.lookback").set_value(12).run()  # a rerun does not ask Yahoo again
    assert "cannot be reached" in at.warning[0].value
    monkeypatch.setattr(yahoo, "online", lambda host: True)  # the network is back
    monkeypatch.setattr(yahoo, "fetch_prices", lambda *args: prices(n=300))
    at.button(key="fc.fetch").click().run()
    assert not at.warning and any("AAPL close" in c.value for c in at.caption)


def test_a_downloaded_model_loads_again_and_is_judged_on_the_series(open_page):
    import dataclasses

    from playground.models import model_bytes
    from playground.series import forecaster
    from playground.series.data import load_bundled

    series = load_bundled("sunspots")
    config = dataclasses.replace(forecaster.ForecastConfig(), source="dataset:sunspots", epochs=2, hidden=16)
    prepared = forecaster.prepare(series, config)
    model = forecaster.build_model(prepared, config)
    forecaster.train(model, prepared, config)
    expected = forecaster.evaluate(model, prepared, config).scores["model"].mae
    file = model_bytes(model, forecaster.model_meta(prepared, config))

    at = open_page("forecast")
    at.radio(key="fc.kind").set_value("dataset").run()
    at.selectbox(key="fc.dataset").set_value("sunspots").run()
    at.file_uploader(key="fc.load").upload("lstm.pt", file, "application/octet-stream").run()
    assert not at.exception and not at.error
    assert any("loaded from a file" in c.value for c in at.caption)
    metrics = next(df.value for df in at.dataframe if "forecaster" in df.value.columns)
    assert metrics.set_index("forecaster").loc["LSTM", "MAE"] == pytest.approx(expected, rel=1e-4)

    at.file_uploader(key="fc.load").upload("junk.pt", b"not a model", "application/octet-stream").run()
    assert not at.exception
    assert "not a readable PyTorch model file" in at.error[0].value


def test_an_hourly_csv_reads_as_hourly_with_its_gaps_a_daily_season_and_hours_in_the_forecast(open_page):
    from tests.test_series_frequency import csv_of, hourly_temperatures

    at = open_page("forecast")
    at.radio(key="fc.kind").set_value("csv").run()
    data = csv_of(hourly_temperatures())  # a year in local time: clock changes and two lost hours
    at.file_uploader(key="fc.csv").upload("berlin.csv", data, "text/csv").run()
    assert not at.exception and not at.error
    captions = [c.value for c in at.caption]
    assert any("8,757 hourly points, 2021-01-01 01:00 to 2022-01-01 00:00" in c for c in captions)
    assert any(c.startswith("3 gaps in the stamps (3 missing)") for c in captions)
    assert any("appeared twice" in c for c in captions)
    assert at.number_input(key="fc.season.csv.berlin").value == 24  # the seasonal-naive baseline is on
    assert any("Suggested season length 24" in c for c in captions)
    chart = at.get("plotly_chart")[0].proto.spec
    assert '"rangeslider":{"visible":true' in chart.replace(" ", "")  # a year of hours opens on a window
    at.select_slider(key="fc.hidden").set_value(8).run()
    at.number_input(key="fc.layers").set_value(1).run()
    at.number_input(key="fc.epochs").set_value(1).run()
    at.button(key="fc.job.start").click().run()
    at.session_state["fc.job"].join(300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [df.value for df in at.dataframe]
    metrics = next(t for t in tables if "forecaster" in t.columns).set_index("forecaster")
    assert "seasonal naive" in metrics.index
    assert metrics.loc["naive (last value)", "direction"] == "—"  # a forecast that never moves
    future = next(t for t in tables if "low" in t.columns)
    assert list(future.date[:3]) == ["2022-01-01 01:00", "2022-01-01 02:00", "2022-01-01 03:00"]
    assert future.date.is_unique and len(future) == 20


def test_a_ticker_whose_fetch_failed_stays_in_the_link(monkeypatch, tmp_path, open_page):
    from playground.series import yahoo
    from tests.helpers import prices

    def no_answer(*args):
        raise ConnectionError("reset by peer")

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(yahoo, "online", lambda host: True)
    monkeypatch.setattr(yahoo, "fetch_prices", no_answer)
    at = open_page("forecast")
    at.text_input(key="fc.ticker").input("nvda")
    at.button(key="fc.fetch").click().run()
    assert "did not answer for NVDA" in at.warning[0].value and "bundled MSFT" in at.warning[0].value
    assert at.query_params["fc.source"] == "yahoo:NVDA"  # the page shows MSFT, the link still names NVDA
    monkeypatch.setattr(yahoo, "online", lambda host: False)
    at.text_input(key="fc.ticker").input("TSLA")
    at.button(key="fc.fetch").click().run()
    assert "cannot be reached" in at.warning[0].value and at.query_params["fc.source"] == "yahoo:TSLA"
    at.text_input(key="fc.ticker").input("TSLA; DROP TABLE")
    at.button(key="fc.fetch").click().run()
    assert at.query_params["fc.source"] == "dataset:msft"  # a malformed symbol is not put in a link

    monkeypatch.setattr(yahoo, "online", lambda host: True)  # the link, opened where Yahoo answers
    monkeypatch.setattr(yahoo, "fetch_prices", lambda *args: prices(n=300))
    shared = open_page("forecast", {"fc.source": "yahoo:NVDA"})
    assert shared.text_input(key="fc.ticker").value == "NVDA" and not shared.warning
    assert any("NVDA close" in c.value for c in shared.caption)
