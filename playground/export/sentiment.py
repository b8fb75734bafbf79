"""The sentiment page's run as a standalone script: the corpus as a CSV, then plain PyTorch top to bottom.

The script repeats ``playground.text.classifier`` step by step: the seeded split of ``prepare``, the
Keras-style tokenizer and padding of ``playground.text.tokenizer`` for the run's mode, the recurrent
classifier of ``playground.models.text``, the engine's training (seeded shuffling, length buckets,
Adam, gradient clipping, the schedule, the best validation epoch put back) and the TF-IDF baseline (scikit-learn).
On the same CPU it gives the page's test accuracy to within ``TOLERANCE`` (usually exactly).
"""

from __future__ import annotations

import io

import pandas as pd

from playground.export import Export, exporter
from playground.i18n import N_, _
from playground.text.baseline import C_GRID, DEFAULT_C, FEW_TEXTS
from playground.text.classifier import MAX_TEXT_CHARS, POLARITY_SCALE, TextTrainConfig
from playground.text.data import TextDataset, load_dataset

TOLERANCE = 0.02  # test accuracy, as a fraction: the script and the package's run agree this closely
DATA_FILE = "sentiment.csv"
LAYERS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}  # the Keras layer each cell stands for
MODULES = {"rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}


@exporter("sentiment")
def export_sentiment(config: TextTrainConfig, data: TextDataset | None = None) -> Export:
    """The run of ``config`` on ``data`` (the corpus the page used; None: the bundled ``config.dataset``)."""
    dataset = data if data is not None else load_dataset(config.dataset)
    mode = config.resolved_mode(dataset.language)
    toy, keras = dataset.name == "toy", mode == "keras"
    n = len(dataset.texts)
    if toy:
        n_train = n
    else:
        n_test = int(round(n * config.test_split))
        n_train = n - n_test - int(round((n - n_test) * config.val_split))
    cell = LAYERS[config.cell]
    layer = f"Bidirectional({cell})" if config.bidirectional else cell
    sections = [
        _markdown(
            "# " + _("Sentiment analysis, taken home"),
            _(
                "This notebook repeats the playground's sentiment run with plain PyTorch, NumPy, pandas and "
                "scikit-learn: "
                "the same texts, the same seeded split, the same Keras-style tokenizer and padding, the same "
                "recurrent network and training, and the TF-IDF baseline beside it. "
                "Change a setting below and run it again."
            ),
        ),
        IMPORTS
        if mode != "zh-word"
        else IMPORTS.replace("import re\n", "").replace("import numpy", "import jieba\nimport numpy"),
        _markdown(
            "## " + _("Settings"),
            _(
                "The page's settings, with the values it chose from the data filled in. The seed decides "
                "the split, the starting weights, the dropout and the order of the batches."
            ),
        ),
        _settings(config, dataset, mode, n_train),
        _markdown("## " + _("The texts"), _split_text(config, toy)),
        READ + (SPLIT_ALL if toy else SPLIT),
        _markdown("## " + _("Tokenizing"), _(MODE_TEXT[mode]), _(KERAS_VOCABULARY_TEXT if keras else VOCABULARY_TEXT)),
        TOKENIZERS[mode] + (KERAS_VOCABULARY if keras else VOCABULARY),
        _markdown(
            "## " + _("Padding"),
            _(
                "Every text becomes MAXLEN ids, as with Keras' pad_sequences: shorter texts are filled "
                "with 0 and longer ones are cut, at the start ('pre') or at the end ('post'). With "
                "MAXLEN = 0 the length is chosen to fit {share} of the training texts."
            ).format(share="95%"),
        ),
        PADDING,
        _markdown(
            "## " + _("The network"),
            (
                _(
                    "Embedding → {layer} → max over the text → Dense(1): one logit, whose sigmoid is the "
                    "probability that a text is positive. Each feature keeps its largest output over the text's "
                    "tokens (max pooling over time); padding is left out, so it never changes a prediction."
                )
                if config.pooling == "max"
                else _(
                    "Embedding → {layer} → Dense(1): one logit, whose sigmoid is the probability that a text "
                    "is positive. Each text's tokens are moved to the front, so the network reads its state at "
                    "the text's last real token and padding never changes a prediction."
                )
            ).format(layer=layer)
            + (
                " "
                + _(
                    "Each word's first embedding value starts at its polarity in the training texts (how much more "
                    "often it appears in positive texts than in negative ones, as a log ratio), so even a rare "
                    "word's evidence is there from the first batch; the other values start small and random, as "
                    "Keras' do."
                )
                if config.polarity_start
                else ""
            ),
        ),
        MODEL,
        _markdown(
            "## " + _("Training"),
            _(
                "Adam on the binary cross-entropy, with the gradient norm clipped at 5. Each epoch shuffles "
                "the training texts with the seeded generator and makes batches of texts of similar "
                "length, so the network runs few padded steps. With a validation set, the weights of the "
                "epoch with the best validation accuracy are put back after training (early stopping)."
            ),
        ),
        TRAINING,
        _markdown(
            "## " + _("Test accuracy"),
            _(
                "The course's three sentences, which the network learned from: a text counts as positive when its "
                "probability is above 0.5."
            )
            if toy
            else _("The texts the network never saw: a text counts as positive when its probability is above 0.5."),
        ),
        EVALUATION,
        _markdown(
            "## " + _("The TF-IDF baseline"),
            _(
                "The strong, standard baseline: logistic regression (scikit-learn) on TF-IDF n-grams, word "
                "order ignored beyond them, trained on the same training texts, with its regularisation C "
                "chosen on the validation texts. The recurrent network is worth its cost only when it beats this."
            ),
        ),
        BASELINE.replace("VECTORIZER", VECTORIZERS["zh" if dataset.language == "zh" else "en"]),
        _markdown("## " + _("Your own sentence"), _("Type any text to see how likely the network finds it positive.")),
        PREDICT.replace("EXAMPLE", _quoted(EXAMPLES.get(dataset.language, EXAMPLES["en"]))),
        _markdown(
            "## " + _("The same as the page?"),
            _(
                "On the machine that ran the page, this script gives the page's test accuracy to within "
                "{points} percentage points, on a CPU usually exactly; another machine or a GPU rounds "
                "sums in another order, and the results drift a little. The last line prints the result "
                "as JSON."
            ).format(points=round(TOLERANCE * 100)),
        ),
        RESULT,
    ]
    return Export(
        script="\n\n".join(s.strip("\n") for s in sections) + "\n",
        files={DATA_FILE: _csv(dataset)},
        metric="test_accuracy",
    )


def _markdown(*paragraphs: str) -> str:
    lines = "\n#\n".join("\n".join("# " + line for line in p.splitlines()) for p in paragraphs)
    return "# %% [markdown]\n" + lines


def _split_text(config: TextTrainConfig, toy: bool) -> str:
    if toy:
        return _(
            "Every text is in {file} beside this script, with its label (0 negative, 1 positive). The "
            "course's three sentences are both the training and the test set, as in the course; there is "
            "no validation set."
        ).format(file=DATA_FILE)
    return _(
        "Every text the page used is in {file} beside this script, with its label (0 negative, 1 positive). "
        "The split is seeded: in a shuffled order the first {test} of the texts are the test set, the next "
        "{val} of the rest the validation set, and the others the training set."
    ).format(file=DATA_FILE, test=f"{config.test_split * 100:g}%", val=f"{config.val_split * 100:g}%")


def _settings(config: TextTrainConfig, dataset: TextDataset, mode: str, n_train: int) -> str:
    toy = dataset.name == "toy"
    device = (
        f"torch.device({_quoted(config.device)})"
        if config.device
        else 'torch.device("cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() '
        'else "cpu")'
    )
    lines = [
        "# %%",
        f"SEED = {config.seed}",
        f"DATA_FILE = {_quoted(DATA_FILE)}",
        f"LABEL_NAMES = ({_quoted(dataset.label_names[0])}, {_quoted(dataset.label_names[1])})  # what 0 and 1 mean",
    ]
    if not toy:
        lines += [
            f"TEST_SPLIT = {config.test_split}  # share of the texts held out for the test",
            f"VAL_SPLIT = {config.val_split}  # share of the rest that picks the best epoch",
        ]
    lines += [
        f"MAX_TEXT_CHARS = {MAX_TEXT_CHARS:_}  # longer texts are cut before tokenizing",
        f"NUM_WORDS = {config.resolved_num_words(len(dataset.texts))}  # ids kept: 0 padding, "
        + (
            "then the most frequent words (none for unknown ones)"
            if mode == "keras"
            else "1 unknown, then the most frequent words"
        ),
        f"MAXLEN = {config.maxlen or (5 if toy else 0)}  # tokens per text; 0: long enough for 95% of the "
        "training texts",
        f"PADDING = {_quoted(config.padding)}  # where short texts get their 0s: pre (the start) or post (the end)",
        f"TRUNCATING = {_quoted(config.truncating)}  # where long texts are cut: pre or post",
        f"RECURRENT = {MODULES[config.cell]}  # nn.RNN (Keras' SimpleRNN), nn.LSTM or nn.GRU",
        f"BIDIRECTIONAL = {config.bidirectional}",
        f"POOLING = {_quoted(config.pooling)}  # last: the output at the last token; max: the largest over the text",
        f"EMBED_DIM = {config.embed_dim}",
        f"HIDDEN = {config.hidden}",
        f"LAYERS = {config.layers}",
        f"DROPOUT = {config.dropout}",
        f"POLARITY_START = {config.polarity_start}  # each word's first embedding value starts at its polarity",
        f"POLARITY_SCALE = {POLARITY_SCALE}",
        f"EPOCHS = {config.resolved_epochs(n_train, dataset.language)}",
        f"BATCH_SIZE = {config.batch_size}",
        f"LR = {config.lr}",
        f"SCHEDULE = {_quoted(config.schedule)}  # constant, or onecycle: warm up to LR, then anneal",
        f"BASELINE_C_GRID = {C_GRID}  # the TF-IDF baseline's regularisation, tried on the validation texts",
        f"BASELINE_C = {DEFAULT_C}  # without validation texts",
        f"MIN_DF = {1 if n_train < FEW_TEXTS else 2}  # character n-grams in fewer training texts are left out",
        f"DEVICE = {device}",
        "# Mixed precision where the page uses it: bfloat16 on a CUDA GPU that has it (float32 otherwise).",
        'AMP = DEVICE.type == "cuda" and torch.cuda.is_bf16_supported()',
    ]
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """A Python string literal, in double quotes where the text allows (as the rest of the script)."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


def _csv(dataset: TextDataset) -> bytes:
    frame = pd.DataFrame({"text": dataset.texts, "label": [int(v) for v in dataset.labels]})
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


EXAMPLES = {"en": "A gorgeous, witty film, though the ending drags.", "zh": "质量很好，物流也快，就是价格有点贵。"}

MODE_TEXT = {
    "en": N_("English text is split into lower-case words (don't stays whole) and single punctuation marks."),
    "zh-char": N_(
        "Chinese text is read character by character; runs of Latin letters or digits (iPhone, 2024) stay whole."
    ),
    "zh-word": N_("Chinese text is cut into words by jieba (pip install jieba)."),
    "keras": N_("As Keras' Tokenizer does by default: lower-case, punctuation removed, split at spaces."),
}
VOCABULARY_TEXT = N_(
    "As with Keras' Tokenizer, the vocabulary is fitted on the training texts only: id 0 is padding, 1 an "
    "unknown word, then the words by falling frequency. Only ids below NUM_WORDS are kept; rarer words "
    "become 1."
)
KERAS_VOCABULARY_TEXT = N_(
    "As with Keras' Tokenizer and its defaults, the vocabulary is fitted on the training texts only: id 0 is "
    "padding, then the words by falling frequency from 1. Only ids below NUM_WORDS are kept; there is no id for "
    "an unknown word, so unknown and rarer words are left out of the sequence."
)

IMPORTS = """
# %%
import contextlib
import json
import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
"""

READ = """
# %%
frame = pd.read_csv(DATA_FILE, dtype={"text": str}, keep_default_na=False, encoding="utf-8")
texts = [text[:MAX_TEXT_CHARS] for text in frame["text"]]
labels = frame["label"].to_numpy()
print(f"{len(texts)} texts, {labels.mean():.0%} positive")
"""

SPLIT = """
n = len(texts)
order = np.random.default_rng(SEED).permutation(n)
n_test = int(round(n * TEST_SPLIT))
n_val = int(round((n - n_test) * VAL_SPLIT))
test_idx, val_idx, train_idx = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
print(f"training {len(train_idx)}, validation {len(val_idx)}, test {len(test_idx)}")
"""

SPLIT_ALL = """
everything = np.arange(len(texts))  # in the course's order
train_idx, val_idx, test_idx = everything, everything[:0], everything
"""

TOKENIZERS = {
    "en": r'''
# %%
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]", re.IGNORECASE)


def split(text):
    """Lower-case words, with a part after an apostrophe, and every other character but spaces."""
    return [token.lower() for token in WORD.findall(text)]
''',
    "zh-char": r'''
# %%
LATIN_RUN = re.compile(r"[A-Za-z0-9]+")


def split(text):
    """One token per character, but a run of Latin letters or digits stays one (lower-cased) token."""
    tokens = []
    for piece in text.split():
        i = 0
        while i < len(piece):
            latin = LATIN_RUN.match(piece, i)
            if latin:
                tokens.append(latin.group().lower())
                i = latin.end()
            else:
                tokens.append(piece[i])
                i += 1
    return tokens
''',
    "zh-word": '''
# %%
jieba.setLogLevel(60)


def split(text):
    """jieba's words, lower-cased, without the spaces."""
    return [token.lower() for token in jieba.lcut(text) if token.strip()]
''',
    "keras": r'''
# %%
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'  # Keras' default filters: each becomes a space


def split(text):
    """Keras' text_to_word_sequence: lower-case, filters to spaces, split at spaces."""
    text = text.lower().translate(str.maketrans(dict.fromkeys(FILTERS, " ")))
    return [word for word in text.split(" ") if word]
''',
}
VOCABULARY = """

print(split(texts[int(train_idx[0])]))

# %%
train_texts = [texts[i] for i in train_idx]
counts = Counter()
for text in train_texts:
    counts.update(split(text))
ranked = sorted(counts.items(), key=lambda item: -item[1])  # a stable sort: ties keep their first appearance
word_index = {"<OOV>": 1} | {word: i for i, (word, _count) in enumerate(ranked, start=2)}


def encode(text):
    \"\"\"The ids of a text's tokens; words not in the vocabulary, or too rare to keep, become 1.\"\"\"
    return [i if (i := word_index.get(token, 1)) < NUM_WORDS else 1 for token in split(text)]


print(f"{len(ranked)} distinct tokens in the training texts, {min(len(ranked), NUM_WORDS - 2)} of them kept")
print(ranked[:10])
"""

KERAS_VOCABULARY = """

print(split(texts[int(train_idx[0])]))

# %%
train_texts = [texts[i] for i in train_idx]
counts = Counter()
for text in train_texts:
    counts.update(split(text))
ranked = sorted(counts.items(), key=lambda item: -item[1])  # a stable sort: ties keep their first appearance
word_index = {word: i for i, (word, _count) in enumerate(ranked, start=1)}  # no OOV id, as Keras' default


def encode(text):
    \"\"\"As Keras' texts_to_sequences: the ids of a text's words, leaving out unknown words and rarer ones.\"\"\"
    return [i for token in split(text) if (i := word_index.get(token)) is not None and i < NUM_WORDS]


print(f"{len(ranked)} distinct words in the training texts, {min(len(ranked), NUM_WORDS - 1)} of them kept")
print(ranked[:10])
"""

PADDING = """
# %%
def pad_sequences(sequences, maxlen, padding="pre", truncating="pre"):
    \"\"\"(N, maxlen) int64 ids, as Keras' pad_sequences.\"\"\"
    out = np.zeros((len(sequences), maxlen), dtype=np.int64)
    for row, seq in enumerate(sequences):
        if len(seq) > maxlen:
            seq = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        if seq:
            if padding == "pre":
                out[row, maxlen - len(seq) :] = seq
            else:
                out[row, : len(seq)] = seq
    return out


train_ids = [encode(text) for text in train_texts]
if MAXLEN == 0:
    MAXLEN = int(max(5, np.ceil(np.quantile([len(ids) for ids in train_ids], 0.95))))
print(f"MAXLEN = {MAXLEN}")


def tensors(idx):
    ids = [encode(texts[i]) for i in idx]
    X = torch.from_numpy(pad_sequences(ids, MAXLEN, PADDING, TRUNCATING))
    return X, torch.as_tensor(labels[idx], dtype=torch.float32)


X_train = torch.from_numpy(pad_sequences(train_ids, MAXLEN, PADDING, TRUNCATING))
y_train = torch.as_tensor(labels[train_idx], dtype=torch.float32)
X_val, y_val = tensors(val_idx)
X_test, y_test = tensors(test_idx)
print(train_texts[0])
print(X_train[0].tolist())
"""

MODEL = """
# %%
class TextClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(NUM_WORDS, EMBED_DIM, padding_idx=0)
        self.rnn = RECURRENT(
            EMBED_DIM,
            HIDDEN,
            num_layers=LAYERS,
            batch_first=True,
            bidirectional=BIDIRECTIONAL,
            dropout=DROPOUT if LAYERS > 1 else 0.0,
        )
        self.dropout = nn.Dropout(DROPOUT)
        self.head = nn.Linear(HIDDEN * (2 if BIDIRECTIONAL else 1), 1)
        with torch.no_grad():  # Keras' Embedding starts uniform in ±0.05 (PyTorch's at N(0, 1)); padding at 0
            nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
            self.embedding.weight[0] = 0

    def forward(self, ids):  # (B, T) ids -> (B,) logits
        # Move each text's tokens to the front, keeping their order; an empty text reads one padding token.
        order = torch.argsort((ids == 0).to(torch.int8), dim=1, stable=True)
        aligned = ids.gather(1, order)
        lengths = (ids != 0).sum(1).clamp_min(1)
        aligned = aligned[:, : int(lengths.max())]
        if BIDIRECTIONAL:  # the backward direction must start at each text's last token: pack the batch
            packed = pack_padded_sequence(
                self.embedding(aligned), lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            output, state = self.rnn(packed)
            if POOLING == "max":
                out, _lengths = pad_packed_sequence(output, batch_first=True)  # (B, T, 2 * HIDDEN)
                return self.head(self.dropout(max_over_text(out, lengths))).squeeze(1)
            h = state[0] if isinstance(state, tuple) else state  # an LSTM returns (h, c); (LAYERS * 2, B, HIDDEN)
            return self.head(self.dropout(torch.cat([h[-2], h[-1]], dim=1))).squeeze(1)
        # Each text's outputs have not seen the padding after it.
        out, _hidden = self.rnn(self.embedding(aligned))  # (B, T, HIDDEN)
        if POOLING == "max":
            return self.head(self.dropout(max_over_text(out, lengths))).squeeze(1)
        last = out[torch.arange(len(out), device=out.device), lengths - 1]  # the output at the last token
        return self.head(self.dropout(last)).squeeze(1)


def max_over_text(out, lengths):
    \"\"\"(B, T, F) -> (B, F): the largest value of each feature over each text's tokens, padding left out.\"\"\"
    padding = torch.arange(out.shape[1], device=out.device)[None, :] >= lengths.to(out.device)[:, None]
    return out.masked_fill(padding[..., None], float("-inf")).amax(1)


def word_polarity(X, y, vocab_size):
    \"\"\"Each token id's log-count ratio in the training texts: the log of its share of the positive texts'
    (distinct) tokens over its share of the negative texts', with one added to every count; 0 for padding.\"\"\"
    rows = torch.arange(len(X)).repeat_interleave(X.shape[1])
    flat = X.flatten()
    kept = flat != 0
    pairs = torch.unique(rows[kept] * vocab_size + flat[kept])  # each token once per text
    ids, texts = pairs % vocab_size, pairs // vocab_size
    positive = y[texts] > 0.5
    pos = torch.bincount(ids[positive], minlength=vocab_size).float() + 1
    neg = torch.bincount(ids[~positive], minlength=vocab_size).float() + 1
    ratio = (pos / pos.sum()).log() - (neg / neg.sum()).log()
    ratio[0] = 0.0
    return ratio


torch.manual_seed(SEED)  # the starting weights and, during training, the dropout masks
model = TextClassifier()
if POLARITY_START:
    with torch.no_grad():
        model.embedding.weight[:, 0] = POLARITY_SCALE * word_polarity(X_train, y_train, NUM_WORDS)
print(model)
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
"""

TRAINING = """
# %%
def autocast():
    return torch.autocast("cuda", dtype=torch.bfloat16) if AMP else contextlib.nullcontext()


def length_batches(perm, lengths, batch_size, generator, pool=50):
    \"\"\"Reorder a shuffled order so that each batch holds texts of similar length.

    Pools of 50 batches are sorted by length and cut into batches; the full batches are shuffled and the
    one smaller batch, if any, goes last.
    \"\"\"
    batches = []
    for chunk in perm.split(batch_size * pool):
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        batches += list(chunk.split(batch_size))
    full = [b for b in batches if len(b) == batch_size]
    partial = [b for b in batches if len(b) < batch_size]
    order = torch.randperm(len(full), generator=generator)
    return torch.cat([full[i] for i in order] + ([torch.cat(partial)] if partial else []))


@torch.no_grad()
def accuracy(model, X, y, batch_size=2048):
    \"\"\"The share of texts whose logit is on the side of their label.\"\"\"
    model.eval()
    right = 0
    for start in range(0, len(X), batch_size):
        with autocast():
            logits = model(X[start : start + batch_size]).float()
        right += ((logits > 0) == (y[start : start + batch_size] > 0.5)).sum().item()
    return right / len(X)


def fit(
    model, X, y, X_val, y_val, epochs, batch_size, lr, weight_decay=0.0, grad_clip=None, schedule="constant",
    lengths=None,
):
    \"\"\"Train in place; with validation texts, end with the weights of the epoch of best validation accuracy.\"\"\"
    model.to(DEVICE)
    X, y, X_val, y_val = X.to(DEVICE), y.to(DEVICE), X_val.to(DEVICE), y_val.to(DEVICE)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(SEED)  # the order of the texts, epoch by epoch
    batches = math.ceil(len(X) / batch_size)
    scheduler = None
    if schedule == "onecycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * batches)
    best_accuracy, best_state = -1.0, None
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(len(X), generator=generator)
        if lengths is not None:
            perm = length_batches(perm, lengths, batch_size, generator)
        perm = perm.to(DEVICE)
        total_loss = 0.0
        for b in range(batches):
            idx = perm[b * batch_size : (b + 1) * batch_size]
            with autocast():
                logits = model(X[idx]).float()
            loss = F.binary_cross_entropy_with_logits(logits, y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total_loss += loss.item() * len(idx)
        line = f"epoch {epoch}/{epochs}: training loss {total_loss / len(X):.4f}"
        if len(X_val):
            val_accuracy = accuracy(model, X_val, y_val)
            line += f", validation accuracy {val_accuracy:.4f}"
            if val_accuracy > best_accuracy:
                best_accuracy, best_epoch = val_accuracy, epoch
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        print(line)
    if best_state is not None:
        model.load_state_dict(best_state)
        print(f"kept the weights of epoch {best_epoch}")
    return model


lengths = (X_train != 0).sum(1)  # tokens per training text, for the length batches
fit(model, X_train, y_train, X_val, y_val, EPOCHS, BATCH_SIZE, LR, grad_clip=5.0, schedule=SCHEDULE, lengths=lengths)
"""

EVALUATION = """
# %%
@torch.no_grad()
def probabilities(model, X, batch_size=1024):
    \"\"\"p(positive) for each text, (N,).\"\"\"
    model.eval()
    device = next(model.parameters()).device
    parts = [model(X[i : i + batch_size].to(device)).float() for i in range(0, len(X), batch_size)]
    return torch.sigmoid(torch.cat(parts)).cpu().numpy()


def test_accuracy(model):
    if not len(X_test):
        return float("nan")  # no test texts: TEST_SPLIT is 0
    predicted = (probabilities(model, X_test) > 0.5).astype(int)
    truth = y_test.numpy().astype(int)
    confusion = pd.crosstab(
        pd.Series([LABEL_NAMES[t] for t in truth], name="true"),
        pd.Series([LABEL_NAMES[p] for p in predicted], name="predicted"),
    )
    print(confusion)
    return float((predicted == truth).mean())


accuracy_rnn = test_accuracy(model)
print(f"test accuracy {accuracy_rnn:.4f}")
"""

BASELINE = """
# %%
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_union  # noqa: E402

VECTORIZER
val_texts, test_texts = [texts[i] for i in val_idx], [texts[i] for i in test_idx]
X_train_tfidf = vectorizer.fit_transform(train_texts)
y_train_int, y_val_int = labels[train_idx].astype(int), labels[val_idx].astype(int)


def logistic_regression(C):
    return LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=SEED).fit(X_train_tfidf, y_train_int)


if len(val_texts):  # C, the inverse regularisation, with the best validation accuracy (ties: the smaller)
    X_val_tfidf = vectorizer.transform(val_texts)
    scores = {C: (logistic_regression(C).predict(X_val_tfidf) == y_val_int).mean() for C in BASELINE_C_GRID}
    best_C = max(BASELINE_C_GRID, key=lambda C: (scores[C], -C))
    print({C: round(float(a), 4) for C, a in scores.items()})
else:
    best_C = BASELINE_C
baseline = logistic_regression(best_C)
print(f"C = {best_C}, {X_train_tfidf.shape[1]:,} n-grams")
if len(test_texts):
    predicted = (baseline.predict_proba(vectorizer.transform(test_texts))[:, 1] > 0.5).astype(int)
    accuracy_baseline = float((predicted == labels[test_idx].astype(int)).mean())
else:
    accuracy_baseline = float("nan")
print(f"baseline test accuracy {accuracy_baseline:.4f}")
"""

VECTORIZERS = {
    "zh": 'vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)',
    "en": """vectorizer = make_union(
    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\\b\\w[\\w']*\\b"),
    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=MIN_DF),
)""",
}

PREDICT = """
# %%
text = EXAMPLE
ids = torch.from_numpy(pad_sequences([encode(text[:MAX_TEXT_CHARS])], MAXLEN, PADDING, TRUNCATING))
print(f"{probabilities(model, ids)[0]:.3f} positive: {text}")
"""

RESULT = """
# %%
print("RESULT " + json.dumps({"metric": "test_accuracy", "value": accuracy_rnn, "baseline": accuracy_baseline}))
"""
