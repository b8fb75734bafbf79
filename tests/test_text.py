import dataclasses

import numpy as np
import pytest
import torch

from playground.errors import PlaygroundError
from playground.models import create_model, load_model, model_bytes
from playground.text import classifier as tc
from playground.text.baseline import C_GRID
from playground.text.data import TOY_TEXTS, TextDataset, load_dataset, read_csv
from playground.text.tokenizer import KERAS_FILTERS, OOV, Tokenizer, pad_sequences, split, tokenize


def test_tokenizer_ranks_by_frequency_and_maps_rare_words_to_oov():
    tok = Tokenizer("en", num_words=4).fit(["the cat sat", "the cat ran", "The dog!"])
    # Keras: OOV is 1, then by frequency: the (3), cat (2), then sat, ran, dog, ! in order of appearance
    assert tok.word_index == {OOV: 1, "the": 2, "cat": 3, "sat": 4, "ran": 5, "dog": 6, "!": 7}
    assert tok.encode("The cat sat on a mat")[1] == [2, 3, 1, 1, 1, 1]  # ids ≥ num_words become OOV
    assert tok.unknown(["the", "sat", "zebra"]) == ["sat", "zebra"]
    assert tok.vocab_size == 4


def test_english_splits_punctuation_and_lowercases():
    assert split("Great film, isn't it?!", "en") == ["great", "film", ",", "isn't", "it", "?", "!"]


def test_chinese_characters_and_words():
    assert split("我喜欢深度学习 iPhone", "zh-char") == ["我", "喜", "欢", "深", "度", "学", "习", "iphone"]
    words = split("我喜欢深度学习", "zh-word")
    assert "".join(words) == "我喜欢深度学习" and len(words) < 7 and "喜欢" in words


def test_keras_mode_on_the_course_sentences_gives_one_token_each():
    # Keras: Tokenizer(num_words=1000).fit_on_texts(texts); texts_to_sequences; pad_sequences(maxlen=5)
    tok = Tokenizer("keras", num_words=1000).fit(TOY_TEXTS)
    assert tok.word_index == {"我喜欢深度学习": 1, "机器学习很有趣": 2, "神经网络是强大的工具": 3}
    sequences = [tok.encode(t)[1] for t in TOY_TEXTS]
    assert sequences == [[1], [2], [3]]
    assert pad_sequences(sequences, maxlen=5).tolist() == [[0, 0, 0, 0, 1], [0, 0, 0, 0, 2], [0, 0, 0, 0, 3]]
    assert tok.encode("我喜欢深度学习，真的")[1] == []  # Chinese punctuation is not filtered: one unknown token


def test_keras_mode_filters_and_lowercases_as_keras():
    tok = Tokenizer("keras", num_words=1000).fit(["Hello, World! hello"])
    assert tok.word_index == {"hello": 1, "world": 2}  # by frequency, then first appearance; no OOV entry
    assert tok.encode("Hello, World! hello") == (["hello", "world", "hello"], [1, 2, 1])
    assert split('it\'s "50%" off--(really)?\ttabs\nlines', "keras") == ["it's", "50", "off", "really", "tabs", "lines"]
    assert split(KERAS_FILTERS + "«ok»", "keras") == ["«ok»"]  # only ASCII punctuation, tab and newline


def test_keras_mode_drops_unknown_and_rare_words_instead_of_an_oov_id():
    tok = Tokenizer("keras", num_words=3).fit(["the cat sat", "the cat ran", "The dog"])
    assert tok.word_index == {"the": 1, "cat": 2, "sat": 3, "ran": 4, "dog": 5}
    # Keras keeps ids < num_words and, without oov_token, leaves every other word out
    assert tok.encode("the cat sat on the mat") == (["the", "cat", "the"], [1, 2, 1])
    assert tok.unknown(["the", "sat", "zebra"]) == ["sat", "zebra"]  # id 1 is a word here, not OOV
    shown = tokenize(tok, "The zebra cat")
    assert shown.tokens == ["the", "zebra", "cat"] and shown.ids == [1, None, 2] and shown.sequence == [1, 2]
    restored = Tokenizer.from_meta(tok.to_meta())
    assert restored.word_index == {"the": 1, "cat": 2} and not restored.has_oov


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [[0, 0, 1, 2, 3], [3, 4, 5, 6, 7]]),
        ("post", "pre", [[1, 2, 3, 0, 0], [3, 4, 5, 6, 7]]),
        ("pre", "post", [[0, 0, 1, 2, 3], [1, 2, 3, 4, 5]]),
        ("post", "post", [[1, 2, 3, 0, 0], [1, 2, 3, 4, 5]]),
    ],
)
def test_pad_sequences_as_keras(padding, truncating, expected):
    out = pad_sequences([[1, 2, 3], [1, 2, 3, 4, 5, 6, 7]], maxlen=5, padding=padding, truncating=truncating)
    assert out.tolist() == expected


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "max"])
def test_padding_never_changes_a_prediction(cell, bidirectional, pooling):
    torch.manual_seed(0)
    model = create_model(
        "text-rnn", vocab_size=50, cell=cell, bidirectional=bidirectional, layers=2, pooling=pooling
    ).eval()
    seq = [5, 9, 13, 2, 41]
    variants = [pad_sequences([seq], n, p)[0] for n in (5, 8, 30) for p in ("pre", "post")]
    with torch.no_grad():
        outputs = [model(torch.from_numpy(v).unsqueeze(0)).item() for v in variants]
        batch = model(
            torch.from_numpy(np.stack([pad_sequences([seq], 30, "pre")[0], pad_sequences([[7, 7]], 30, "post")[0]]))
        )
    assert max(outputs) - min(outputs) < 1e-5
    assert abs(batch[0].item() - outputs[0]) < 1e-5


@pytest.mark.parametrize("bidirectional", [False, True])
def test_max_pooling_takes_each_features_largest_output_over_the_text(bidirectional):
    """Against a reference built by hand: the RNN run on the unpadded text alone, max over its outputs."""
    torch.manual_seed(0)
    model = create_model("text-rnn", vocab_size=50, cell="gru", bidirectional=bidirectional, pooling="max").eval()
    seq = [5, 9, 13, 2, 41, 7]
    with torch.no_grad():
        out, _state = model.rnn(model.embedding(torch.tensor([seq])))  # (1, 6, H or 2H): no padding at all
        expected = model.head(out.amax(1)).item()
        got = model(torch.from_numpy(pad_sequences([seq], 20, "pre"))).item()
        last = create_model("text-rnn", vocab_size=50, cell="gru", bidirectional=bidirectional, pooling="last")
        last.load_state_dict(model.state_dict())  # the same weights read at the last token instead
        other = last.eval()(torch.from_numpy(pad_sequences([seq], 20, "pre"))).item()
    assert abs(got - expected) < 1e-5 and abs(other - expected) > 1e-4
    with pytest.raises(PlaygroundError, match="pooling"):
        create_model("text-rnn", vocab_size=50, pooling="mean")


def test_the_tfidf_baseline_tunes_c_on_validation_and_beats_chance_by_far():
    full = load_dataset("en-movies")
    small = TextDataset("en-small", full.texts[:3000], full.labels[:3000], "en")
    config = tc.TextTrainConfig(seed=0, epochs=1)
    prepared = tc.prepare(small, config)
    baseline = tc.train_baseline(prepared, config)
    assert baseline.C in C_GRID and baseline.val_accuracy is not None
    again = tc.train_baseline(prepared, config)
    scored = tc.evaluate(baseline, prepared)
    assert scored.accuracy == tc.evaluate(again, prepared).accuracy  # same seed, same result
    assert scored.accuracy > 0.68 and scored.confusion.sum() == len(prepared.texts_test)  # chance is about 0.5
    # Logistic regression at that C, checked against scikit-learn's validation score for every C of the grid
    from sklearn.linear_model import LogisticRegression

    X_train = baseline.vectorizer.transform(prepared.texts_train)
    X_val = baseline.vectorizer.transform(prepared.texts_val)
    y_train, y_val = prepared.y_train.numpy().astype(int), prepared.y_val.numpy().astype(int)
    scores = [LogisticRegression(C=C, solver="liblinear").fit(X_train, y_train).score(X_val, y_val) for C in C_GRID]
    assert baseline.val_accuracy == pytest.approx(max(scores))


def test_the_baselines_scores_are_fitted_once_per_split_and_seed_and_shared(monkeypatch):
    full = load_dataset("en-movies")
    small = TextDataset("en-small", full.texts[:800], full.labels[:800], "en")
    fits = []
    fit = tc.train_baseline
    monkeypatch.setattr(tc, "train_baseline", lambda *args: fits.append(args) or fit(*args))
    monkeypatch.setattr(tc, "_BASELINES", {})
    config = tc.TextTrainConfig(seed=0, epochs=1)
    prepared = tc.prepare(small, config)
    first = tc.baseline_evaluation(prepared, config)
    assert first.accuracy == tc.evaluate(fit(prepared, config), prepared).accuracy  # what fitting it here gives
    other_rnn = dataclasses.replace(config, cell="lstm", hidden=32, lr=0.01)  # the RNN's settings do not matter
    assert tc.baseline_evaluation(tc.prepare(small, other_rnn), other_rnn) is first and len(fits) == 1
    other_seed = dataclasses.replace(config, seed=1)  # another split: fitted again
    assert tc.baseline_evaluation(tc.prepare(small, other_seed), other_seed) is not first and len(fits) == 2
    shorter = TextDataset("en-small", full.texts[:700], full.labels[:700], "en")  # other texts: fitted again
    tc.baseline_evaluation(tc.prepare(shorter, config), config)
    assert len(fits) == 3
    assert tc.baseline_evaluation(prepared, config) is first and len(fits) == 3  # used again: now the newest
    for seed in range(2, 1 + tc.BASELINES_KEPT):
        seeded = dataclasses.replace(config, seed=seed)
        tc.baseline_evaluation(tc.prepare(shorter, seeded), seeded)
    assert len(tc._BASELINES) == tc.BASELINES_KEPT and len(fits) == 2 + tc.BASELINES_KEPT
    assert tc.baseline_evaluation(prepared, config) is first  # kept: it was used more recently than seed 1's
    assert (
        tc.baseline_evaluation(tc.prepare(small, other_seed), other_seed) is not None
        and len(fits) == 3 + tc.BASELINES_KEPT
    )
    assert not first.probabilities.flags.writeable  # one object shared by every session: nobody may change it


def test_runs_asking_for_the_same_baseline_at_once_wait_for_one_fit(monkeypatch):
    import threading
    import time

    full = load_dataset("en-movies")
    small = TextDataset("en-small", full.texts[:600], full.labels[:600], "en")
    fits, fit = [], tc.train_baseline
    monkeypatch.setattr(tc, "train_baseline", lambda *args: fits.append(args) or time.sleep(0.5) or fit(*args))
    monkeypatch.setattr(tc, "_BASELINES", {})
    config = tc.TextTrainConfig(seed=0, epochs=1)
    prepared = tc.prepare(small, config)
    got = []
    runs = [threading.Thread(target=lambda: got.append(tc.baseline_evaluation(prepared, config))) for _ in range(4)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert len(fits) == 1 and len(got) == 4 and all(scores is got[0] for scores in got)


def test_word_polarity_is_the_log_count_ratio_of_the_training_texts():
    # ids: 2 only in positive texts (twice in one: counted once), 3 only in negative, 4 in both, 5 never; 0 pads
    X = torch.tensor([[0, 2, 2, 4], [0, 0, 2, 4], [0, 0, 3, 4], [0, 3, 3, 4]])
    y = torch.tensor([1.0, 1.0, 0.0, 0.0])
    polarity = tc.word_polarity(X, y, vocab_size=6)
    pos = torch.tensor([1, 1, 3, 1, 3, 1.0])  # distinct tokens per positive text, one added to every count
    neg = torch.tensor([1, 1, 1, 3, 3, 1.0])
    expected = (pos / pos.sum()).log() - (neg / neg.sum()).log()
    expected[0] = 0.0
    assert torch.allclose(polarity, expected)
    assert polarity[2] > 0 > polarity[3] and polarity[4] == polarity[5] == 0.0


def test_the_embedding_starts_as_keras_with_each_words_polarity_first():
    prepared = tc.prepare(load_dataset("en-movies"), tc.TextTrainConfig(seed=0))
    vocab = prepared.tokenizer.vocab_size
    for start in (True, False):
        model = tc.build_model(prepared, tc.TextTrainConfig(polarity_start=start))
        weight = model.embedding.weight.detach()
        assert weight[0].abs().max() == 0.0  # padding
        assert weight[1:, 1:].abs().max() <= 0.05  # Keras' uniform start, not PyTorch's N(0, 1)
        polarity = tc.word_polarity(prepared.X_train, prepared.y_train, vocab)
        assert torch.equal(weight[:, 0], tc.POLARITY_SCALE * polarity) == start
    ids = prepared.tokenizer.word_index
    assert polarity[ids["wonderful"]] > 1.0 and polarity[ids["dull"]] < -1.0 and abs(polarity[ids["the"]]) < 0.2


def test_course_model_parameter_count():
    model = create_model("text-rnn", vocab_size=1000, embed_dim=64, hidden=64, cell="rnn")
    assert sum(p.numel() for p in model.parameters()) == 72_385
    assert tc.keras_params(model) == 72_321  # Keras' SimpleRNN keeps one bias vector, not two


@pytest.mark.parametrize(
    "cell, layers, bidirectional, fewer",
    [("rnn", 1, False, 64), ("lstm", 1, False, 4 * 64), ("lstm", 2, True, 2 * 2 * 4 * 64), ("gru", 2, True, 0)],
)
def test_keras_counts_one_bias_less_per_gate_except_in_a_gru(cell, layers, bidirectional, fewer):
    # Keras' GRU (reset_after=True, its default) keeps two bias vectors per gate, as PyTorch's does
    model = create_model(
        "text-rnn", vocab_size=50, embed_dim=8, hidden=64, cell=cell, layers=layers, bidirectional=bidirectional
    )
    assert sum(p.numel() for p in model.parameters()) - tc.keras_params(model) == fewer


def test_toy_set_is_learned_and_saved_with_its_vocabulary():
    dataset = load_dataset("toy")
    config = tc.TextTrainConfig(dataset="toy", cell="rnn", dropout=0.0)
    prepared = tc.prepare(dataset, config)
    assert prepared.maxlen == 5 and prepared.tokenizer.mode == "zh-char"
    model = tc.build_model(prepared, config)
    assert sum(p.numel() for p in model.parameters()) == 72_385
    tc.train(model, prepared, config)
    assert tc.evaluate(model, prepared).accuracy == 1.0
    loaded, meta = load_model(model_bytes(model, prepared.meta))
    for text in ("我喜欢深度学习", "机器学习很有趣", "一个没见过的句子"):
        assert tc.explain(model, prepared.meta, text).probability == tc.explain(loaded, meta, text).probability
    assert (
        tc.explain(loaded, meta, "机器学习很有趣").probability
        < 0.5
        < tc.explain(loaded, meta, "我喜欢深度学习").probability
    )


def test_a_small_real_subset_is_learned_far_above_chance():
    full = load_dataset("zh-reviews")
    small = TextDataset("zh-small", full.texts[:6000], full.labels[:6000], "zh")
    config = tc.TextTrainConfig(epochs=4, maxlen=60, seed=0)
    prepared = tc.prepare(small, config)
    model = tc.build_model(prepared, config)
    tc.train(model, prepared, config)
    rnn, bow = tc.evaluate(model, prepared), tc.evaluate(tc.train_baseline(prepared, config), prepared)
    assert rnn.accuracy > 0.62 and bow.accuracy > 0.62  # chance is about 0.5
    assert rnn.confusion.sum() == len(prepared.X_test)


def test_the_course_settings_train_on_three_ids_scored_as_training_accuracy():
    dataset = load_dataset("toy")
    config = dataclasses.replace(tc.COURSE_CONFIG, epochs=60)  # from Keras' small start: 40 epochs memorise
    prepared = tc.prepare(dataset, config)
    assert prepared.X_train.tolist() == [[0, 0, 0, 0, 1], [0, 0, 0, 0, 2], [0, 0, 0, 0, 3]]
    assert tc.scored_on(prepared) == "training" and not prepared.held_out
    model = tc.build_model(prepared, config)
    assert sum(p.numel() for p in model.parameters()) == 72_385
    tc.train(model, prepared, config)
    assert tc.evaluate(model, prepared).accuracy == 1.0  # memorised: three ids, three labels
    loved = tc.explain(model, prepared.meta, "我喜欢深度学习 新词")
    assert loved.tokens == ["我喜欢深度学习"] and loved.ids == [1] and loved.unknown == ["新词"]
    assert loved.probability > 0.5 and len(loved.contributions) == 1
    # occlusion without an OOV id: the token replaced by padding is the model reading an empty text
    empty = tc.probabilities(model, torch.zeros(1, 5, dtype=torch.long))[0]
    assert loved.contributions[0] == pytest.approx(loved.probability - empty, abs=1e-6)
    with pytest.raises(PlaygroundError, match="no OOV id"):
        tc.explain(model, prepared.meta, "一个没见过的句子")


def test_real_splits_are_held_out_and_alternative_tokenizers_fit_the_same_texts():
    full = load_dataset("en-movies")
    small = TextDataset("en-small", full.texts[:200], full.labels[:200], "en")
    prepared = tc.prepare(small, tc.TextTrainConfig(seed=3))
    assert prepared.held_out and tc.scored_on(prepared) == "test" and len(prepared.X_test) < tc.FEW_TEST_TEXTS
    keras = tc.fit_tokenizer(small, tc.TextTrainConfig(seed=3), "keras")
    train_idx, _val, test_idx = tc.split_indices(small, tc.TextTrainConfig(seed=3))
    assert not set(train_idx) & set(test_idx)
    assert keras.mode == "keras" and sum(keras.counts.values()) == sum(
        len(split(small.texts[i], "keras")) for i in train_idx
    )


@pytest.fixture(scope="module")
def toy_model():
    dataset = load_dataset("toy")
    config = tc.TextTrainConfig(dataset="toy", epochs=50)
    prepared = tc.prepare(dataset, config)
    model = tc.build_model(prepared, config)
    tc.train(model, prepared, config)
    return model, prepared.meta


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_gets_a_clear_answer(toy_model, text):
    with pytest.raises(PlaygroundError, match="Type some text"):
        tc.explain(*toy_model, text)


def test_long_emoji_and_mixed_text_get_answers(toy_model):
    long = tc.explain(*toy_model, "学" * 100_000)
    assert long.truncated > 0 and len(long.tokens) == 5
    emoji = tc.explain(*toy_model, "🙂🙂 👍")
    assert 0 <= emoji.probability <= 1 and set(emoji.unknown) == {"🙂", "👍"}
    mixed = tc.explain(*toy_model, "我喜欢 deep learning!")
    assert "deep" in mixed.unknown and len(mixed.prefix_probabilities) == len(mixed.tokens)
    assert len(mixed.contributions) == len(mixed.tokens)


def test_csv_upload_is_validated():
    good = "text,label\n" + "\n".join(f"review number {i},{'pos' if i % 2 else 'neg'}" for i in range(30))
    ds = read_csv(good.encode())
    assert ds.labels.sum() == 15 and ds.label_names == ("neg", "pos") and ds.language == "en"
    cases = [
        (b"text,label\n" + b"\n".join(b"x,%d" % (i % 3) for i in range(30)), "exactly two values"),
        (b"text,label\nhello,1\nbye,0\n", "at least 20"),
        (b"only one column\nabc\n", "two columns"),
        ("text,label\n" + "é,1\n" * 30).encode("latin-1"),
    ]
    for data, message in cases[:3]:
        with pytest.raises(PlaygroundError, match=message):
            read_csv(data)
    with pytest.raises(PlaygroundError, match="UTF-8"):
        read_csv(cases[3])
