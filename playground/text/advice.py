"""What to try when the RNN does not beat the TF-IDF baseline, judged from the run that was actually made."""

from __future__ import annotations

from collections.abc import Sequence

from playground.i18n import _, ngettext, percent
from playground.training import History

FEW_TRAINING_TEXTS = 2000  # below this, more data is the first thing to try
HIGH_DROPOUT = 0.6  # at or above this, more dropout is not worth suggesting
CUT_SHARE = 0.1  # maxlen cutting more than this share of the training texts is worth naming


def advice(
    config: dict,
    history: History,
    rnn_accuracy: float,
    baseline_accuracy: float,
    train_lengths: Sequence[int],
    maxlen: int,
) -> list[str]:
    """Whole sentences, in the current language: why the RNN lost to the baseline and what to change.

    ``config`` is the run's ``TextTrainConfig`` as a dict (the model meta's "config"), ``train_lengths`` the
    training texts' lengths in tokens. Empty when the RNN beat the baseline. Nothing is suggested that the run
    already did: a GRU run is never told to try a GRU, a bidirectional one to go bidirectional.
    """
    if rnn_accuracy > baseline_accuracy:
        return []
    sentences = [
        _("The RNN ({rnn}) does not beat the TF-IDF baseline ({baseline}) here.").format(
            rnn=percent(rnn_accuracy), baseline=percent(baseline_accuracy)
        )
    ]
    sentences += _epoch_advice(history, float(config.get("dropout", 0.0)))
    cut = sum(n > maxlen for n in train_lengths) / len(train_lengths) if len(train_lengths) else 0.0
    if cut > CUT_SHARE:
        sentences.append(
            _(
                "maxlen = {maxlen} cuts {share} of the training texts short: a longer maxlen lets it read them whole."
            ).format(maxlen=maxlen, share=percent(cut, 0))
        )
    cell, bidirectional = config.get("cell"), bool(config.get("bidirectional"))
    if cell == "rnn":
        sentences.append(
            _("A SimpleRNN forgets the start of a long text: an LSTM or a GRU keeps it through its gates.")
        )
    elif not bidirectional:
        sentences.append(_("Try it bidirectional: it then also reads each text from the end."))
    if len(train_lengths) < FEW_TRAINING_TEXTS:
        sentences.append(
            ngettext(
                "It learned from only {n} training text; more data helps an RNN more than any setting.",
                "It learned from only {n} training texts; more data helps an RNN more than any setting.",
                len(train_lengths),
            ).format(n=len(train_lengths))
        )
    if cell != "rnn" and bidirectional and cut <= CUT_SHARE:  # the model already reads whole texts both ways
        sentences.append(
            _(
                "Word order adds little here: which words and short phrases a text holds already say most of its "
                "sentiment, so TF-IDF n-grams are hard to beat."
            )
        )
    return sentences


def _epoch_advice(history: History, dropout: float) -> list[str]:
    """More epochs only when the validation accuracy was still rising at the end; else say where it peaked."""
    if not history.epochs:
        return []
    n = len(history.epochs)
    if history.stopped:
        return [
            ngettext(
                "The run was stopped after {n} epoch: let it finish.",
                "The run was stopped after {n} epochs: let it finish.",
                n,
            ).format(n=n)
        ]
    if history.best_epoch is None or history.epochs[-1].val_metric is None:
        return []
    if history.best_epoch == history.epochs[-1].epoch:
        return [
            _("Its validation accuracy was still rising in its last epoch ({n} in all): train for more epochs.").format(
                n=n
            )
        ]
    if dropout < HIGH_DROPOUT:
        return [
            _(
                "Its validation accuracy peaked at epoch {best} of {n}, so more epochs would not help; more dropout "
                "(now {dropout}) or more data would."
            ).format(best=history.best_epoch, n=n, dropout=dropout)
        ]
    return [
        _(
            "Its validation accuracy peaked at epoch {best} of {n}, so more epochs would not help; more data would."
        ).format(best=history.best_epoch, n=n)
    ]
