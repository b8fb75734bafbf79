"""The forecast page's subcommand: train a recurrent forecaster on a ticker, a bundled series or a CSV."""

from __future__ import annotations

import argparse
import dataclasses
import unicodedata
from pathlib import Path

import numpy as np
from torch import nn

from playground.cli.common import ProgressPrinter, add_training_args, emit, option_list
from playground.errors import PlaygroundError
from playground.i18n import _, language_of
from playground.models import load_model, save_model
from playground.series import data as series_data
from playground.series import forecaster, yahoo
from playground.series.frequency import describe_spacing
from playground.series.windows import Prepared

DEFAULTS = forecaster.ForecastConfig()


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser("forecast", help=_("forecast a series with an LSTM/GRU/RNN beside naive baselines"))
    p.add_argument(
        "--source",
        default="dataset:sine",
        help=_("yahoo:TICKER, dataset:NAME ({names}) or csv:PATH (default dataset:sine)").format(
            names=", ".join(series_data.BUNDLED)
        ),
    )
    p.add_argument("--column", default="", help=_("the ticker's column (Close, Open, …) or the Seattle weather column"))
    p.add_argument("--period", default="5y", choices=yahoo.PERIODS, help=_("for yahoo: how far back (default 5y)"))
    p.add_argument("--interval", default="1d", choices=yahoo.INTERVALS, help=_("for yahoo: bar length (default 1d)"))
    p.add_argument("--date-col", default=None, help=_("for csv: the date column (detected when unambiguous)"))
    p.add_argument("--value-col", default=None, help=_("for csv: the value column (detected when unambiguous)"))
    p.add_argument("--fill", choices=series_data.FILL_METHODS, default="refuse", help=_("for csv: missing values"))
    p.add_argument("--model", choices=option_list(forecaster.ForecastConfig, "cell"), default=DEFAULTS.cell)
    p.add_argument("--target", choices=option_list(forecaster.ForecastConfig, "target"), default=DEFAULTS.target)
    p.add_argument("--scaler", choices=option_list(forecaster.ForecastConfig, "scaler"), default=DEFAULTS.scaler)
    p.add_argument("--lookback", type=int, default=DEFAULTS.lookback)
    p.add_argument("--horizon", type=int, default=DEFAULTS.horizon, help=_("values predicted at once (default 1)"))
    p.add_argument("--hidden", type=int, default=DEFAULTS.hidden)
    p.add_argument("--layers", type=int, default=DEFAULTS.layers)
    p.add_argument("--dropout", type=float, default=DEFAULTS.dropout)
    p.add_argument("--lr", type=float, default=DEFAULTS.lr)
    p.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    # None: the default, or with --load the model file's
    p.add_argument(
        "--season",
        type=int,
        default=None,
        help=_("seasonal-naive period; 0: none (default -1: suggested from the spacing and the autocorrelation)"),
    )
    p.add_argument(
        "--future",
        type=int,
        default=None,
        help=_("steps forecast past the end (default {steps})").format(steps=DEFAULTS.future),
    )
    p.add_argument(
        "--interval-method",
        choices=option_list(forecaster.ForecastConfig, "interval"),
        default=None,
        help=_("how the band is made (default {method})").format(method=DEFAULTS.interval),
    )
    p.add_argument("--backtest", type=int, default=0, metavar="FOLDS", help=_("also run a rolling-origin backtest"))
    p.add_argument(
        "--load",
        metavar="PATH",
        default=None,
        help=_(
            "a model saved with --save: evaluate and forecast it on --source with its own settings, without training"
        ),
    )
    add_training_args(p, epochs=DEFAULTS.epochs)
    p.set_defaults(func=forecast)


def load_source(args: argparse.Namespace) -> series_data.Series:
    kind, _colon, name = args.source.partition(":")
    if kind == "yahoo":
        return yahoo.load_ticker(name, args.period, interval=args.interval, column=args.column or "Close")
    if kind == "dataset":
        return series_data.load_bundled(name, args.column or None)
    if kind == "csv":
        path = Path(name)
        if not path.is_file():
            raise PlaygroundError(_("There is no CSV file at '{path}'.").format(path=path))
        return series_data.read_csv(path.read_bytes(), args.date_col, args.value_col, args.fill)
    raise PlaygroundError(
        _("'{source}' is not a source: use yahoo:TICKER, dataset:NAME or csv:PATH.").format(source=args.source)
    )


def forecast(args: argparse.Namespace) -> None:
    """Train (or with --load, reuse) a forecaster and print its result.

    With --json everything runs in English: the JSON's texts (verdict, warnings, notes) are values a
    program reads, so they do not change with the language.
    """
    if args.json:
        with language_of("en"):
            return forecast_in_language(args)
    return forecast_in_language(args)


def forecast_in_language(args: argparse.Namespace) -> None:
    if args.load:
        return forecast_saved(args)
    series = load_source(args)
    config = forecaster.ForecastConfig(
        source=args.source,
        column=args.column,
        target=args.target,
        scaler=args.scaler,
        lookback=args.lookback,
        horizon=args.horizon,
        cell=args.model,
        hidden=args.hidden,
        layers=args.layers,
        dropout=args.dropout,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        season=DEFAULTS.season if args.season is None else args.season,
        future=DEFAULTS.future if args.future is None else args.future,
        interval=DEFAULTS.interval if args.interval_method is None else args.interval_method,
        folds=max(args.backtest, 1),
        device=args.device,
    )
    prepared = forecaster.prepare(series, config)
    model = forecaster.build_model(prepared, config)
    history = forecaster.train(model, prepared, config, [] if args.json else [ProgressPrinter()])
    evaluation = forecaster.evaluate(model, prepared, config)
    if args.save:
        save_model(model, args.save, forecaster.model_meta(prepared, config))
    hist = history.as_dict()
    result = report(series, config, prepared, model, evaluation) | {
        "history": hist["epochs"],
        "seconds": hist["seconds"],
    }
    if args.backtest:
        table = forecaster.backtest(series, config)
        result["backtest"] = table.replace({np.nan: None}).to_dict(orient="records")
    emit(result, args.json, summary(series, config, evaluation))


def forecast_saved(args: argparse.Namespace) -> None:
    """--load: the saved model on the chosen series, beside the same baselines, without training."""
    if args.backtest or args.save:
        raise PlaygroundError(_("--load uses a trained model as it is, so it goes without --backtest and --save."))
    model, meta = load_model(args.load)
    series = load_source(args)
    chosen = {"future": args.future, "interval": args.interval_method, "season": args.season}
    chosen = {k: v for k, v in chosen.items() if v is not None}  # the rest as the file says
    prepared, evaluation = forecaster.evaluate_saved(model, meta, series, **chosen)
    config = dataclasses.replace(forecaster.config_from_meta(meta), **chosen)
    result = report(series, config, prepared, model, evaluation) | {"loaded": args.load}
    emit(result, args.json, summary(series, config, evaluation))


def report(
    series: series_data.Series,
    config: forecaster.ForecastConfig,
    prepared: Prepared,
    model: nn.Module,
    evaluation: forecaster.Evaluation,
) -> dict:
    """The JSON result both ways share: settings, data, split, and the evaluation."""
    return {
        "config": dataclasses.asdict(config),
        "data": {
            "source": series.source,
            "points": len(series),
            "notes": series.notes,
            "frequency": series.frequency,
            "gaps": series.spacing.gaps,
            "missing_stamps": series.spacing.missing,
            "season": evaluation.season,  # the seasonal-naive baseline's; 0 when it is off
            "suggested_season": series.suggested_season.length,
        },
        "split": {"train": prepared.n_train, "validation": prepared.n_val, "test": prepared.n_test},
        "model": evaluation.name,
        "parameters": sum(p.numel() for p in model.parameters()),
        **evaluation.as_dict(),
    }


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


def summary(series: series_data.Series, config: forecaster.ForecastConfig, evaluation: forecaster.Evaluation) -> str:
    """How the series is spaced, the season used, the table of errors and the verdict, for a person."""
    header = pad(_("forecaster"), 24)
    lines = [series.source, describe_spacing(series.spacing)]
    if config.season < 0:
        lines.append(series.suggested_season.describe(series.spacing))
    lines = [line for line in lines if line] + [f"{header}{'MAE':>12}{'RMSE':>12}"]
    for name, s in evaluation.scores.items():
        label = evaluation.name if name == "model" else _(forecaster.BASELINES[name])
        lines.append(f"{pad(label, 24)}{s.mae:>12.4g}{s.rmse:>12.4g}")
    return "\n".join([*lines, evaluation.verdict, *evaluation.warnings])
