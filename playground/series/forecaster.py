"""Train a recurrent forecaster, compare it with baselines, forecast ahead with a band, backtest.

Everything the forecast page and ``python -m playground forecast`` show is computed here.
Predictions work on scaled targets; errors are measured on the series' own scale.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
import torch

from playground.errors import PlaygroundError
from playground.i18n import N_, _
from playground.models import create_model
from playground.models.registry import architecture_of
from playground.series.data import Series
from playground.series.frequency import iso_stamp
from playground.series.metrics import Scores, score
from playground.series.windows import SCALERS, TARGETS, Prepared, Scaler, make_windows, to_values
from playground.share import SEED_MAX, bounded, from_saved, one_of
from playground.training import Callback, History, TensorData, TrainConfig, fit, seed_everything

Predictor = Callable[[np.ndarray], np.ndarray]  # scaled windows (B, lookback) -> scaled targets (B, horizon)
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
BASELINES = {  # name -> what a person reads (translated with _ where shown)
    "naive": N_("naive (last value)"),
    "seasonal_naive": N_("seasonal naive"),
    "moving_average": N_("moving average"),
    "linear_ar": N_("linear autoregression"),
}
INTERVALS = ("residuals", "mc-dropout")  # the band from validation errors, or from MC dropout
MC_SAMPLES = 50
LAG_MOVE_CORRELATION = 0.5  # below this, the predicted moves say little about the true ones


@dataclass(frozen=True)
class ForecastConfig:
    """The forecast page's settings (and the CLI's)."""

    source: str = "yahoo:AAPL"  # yahoo:TICKER, dataset:NAME or csv
    column: str = ""  # the Seattle weather column or the ticker's price column; "" for the default
    target: str = one_of("price", TARGETS)
    scaler: str = one_of("standard", SCALERS)
    lookback: int = bounded(10, 1, 200)
    horizon: int = bounded(1, 1, 60)
    test_split: float = bounded(0.2, 0.05, 0.5)
    val_split: float = bounded(0.1, 0.0, 0.4)
    cell: str = one_of("lstm", tuple(CELL_NAMES))
    hidden: int = one_of(50, (8, 16, 32, 50, 64, 128))
    layers: int = bounded(2, 1, 4)
    dropout: float = bounded(0.0, 0.0, 0.5)
    epochs: int = bounded(50, 1, 1000)
    batch_size: int = one_of(32, (8, 16, 32, 64, 128))
    lr: float = one_of(0.003, (0.0003, 0.001, 0.003, 0.01))
    seed: int = bounded(0, 0, SEED_MAX)
    season: int = bounded(-1, -1, 400)  # -1: the season the series suggests; 0: no seasonal baseline
    future: int = bounded(20, 1, 365)  # steps forecast past the last date
    interval: str = one_of("residuals", INTERVALS)  # how the band around the forecast is made
    folds: int = bounded(3, 1, 10)  # rolling-origin backtest folds
    device: str | None = None

    def resolved_season(self, series: Series) -> int:
        """The season length used: the chosen one, or with -1 the one the series suggests (0 when none)."""
        return series.suggested_season.length if self.season < 0 else self.season

    def validate(self) -> None:
        if self.cell not in CELL_NAMES:
            raise PlaygroundError(_("The model must be lstm, gru or rnn."))
        if not 1 <= self.future <= 1000:
            raise PlaygroundError(_("The forecast must reach 1–1000 steps past the last date."))
        if self.interval not in INTERVALS:
            raise PlaygroundError(_("The interval comes from 'residuals' or 'mc-dropout'."))
        if self.interval == "mc-dropout" and self.dropout <= 0:
            raise PlaygroundError(_("MC dropout needs a dropout above 0; set one or use the validation residuals."))
        if not 1 <= self.folds <= 10:
            raise PlaygroundError(_("The backtest takes 1–10 folds."))


def prepare(
    series: Series, config: ForecastConfig, test_points: int | None = None, scaler: Scaler | None = None
) -> Prepared:
    """The series' windows for ``config``; ``scaler``: a saved model's, instead of one fitted on the training part."""
    config.validate()
    return make_windows(
        series,
        config.lookback,
        config.horizon,
        config.target,
        config.scaler,
        config.test_split,
        config.val_split,
        test_points,
        fitted=scaler,
    )


def _model_kwargs(config: ForecastConfig) -> dict:
    """The ``forecast-rnn`` constructor arguments for ``config``."""
    return {
        "cell": config.cell,
        "hidden": config.hidden,
        "layers": config.layers,
        "dropout": config.dropout,
        "horizon": config.horizon,
    }


def build_model(prepared: Prepared, config: ForecastConfig) -> torch.nn.Module:
    seed_everything(config.seed)
    return create_model("forecast-rnn", **_model_kwargs(config))


def train(
    model: torch.nn.Module,
    prepared: Prepared,
    config: ForecastConfig,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
) -> History:
    """Fit on the training windows (mean squared error on scaled targets); keep the best validation epoch."""
    seed_everything(config.seed)
    has_val = len(prepared.val) > 0
    data = TensorData(
        prepared.train.X,
        prepared.train.y,
        prepared.val.X if has_val else None,
        prepared.val.y if has_val else None,
    )
    train_config = TrainConfig(
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        loss="mse",
        seed=config.seed,
        device=config.device,
        grad_clip=1.0,
    )
    history = fit(model, data, train_config, callbacks, stop)
    history.restore_best(model)
    model.cpu().eval()
    return history


# ---- predictors and recursive forecasts ---------------------------------------------------------


def model_predictor(model: torch.nn.Module, sample: bool = False) -> Predictor:
    """The network as a Predictor; ``sample`` keeps dropout on (MC dropout)."""
    device = next(model.parameters()).device

    def predict(windows: np.ndarray) -> np.ndarray:
        model.train(sample)
        with torch.no_grad():
            x = torch.as_tensor(windows, dtype=torch.float32, device=device).unsqueeze(-1)
            out = model(x).float().cpu().numpy()
        model.eval()
        return out

    return predict


@dataclass(frozen=True)
class LinearAR:
    """Least squares from the lookback window to the next horizon targets, on the same scaled windows."""

    weights: np.ndarray  # (lookback + 1, horizon), the last row the intercept

    @classmethod
    def fit(cls, prepared: Prepared, ridge: float = 1e-6) -> LinearAR:
        X = prepared.train.X.squeeze(-1).double().numpy()
        A = np.hstack([X, np.ones((len(X), 1))])
        Y = prepared.train.y.double().numpy()
        weights = np.linalg.solve(A.T @ A + ridge * np.eye(A.shape[1]), A.T @ Y)
        return cls(weights)

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        return np.hstack([windows, np.ones((len(windows), 1))]) @ self.weights


def recursive(predict: Predictor, windows: np.ndarray, steps: int) -> np.ndarray:
    """Feed the predictor its own output until ``steps`` targets are forecast: (B, lookback) → (B, steps)."""
    lookback = windows.shape[1]
    out = []
    made = 0
    while made < steps:
        chunk = predict(windows)  # (B, horizon)
        out.append(chunk)
        made += chunk.shape[1]
        windows = np.concatenate([windows, chunk], axis=1)[:, -lookback:]
    return np.concatenate(out, axis=1)[:, :steps]


def forecast_from(prepared: Prepared, predict: Predictor, origins: np.ndarray, steps: int) -> np.ndarray:
    """Values forecast ``steps`` ahead of each origin (a value index): (len(origins), steps)."""
    origins = np.asarray(origins, dtype=int)
    windows = np.stack([prepared.window_at(int(o)) for o in origins])
    z_hat = prepared.scaler.inverse(recursive(predict, windows, steps))
    return to_values(z_hat, prepared.values[origins], prepared.target)


def baseline_forecasts(
    prepared: Prepared, origins: np.ndarray, steps: int, season: int, ar: LinearAR
) -> dict[str, np.ndarray]:
    """Each baseline's values ``steps`` ahead of each origin."""
    values, origins = prepared.values, np.asarray(origins, dtype=int)
    h = np.arange(1, steps + 1)
    out = {"naive": np.repeat(values[origins][:, None], steps, axis=1)}
    if 1 < season <= origins.min() + 1:
        back = origins[:, None] + h[None, :] - season * np.ceil(h / season).astype(int)[None, :]
        out["seasonal_naive"] = values[back]
    window = prepared.lookback
    means = np.array([values[max(0, o - window + 1) : o + 1].mean() for o in origins])
    out["moving_average"] = np.repeat(means[:, None], steps, axis=1)
    out["linear_ar"] = forecast_from(prepared, ar, origins, steps)
    return out


# ---- evaluation ---------------------------------------------------------------------------------


@dataclass
class Evaluation:
    name: str  # "LSTM", "GRU", "RNN"
    one_step: dict[str, np.ndarray]  # name -> (N, horizon) values for the test windows, fed real values
    recursive: dict[str, np.ndarray]  # name -> (n_test,) values, fed its own predictions from the test's start
    scores: dict[str, Scores]  # one-step scores, "model" and each baseline
    recursive_scores: dict[str, Scores]
    test_dates: pd.DatetimeIndex
    actual: np.ndarray  # (N, horizon) true values for the test windows
    lag: dict  # closeness to the previous value; see lag_diagnosis
    future_dates: pd.DatetimeIndex
    future: np.ndarray  # (steps,) the model's forecast past the last date
    low: np.ndarray  # the band
    high: np.ndarray
    band: str  # how the band was made and how it is bounded (in the language of the evaluation)
    season: int = 0  # the seasonal-naive baseline's season length; 0 when it is off
    resolution: str = "day"  # the finest unit the series' stamps need (see frequency.resolution_of)
    warnings: list[str] = field(default_factory=list)  # in the language of the evaluation
    verdict: str = ""  # in the language of the evaluation

    def as_dict(self) -> dict:
        """JSON-ready: metrics for the model and each baseline, the verdict and the forecast."""
        return {
            "metrics": {name: s.as_dict() for name, s in self.scores.items()},
            "recursive_metrics": {name: s.as_dict() for name, s in self.recursive_scores.items()},
            "lag": self.lag,
            "verdict": self.verdict,
            "warnings": self.warnings,
            "forecast": [
                {"date": iso_stamp(d, self.resolution), "value": float(v), "low": float(lo), "high": float(hi)}
                for d, v, lo, hi in zip(self.future_dates, self.future, self.low, self.high, strict=True)
            ],
        }


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def lag_diagnosis(last: np.ndarray, y: np.ndarray, y_hat: np.ndarray) -> dict:
    """Whether a one-step forecast is mostly the series shifted by one step.

    ``with_actual`` and ``with_previous``: the forecast's correlation with the values it forecasts and with
    the values one step earlier; a lagging forecast matches the earlier ones better. ``move_correlation``:
    the correlation between the predicted and the true moves from the last known value (0 when the
    forecast has no idea where the series goes next). Lagging: closer to the previous values than to the
    actual ones, and moves that say little about the true moves.
    """
    with_actual, with_previous = _corr(y_hat, y), _corr(y_hat, last)
    return {
        "with_actual": with_actual,
        "with_previous": with_previous,
        "move_correlation": _corr(y_hat - last, y - last),
        "lagging": bool(with_previous >= with_actual and _corr(y_hat - last, y - last) < LAG_MOVE_CORRELATION),
    }


def domain(values: np.ndarray) -> str:
    """Where the series lives: "positive" (prices, CO₂), "nonnegative" (counts, rain) or "real"."""
    low = float(np.min(values))
    return "positive" if low > 0 else "nonnegative" if low >= 0 else "real"


def _interval(
    model, prepared: Prepared, config: ForecastConfig, future: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """The 95 % band around ``future`` and one sentence on how it was made and how it is bounded.

    A positive series (a price) gets its band from the errors of the logarithm, so it is a ratio band
    that never reaches zero; a series that is never negative has its band cut at zero."""
    steps, kind = len(future), domain(prepared.values)
    if config.interval == "mc-dropout":
        seed_everything(config.seed)
        origins = np.full(MC_SAMPLES, len(prepared.values) - 1)
        samples = forecast_from(prepared, model_predictor(model, sample=True), origins, steps)
        low, high = np.percentile(samples, [2.5, 97.5], axis=0)
        band = _("95% band from {samples} forecasts with dropout left on (MC dropout)").format(samples=MC_SAMPLES)
        return _bounded(low, high, band, kind)
    # Residuals of recursive forecasts made from every validation origin, lead by lead.
    end = prepared.n_train + prepared.n_val  # first test index: the band never looks at the test part
    origins = np.arange(max(prepared.n_train - 1, prepared.lookback + prepared.offset - 1), end - 1)
    if len(origins) == 0:
        return future, future, _("no band: there is no validation part to measure errors on")
    paths = forecast_from(prepared, model_predictor(model), origins, steps)
    ratios = kind == "positive" and bool((paths > 0).all() and (future > 0).all())
    scale = np.log if ratios else np.asarray
    sigma = np.empty(steps)
    for k in range(steps):
        ok = origins + k + 1 < end
        errors = scale(prepared.values[origins[ok] + k + 1]) - scale(paths[ok, k]) if ok.any() else np.array([])
        sigma[k] = (
            np.sqrt(np.mean(errors**2)) if len(errors) >= 5 else sigma[max(k - 1, 0)] * np.sqrt((k + 1) / max(k, 1))
        )
    if ratios:
        band = _(
            "95% band from the validation errors of the logarithm at each lead (×/÷ e^(1.96 σ)): "
            "a band of ratios, so it stays above zero as a price does"
        )
        return future * np.exp(-1.96 * sigma), future * np.exp(1.96 * sigma), band
    band = _("95% band (±1.96 σ) from the validation errors at each lead")
    return _bounded(future - 1.96 * sigma, future + 1.96 * sigma, band, kind)


def _bounded(low: np.ndarray, high: np.ndarray, band: str, kind: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The band cut at zero for a series that is never negative, saying so when the cut changed it."""
    if kind == "real" or (low >= 0).all():
        return low, high, band
    cut = _("{band}, cut at 0 since the series is never negative").format(band=band)
    return np.maximum(low, 0.0), np.maximum(high, 0.0), cut


def evaluate(model: torch.nn.Module, prepared: Prepared, config: ForecastConfig) -> Evaluation:
    model = model.cpu().eval()
    predict = model_predictor(model)
    season = config.resolved_season(prepared.series)
    ar = LinearAR.fit(prepared)
    test = prepared.test
    H, values = prepared.horizon, prepared.values
    last = values[test.origins]
    actual = prepared.actual(test)
    one_step = {"model": forecast_from(prepared, predict, test.origins, H)}
    one_step |= baseline_forecasts(prepared, test.origins, H, season, ar)
    scores = {name: score(actual, v, last) for name, v in one_step.items()}

    start = np.array([prepared.n_train + prepared.n_val - 1])
    truth = values[start[0] + 1 :][None, :]
    rec = {"model": forecast_from(prepared, predict, start, prepared.n_test)}
    rec |= baseline_forecasts(prepared, start, prepared.n_test, season, ar)
    recursive_scores = {name: score(truth, v, values[start]) for name, v in rec.items()}

    future = forecast_from(prepared, predict, np.array([len(values) - 1]), config.future)[0]
    low, high, band = _interval(model, prepared, config, future)
    name = CELL_NAMES[config.cell]
    lag = lag_diagnosis(last, actual[:, 0], one_step["model"][:, 0])
    evaluation = Evaluation(
        name=name,
        one_step=one_step,
        recursive={k: v[0] for k, v in rec.items()},
        scores=scores,
        recursive_scores=recursive_scores,
        test_dates=prepared.series.dates[test.origins + 1],
        actual=actual,
        lag=lag,
        future_dates=prepared.series.future_dates(config.future),
        future=future,
        low=low,
        high=high,
        band=band,
        season=season if "seasonal_naive" in one_step else 0,
        resolution=prepared.series.spacing.resolution,
    )
    evaluation.verdict, evaluation.warnings = judge(evaluation, prepared)
    return evaluation


def judge(evaluation: Evaluation, prepared: Prepared) -> tuple[str, list[str]]:
    """The honest verdict against the naive forecast, and warnings where the numbers mislead (current language)."""
    name, scores = evaluation.name, evaluation.scores
    model, naive = scores["model"].mae, scores["naive"].mae
    best = min((s.mae, key) for key, s in scores.items() if key != "model")
    change = (naive - model) / naive if naive > 0 else 0.0  # a share: formatted as a percentage
    if model < naive:
        verdict = _(
            "The {name} beats the naive forecast: test MAE {model:.4g} against {naive:.4g} ({change:.1%} lower)."
        ).format(name=name, model=model, naive=naive, change=change)
    else:
        verdict = _(
            "The {name} does not beat the naive forecast: test MAE {model:.4g} against {naive:.4g} "
            "({change:.1%} higher). Repeating the last value would have done at least as well."
        ).format(name=name, model=model, naive=naive, change=-change)
    if best[1] != "naive" and best[0] < model:
        better = _("The best forecast here is the {baseline} (MAE {mae:.4g}).").format(
            baseline=_(BASELINES[best[1]]), mae=best[0]
        )
        verdict = _("{sentence} {next_sentence}").format(sentence=verdict, next_sentence=better)
    warnings = []
    lag = evaluation.lag
    if lag["lagging"]:
        warnings.append(
            _(
                "The {name}'s one-step forecast is mostly the series shifted by one step: it correlates "
                "{with_previous:.3f} with the previous values but {with_actual:.3f} with the values it "
                "forecasts, and its predicted moves correlate {move_correlation:.2f} with the true ones. "
                "On a chart it seems to "
                "follow the series one step late; that is the naive forecast, not foresight."
            ).format(
                name=name,
                with_previous=lag["with_previous"],
                with_actual=lag["with_actual"],
                move_correlation=lag["move_correlation"],
            )
        )
    if prepared.target == "price":
        train = prepared.values[: prepared.n_train]
        test = prepared.values[prepared.n_train + prepared.n_val :]
        outside = float(np.mean((test < train.min()) | (test > train.max())))
        if outside > 0.2:
            warnings.append(
                _(
                    "{outside:.0%} of the test values lie outside the range of the training values; a network "
                    "trained on scaled levels rarely extrapolates there. Log-returns as the target avoid this."
                ).format(outside=outside)
            )
    return verdict, warnings


# ---- a saved model, used again --------------------------------------------------------------------

MODEL_SETTINGS = ("target", "scaler", "lookback", "horizon", "cell", "hidden", "layers", "dropout")


def model_meta(prepared: Prepared, config: ForecastConfig) -> dict:
    """What a forecast model file holds beside the weights, as plain values: the settings the model was
    trained with and the scaler fitted on its training part. ``config_from_meta`` and ``evaluate_saved``
    read it back."""
    return {
        "task": "forecast",
        "series": prepared.series.name,
        "source": prepared.series.source,
        "target": prepared.target,
        "lookback": prepared.lookback,
        "horizon": prepared.horizon,
        "scaler": prepared.scaler.as_dict(),
        "config": asdict(config),
    }


def config_from_meta(meta: dict, model: torch.nn.Module | None = None) -> ForecastConfig:
    """The settings a forecast model file was trained with, as ``model_meta`` wrote them.

    With ``model``, also checks that they describe that network. One PlaygroundError sentence when the
    file is not a forecaster, does not say how it was trained, or does not match its network.
    """
    if not isinstance(meta, dict) or meta.get("task") != "forecast":
        raise PlaygroundError(_("This model file is not a forecaster."))
    saved = meta.get("config")
    if not isinstance(saved, dict) or not set(MODEL_SETTINGS) <= set(saved):
        raise PlaygroundError(_("This model file does not say how its forecaster was trained, so it cannot be used."))
    config = from_saved(ForecastConfig, saved)
    config.validate()
    if model is not None:
        try:
            matches = architecture_of(model) == ("forecast-rnn", _model_kwargs(config))
        except PlaygroundError:
            matches = False
        if not matches:
            raise PlaygroundError(_("This model file's settings do not match its network."))
    return config


def evaluate_saved(
    model: torch.nn.Module,
    meta: dict,
    series: Series,
    future: int | None = None,
    interval: str | None = None,
    season: int | None = None,
) -> tuple[Prepared, Evaluation]:
    """A saved forecaster on ``series``, without training: (prepared, evaluation) as ``evaluate`` gives them.

    The series is split and windowed with the file's settings and scaled with the file's scaler;
    the model is scored beside the same baselines and forecasts ``future`` steps past the end
    (``future``, ``interval`` and ``season`` default to the file's).
    """
    config = config_from_meta(meta, model)
    scaler = Scaler.from_dict(meta.get("scaler"))
    if scaler.kind != config.scaler:
        raise PlaygroundError(_("This model file's settings do not match its scaler."))
    chosen = {"future": future, "interval": interval, "season": season}
    config = replace(config, **{k: v for k, v in chosen.items() if v is not None})
    prepared = prepare(series, config, scaler=scaler)
    return prepared, evaluate(model, prepared, config)


# ---- backtest -----------------------------------------------------------------------------------


def backtest(
    series: Series,
    config: ForecastConfig,
    on_fold: Callable[[int, int], None] | None = None,
    callbacks: Sequence[Callback] = (),
    stop: threading.Event | None = None,
) -> pd.DataFrame:
    """Rolling origin: the test part is cut into ``folds`` blocks; fold f trains on all that precedes block f
    and forecasts it one step at a time. One row per fold and forecaster: MAE and RMSE.

    The column names are fixed keys; the forecasters' names and the dates (to the series' resolution)
    are in the current language."""
    config.validate()
    # one season for every fold, the one the whole series suggests: a shorter part might suggest another
    config = replace(config, season=config.resolved_season(series))
    full = prepare(series, config)
    block = full.n_test // config.folds
    if block < config.horizon:
        raise PlaygroundError(
            _("The test part ({points} points) is too short for {folds} folds.").format(
                points=full.n_test, folds=config.folds
            )
        )
    rows = []
    first_test = full.n_train + full.n_val
    for f in range(config.folds):
        if stop is not None and stop.is_set():
            break
        if on_fold is not None:
            on_fold(f + 1, config.folds)
        end = first_test + (f + 1) * block
        part = Series(series.name, series.dates[:end], series.values[:end], series.source)
        prepared = prepare(part, config, test_points=block)
        model = build_model(prepared, config)
        train(model, prepared, config, callbacks, stop)
        evaluation = evaluate(model, prepared, config)
        dates = evaluation.test_dates
        for name, s in evaluation.scores.items():
            rows.append(
                {
                    "fold": f + 1,
                    "from": series.stamp(dates[0]),
                    "to": series.stamp(dates[-1]),
                    "train points": prepared.n_train,
                    "forecaster": evaluation.name if name == "model" else _(BASELINES[name]),
                    "MAE": s.mae,
                    "RMSE": s.rmse,
                }
            )
    return pd.DataFrame(rows)
