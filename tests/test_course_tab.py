"""Every page's "The course's code" tab: both codes, the side-by-side count, the facts, and the export."""

import io
import zipfile

import pytest

from playground.lessons import LESSONS


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_the_tab_shows_the_course_code_beside_the_pytorch_and_the_facts(lesson, open_page):
    at = open_page(lesson.slug)
    assert at.tabs[-1].label.endswith("The course's code")
    code = [c.value for c in at.tabs[-1].code]
    assert any("keras" in c or "np." in c for c in code)  # the course's model (NumPy for the neuron)
    assert any("class " in c or "def forward" in c for c in code[1:])  # the code the page runs, from its source
    text = " ".join(m.value for m in at.tabs[-1].markdown)
    assert "Side by side" in text or lesson.slug == "backprop"


def test_the_exported_zip_holds_the_script_the_notebook_and_the_data(open_page):
    at = open_page("backprop", {"net.epochs": "5"})
    at.button(key="backprop.export.prepare").click().run()
    assert not at.exception and not at.error
    _digest, archive = at.session_state["backprop.export"]
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert {"backprop-experiment/backprop-experiment.py", "backprop-experiment/backprop-experiment.ipynb"} <= set(names)
    assert "backprop-experiment/points.csv" in names
    at.number_input(key="backprop.seed").set_value(3).run()  # new settings: the old export is not offered
    assert any("prepare it again" in c.value for c in at.caption)
