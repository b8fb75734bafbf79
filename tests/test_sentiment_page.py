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
    at.button(key="sent.job.start").click().run()
    at.session_state["sent.job"].join(120)
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "RNN test accuracy" in labels and "bag-of-words accuracy" in labels
    at.text_area(key="sent.text").input("我喜欢深度学习 😀").run()
    assert not at.exception
    assert any("probability of positive" in s.value for s in at.subheader)
    assert any("😀" in w.value for w in at.warning)  # the unknown token is named
    at.text_area(key="sent.text").input("   ").run()
    assert not at.exception and any("Type some text" in i.value for i in at.info)


def test_bad_csv_gets_one_sentence(open_page):
    at = open_page("sentiment")
    at.radio(key="sent.source").set_value("csv").run()
    at.file_uploader(key="sent.csv").upload("bad.csv", b"text,label\nok,1\nno,0\n", "text/csv").run()
    assert not at.exception
    assert "at least 20 are needed" in at.error[0].value
