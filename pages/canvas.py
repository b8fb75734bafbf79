"""A canvas to draw a digit or a shape on, for the CNN page."""

from __future__ import annotations

import base64
import binascii
import html

import streamlit as st

from playground.i18n import N_, _, language

_CANVAS_HTML = """
<div class="pg-canvas">
  <canvas width="280" height="280" aria-label="{label}"></canvas>
  <div class="pg-canvas-buttons">
    <button type="button" class="pg-use">{use}</button>
    <button type="button" class="pg-clear">{clear}</button>
  </div>
</div>
"""
_CANVAS_TEXT = {"label": N_("drawing canvas"), "use": N_("Classify the drawing"), "clear": N_("Clear")}
_CANVAS_CSS = """
.pg-canvas canvas { border: 1px solid var(--st-border-color, #ccc); border-radius: 6px; touch-action: none;
                    background: #fff; cursor: crosshair; }
.pg-canvas-buttons { margin-top: 6px; display: flex; gap: 8px; }
.pg-canvas-buttons button { padding: 4px 12px; border-radius: 6px; border: 1px solid #aaa; background: #f6f6f6;
                            cursor: pointer; }
"""
_CANVAS_JS = """
export default function(component) {
  const { parentElement, setStateValue } = component;
  const canvas = parentElement.querySelector("canvas");
  if (canvas.dataset.ready) return;
  canvas.dataset.ready = "1";
  const ctx = canvas.getContext("2d");
  const clear = () => { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  clear();
  ctx.lineWidth = 18; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#000";
  let drawing = false;
  const at = (e) => { const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; canvas.setPointerCapture(e.pointerId);
    const [x, y] = at(e); ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.1, y); ctx.stroke(); });
  canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const [x, y] = at(e);
    ctx.lineTo(x, y); ctx.stroke(); });
  canvas.addEventListener("pointerup", () => { drawing = false; });
  parentElement.querySelector(".pg-clear").onclick = () => { clear(); setStateValue("image", null); };
  parentElement.querySelector(".pg-use").onclick = () => setStateValue("image", canvas.toDataURL("image/png"));
}
"""
_canvases = {}  # one registered component per language, its buttons labelled in that language


def _canvas():
    lang = language()
    if lang not in _canvases:
        text = {part: html.escape(_(message)) for part, message in _CANVAS_TEXT.items()}
        _canvases[lang] = st.components.v2.component(
            f"playground_canvas_{lang}", html=_CANVAS_HTML.format(**text), css=_CANVAS_CSS, js=_CANVAS_JS
        )
    return _canvases[lang]


def drawing_canvas(key: str) -> bytes | None:
    """A 280×280 canvas to draw on (black ink on white); the PNG bytes once "Classify the drawing" is pressed."""
    result = _canvas()(key=key, on_image_change=lambda: None)
    data_url = getattr(result, "image", None)
    if not data_url or not str(data_url).startswith("data:image/png;base64,"):
        return None
    try:
        return base64.b64decode(str(data_url).split(",", 1)[1], validate=True)
    except (ValueError, binascii.Error):
        return None
