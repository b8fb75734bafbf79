"""Time-series forecasting: data, windows, baselines, recurrent models, metrics and backtests."""
