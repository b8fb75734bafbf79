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
