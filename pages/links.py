"""Settings in the URL: a link opens the same experiment, and a widget offers what a link may set."""

from __future__ import annotations

import streamlit as st

from playground.i18n import _
from playground.share import from_query, limits, to_query


def settings_from_url(cls, prefix: str):
    """The page's settings from the URL, read once per session; later reruns keep the widgets'."""
    key = f"{prefix}.url_config"
    if key not in st.session_state:
        config, ignored = from_query(cls, st.query_params.to_dict(), prefix)
        st.session_state[key] = config
        if ignored:
            st.info(
                _(
                    "Some settings in the link were not understood or are out of range, and were left at their "
                    "defaults: {ignored}."
                ).format(ignored="; ".join(ignored))
            )
    return st.session_state[key]


def settings_to_url(config, prefix: str) -> None:
    """Reflect ``config`` in the URL so the link opens the same experiment."""
    wanted = to_query(config, prefix)
    current = {k: v for k, v in st.query_params.to_dict().items() if k.startswith(prefix + ".")}
    if current != wanted:
        for k in current:
            if k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)


def setting(where, widget: str, label: str, config, field: str, key: str, **kwargs):
    """A ``widget`` (a Streamlit element's name) for ``field`` of ``config``, opening at its value.

    Its options, or its lowest and highest value, are the ones the field was declared with
    (``playground.share.one_of`` / ``bounded``): the same limits a shared link is checked against.
    """
    value, allowed = getattr(config, field), limits(type(config), field)
    element = getattr(where, widget)
    if "choices" in allowed:
        options = list(allowed["choices"])
        if widget in ("selectbox", "radio"):
            return element(label, options, index=options.index(value), key=key, **kwargs)
        return element(label, options, value=value, key=key, **kwargs)
    if "range" in allowed:
        low, high = allowed["range"]
        return element(label, **({"min_value": low, "max_value": high, "value": value, "key": key} | kwargs))
    return element(label, value=value, key=key, **kwargs)
