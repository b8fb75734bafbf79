"""The sentiment page through AppTest: text to numbers, training the toy set in the worker, explaining a sentence."""


def test_opens_on_english_reviews_showing_tokens_ids_and_padding(open_page):
    at = open_page("sentiment")
    assert any("English movie-review sentences" in c.value for c in at.caption)
    assert any("padded to maxlen=" in c.value for c in at.code)
    assert at.get("plotly_chart")  # the length histogram


def test_toy_set_trains_then_a_sentence_is_explained(open_page):
    at = open_page("sentiment")
    at.radio(key="sent.source").set_value("toy").run()
    at.selectbox(key="sent.cell").set_value("rnn").run()
    assert any("72,385 parameters" in m.value for m in at.markdown)  # the course's model
    assert any("would count **72,321**, 64 fewer" in m.value for m in at.markdown)  # Keras' one bias vector
    at.selectbox(key="sent.cell").set_value("gru").run()
    assert any("would count the same" in m.value for m in at.markdown)  # Keras' GRU keeps two
    at.selectbox(key="sent.cell").set_value("rnn").run()
    at.button(key="sent.job.start").click().run()
    at.session_state["sent.job"].join(120)
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "RNN training accuracy" in labels and "TF-IDF baseline training accuracy" in labels
    at.text_area(key="sent.text").input("我喜欢深度学习 😀").run()
    assert not at.exception
    assert any("probability of positive" in s.value for s in at.subheader)
    assert any("😀" in w.value for w in at.warning)  # the unknown token is named
    assert not any("answer means little" in w.value for w in at.warning)  # its own words: no notice
    at.text_area(key="sent.text").input("Terrible quality, it broke after two days.").run()
    assert not at.exception
    notice = "This model was trained on the course's three sentences; 100% of this text's tokens are unknown"
    warnings = [w.value for w in at.tabs[3].warning]  # the try tab's
    assert len(warnings) == 1 and warnings[0].startswith(notice), warnings  # one warning, not three
    assert not at.subheader  # no headline verdict for a text the model cannot read
    assert any("means little here" in m.value and "probability of positive" in m.value for m in at.markdown)
    assert any("broke, after, two, days" in c.value for c in at.caption)  # the unknown tokens it reads
    at.text_area(key="sent.text").input("   ").run()
    assert not at.exception and any("Type some text" in i.value for i in at.info)


def test_bad_csv_gets_one_sentence(open_page):
    at = open_page("sentiment")
    at.radio(key="sent.source").set_value("csv").run()
    at.file_uploader(key="sent.csv").upload("bad.csv", b"text,label\nok,1\nno,0\n", "text/csv").run()
    assert not at.exception
    assert "at least 20 are needed" in at.error[0].value


def test_the_course_settings_are_one_click_away_and_scored_as_training_accuracy(open_page):
    at = open_page("sentiment")
    at.button(key="sent.course").click().run()
    assert not at.exception
    expected = {
        "sent.source": "toy",
        "sent.mode.zh": "keras",
        "sent.num_words": 1000,
        "sent.maxlen": 5,
        "sent.cell": "rnn",
        "sent.hidden": 64,
        "sent.embed": 64,
    }
    assert {key: at.session_state[key] for key in expected} == expected
    assert any("72,385 parameters" in m.value for m in at.markdown)  # Embedding(1000, 64) → SimpleRNN(64) → Dense
    # the three tokenizers side by side: whitespace gives one token, one id, per sentence
    keras_block = next(c.value for c in at.code if "我喜欢深度学习\n[1]\n[0, 0, 0, 0, 1]" in c.value)
    assert "机器学习很有趣\n[2]\n[0, 0, 0, 0, 2]" in keras_block
    assert any("我 | 喜 | 欢 | 深 | 度 | 学 | 习" in c.value for c in at.code)  # characters
    assert any("no two share a word" in i.value for i in at.info)
    at.number_input(key="sent.epochs").set_value(2).run()
    at.button(key="sent.job.start").click().run()
    at.session_state["sent.job"].join(120)
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "RNN training accuracy" in labels and not any("test accuracy" in label for label in labels)
    assert any("training accuracy only shows" in w.value for w in at.warning)
    shown = [*at.markdown, *at.caption, *at.info, *at.warning]
    assert not any("test accuracy" in element.value for element in shown)


def test_a_model_file_saved_before_the_profile_says_the_check_is_unavailable(open_page):
    from playground.models import model_bytes
    from playground.text import classifier
    from playground.text.data import load_dataset

    config = classifier.TextTrainConfig(dataset="toy", epochs=5)
    prepared = classifier.prepare(load_dataset("toy"), config)
    model = classifier.build_model(prepared, config)
    old_meta = {k: v for k, v in prepared.meta.items() if k != "familiarity"}
    at = open_page("sentiment")
    at.file_uploader(key="sent.load").upload("old.pt", model_bytes(model, old_meta)).run()
    assert not at.exception
    at.text_area(key="sent.text").input("Terrible quality, it broke after two days.").run()
    assert not at.exception
    assert any("cannot be checked" in c.value for c in at.caption)
    assert not any("answer means little" in w.value for w in at.warning)
    assert any("probability of positive" in s.value for s in at.subheader)


def test_advice_after_a_gru_run_that_loses_to_the_baseline_does_not_suggest_a_gru(open_page):
    """One decisive word per text: the bag of words learns it; a GRU given one slow epoch cannot."""
    import numpy as np

    rng = np.random.default_rng(0)
    filler = ["the", "a", "film", "story", "plot", "actor", "scene", "music", "time", "long", "short", "old", "new"]
    rows = ["text,label"]
    for i in range(600):
        words = list(rng.choice(filler, 8)) + ["good" if i % 2 else "bad"]
        rng.shuffle(words)
        rows.append(f"{' '.join(words)},{i % 2}")
    at = open_page("sentiment")
    at.radio(key="sent.source").set_value("csv").run()
    at.file_uploader(key="sent.csv").upload("words.csv", "\n".join(rows).encode(), "text/csv").run()
    at.number_input(key="sent.epochs").set_value(1).run()
    at.select_slider(key="sent.lr").set_value(0.0003).run()
    assert at.selectbox(key="sent.cell").value == "gru"
    at.button(key="sent.job.start").click().run()
    at.session_state["sent.job"].join(120)
    at.run()
    assert not at.exception
    advice = next(w.value for w in at.warning if "does not beat the TF-IDF baseline" in w.value)
    assert "GRU" not in advice and "bidirectional" in advice and "train for more epochs" in advice


def test_the_verdict_names_the_bundled_classes_in_the_readers_language(open_page):
    from playground.i18n import language_of
    from playground.models import model_bytes
    from playground.text import classifier
    from playground.text.data import load_dataset, shown_labels

    with language_of("zh"):
        assert shown_labels(["negative", "positive"]) == ["负面", "正面"]
        assert shown_labels(["差评", "好评"]) == ["差评", "好评"]  # a CSV's own names are kept
    config = classifier.TextTrainConfig(dataset="toy", epochs=1)
    prepared = classifier.prepare(load_dataset("toy"), config)
    at = open_page("sentiment", {"lang": "zh"})
    model = classifier.build_model(prepared, config)
    at.file_uploader(key="sent.load").upload("toy.pt", model_bytes(model, prepared.meta)).run()
    at.text_area(key="sent.text").input("我喜欢深度学习").run()
    assert not at.exception
    verdict = at.subheader[0].value
    assert verdict.startswith(("负面", "正面")) and "negative" not in verdict and "positive" not in verdict
