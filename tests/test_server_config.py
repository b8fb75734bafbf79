"""The server settings a classroom depends on."""

from pathlib import Path

import streamlit.config as st_config

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def test_no_full_garbage_collection_after_every_rerun(monkeypatch):
    # With it on, every session's once-a-second progress poll ran gc.collect(2) over torch's heap
    # while holding the interpreter lock: 8 students training stalled the server (issue 16).
    monkeypatch.chdir(CONFIG.parent.parent)  # streamlit reads ./.streamlit/config.toml
    st_config.get_config_options(force_reparse=True, options_from_flags={})
    assert st_config.get_option("runner.postScriptGC") is False
    text = CONFIG.read_text()
    assert "postScriptGC = false" in text and "interpreter lock" in text  # the reason stays beside it


def test_the_server_process_is_prepared_for_a_class():
    import gc
    import logging
    import sys

    from playground.serving import SWITCH_INTERVAL_S, prepare_server_process

    before = sys.getswitchinterval()
    gc.unfreeze()  # as if no page had prepared this process yet (the page tests may have)
    sys.setswitchinterval(0.005)  # Python's default
    try:
        frozen = prepare_server_process()  # the imports and the freezing happen in a thread, off the first page
        assert frozen.wait(120)
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S  # a trainer gets the lock back within 0.5 ms
        assert gc.get_freeze_count() > 10_000  # torch's and the test's objects are out of full collections
        assert logging.getLogger("playground").handlers  # each run's times reach the server's output
    finally:
        sys.setswitchinterval(before)
        gc.unfreeze()
