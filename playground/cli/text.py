"""The sentiment page's subcommand: train a recurrent classifier, or predict with a saved one."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from playground.cli.common import ProgressPrinter, add_training_args, emit, option_list
from playground.errors import PlaygroundError
from playground.i18n import _
from playground.models import load_model, save_model
from playground.text import classifier
from playground.text.data import load_dataset, read_csv, shown_labels
from playground.text.familiarity import UNAVAILABLE

DEFAULTS = classifier.TextTrainConfig()


def add_parsers(subparsers) -> None:
    p = subparsers.add_parser("sentiment", help=_("train an RNN sentiment classifier, or predict with one (--load)"))
    p.add_argument("--dataset", default=DEFAULTS.dataset, help=_("en-movies, zh-reviews, toy or csv:PATH"))
    p.add_argument("--model", choices=option_list(classifier.TextTrainConfig, "cell"), default=DEFAULTS.cell)
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument(
        "--pooling",
        choices=option_list(classifier.TextTrainConfig, "pooling"),
        default=DEFAULTS.pooling,
        help=_("last: the output at the last token; max: the largest output over the text"),
    )
    p.add_argument("--tokens", choices=option_list(classifier.TextTrainConfig, "mode"), default=DEFAULTS.mode)
    p.add_argument(
        "--num-words", type=int, default=DEFAULTS.num_words, help=_("vocabulary size (0: chosen from the data)")
    )
    p.add_argument(
        "--maxlen", type=int, default=DEFAULTS.maxlen, help=_("tokens per text (0: from the length histogram)")
    )
    p.add_argument("--padding", choices=option_list(classifier.TextTrainConfig, "padding"), default=DEFAULTS.padding)
    p.add_argument("--embed-dim", type=int, default=DEFAULTS.embed_dim)
    p.add_argument("--hidden", type=int, default=DEFAULTS.hidden)
    p.add_argument("--layers", type=int, default=DEFAULTS.layers)
    p.add_argument("--dropout", type=float, default=DEFAULTS.dropout)
    p.add_argument(
        "--no-polarity-start",
        dest="polarity_start",
        action="store_false",
        help=_("start every embedding value small and random, as Keras does, not at each word's polarity"),
    )
    p.add_argument("--lr", type=float, default=DEFAULTS.lr)
    p.add_argument("--schedule", choices=option_list(classifier.TextTrainConfig, "schedule"), default=DEFAULTS.schedule)
    p.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    p.add_argument("--load", metavar="PATH", default=None, help=_("a saved sentiment model, to use with --predict"))
    p.add_argument("--predict", metavar="TEXT", default=None, help=_("a sentence to classify"))
    add_training_args(p, epochs=0)
    p.set_defaults(func=sentiment)


def sentiment(args: argparse.Namespace) -> None:
    if args.predict is not None:
        return predict(args)
    if args.load:
        raise PlaygroundError(_('--load needs --predict "some text".'))
    if args.dataset.startswith("csv:"):
        path = Path(args.dataset.removeprefix("csv:"))
        if not path.is_file():
            raise PlaygroundError(_("There is no CSV file at '{path}'.").format(path=path))
        dataset = read_csv(path.read_bytes())
    else:
        dataset = load_dataset(args.dataset)
    config = classifier.TextTrainConfig(
        dataset=args.dataset,
        mode=args.tokens,
        num_words=args.num_words,
        maxlen=args.maxlen,
        padding=args.padding,
        cell=args.model,
        bidirectional=args.bidirectional,
        pooling=args.pooling,
        embed_dim=args.embed_dim,
        hidden=args.hidden,
        layers=args.layers,
        dropout=args.dropout,
        polarity_start=args.polarity_start,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        schedule=args.schedule,
        seed=args.seed,
        device=args.device,
    )
    prepared = classifier.prepare(dataset, config)
    model = classifier.build_model(prepared, config)
    history = classifier.train(model, prepared, config, [] if args.json else [ProgressPrinter()])
    evaluation, baseline = (
        classifier.evaluate(model, prepared),
        classifier.evaluate(classifier.train_baseline(prepared, config), prepared),
    )
    if args.save:
        save_model(model, args.save, prepared.meta)
    hist = history.as_dict()
    result = {
        "config": dataclasses.asdict(config),
        "data": dataset.source,
        "maxlen": prepared.maxlen,
        "vocab_size": prepared.tokenizer.vocab_size,
        "parameters": sum(p.numel() for p in model.parameters()),
        "history": hist["epochs"],
        "final": {"test_" + k: v for k, v in evaluation.as_dict().items()},
        "baseline_tfidf": {"test_" + k: v for k, v in baseline.as_dict().items()},
        "familiarity": prepared.meta["familiarity"],  # what --predict judges a text against
        "seconds": hist["seconds"],
        "samples_per_s": hist["samples_per_s"],
    }
    summary = _("{model} test accuracy {accuracy:.4f} (F1 {f1:.3f}); TF-IDF baseline {baseline:.4f}").format(
        model=config.cell.upper(), accuracy=evaluation.accuracy, f1=evaluation.f1, baseline=baseline.accuracy
    )
    text = f"{dataset.description()}\n{summary}"
    emit(result, args.json, text)


def predict(args: argparse.Namespace) -> None:
    if not args.load:
        raise PlaygroundError(_("--predict needs --load PATH, a model saved with --save."))
    model, meta = load_model(args.load)
    if meta.get("task") != "text":
        raise PlaygroundError(_("This model file is not a sentiment classifier."))
    explanation = classifier.explain(model, meta, args.predict)
    result = {
        "prob_positive": explanation.probability,
        "label": meta["label_names"][int(explanation.probability > 0.5)],
        "tokens": explanation.tokens,
        "unknown": explanation.unknown,
        "contributions": explanation.contributions,
        "truncated_tokens": explanation.truncated,
    }
    known = explanation.familiarity
    result |= known.as_dict()  # unfamiliar, unknown_share, script, and what they are judged by
    text = _("{label} (probability of positive {probability:.1%})").format(
        label=shown_labels([result["label"]])[0],  # in the reader's language; the JSON keeps the file's name
        probability=explanation.probability,
    )
    note = known.notice() if known.available else _(UNAVAILABLE)
    emit(result, args.json, f"{note}\n{text}" if note else text)
