"""The server settings a classroom depends on."""

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def test_no_full_garbage_collection_after_every_rerun():
    # With it on, every session's once-a-second progress poll ran gc.collect(2) over torch's heap
    # while holding the interpreter lock: 8 students training stalled the server (issue 16).
    config = tomllib.loads(CONFIG.read_text())
    assert config["runner"]["postScriptGC"] is False
    assert "interpreter lock" in CONFIG.read_text()  # the reason stays next to the setting


def test_streamlit_reads_the_setting(monkeypatch):
    import streamlit.config as st_config

    monkeypatch.chdir(CONFIG.parent.parent)  # streamlit reads ./.streamlit/config.toml
    st_config.get_config_options(force_reparse=True, options_from_flags={})
    assert st_config.get_option("runner.postScriptGC") is False
