"""The CNN page's own classes: a zip of class folders, or an uploader per class made on the page."""

import streamlit as st

from pages.common import UPLOAD_MB, radio
from pages.tabs.classify_image import IMAGE_TYPES
from playground.data.decode import ClassImages, decode_image, read_class_zip
from playground.errors import PlaygroundError
from playground.i18n import _


def uploaded_classes() -> ClassImages | None:
    """Classes from a zip of folders, or made here one uploader per class; None until there are enough."""
    ways = {"zip": _("Upload a .zip with one folder per class"), "here": _("Create classes here")}
    how = radio(_("how"), ways, "cnn.own_how", show_label=False)
    if how == "zip":
        upload = st.file_uploader(_("zip of class folders"), type=["zip"], key="cnn.zip", max_upload_size=UPLOAD_MB)
        if upload is None:
            st.info(
                _("A zip such as cats/1.jpg, cats/2.jpg, dogs/1.jpg …: one folder per class, at least 3 images each.")
            )
            return None
        try:
            classes = read_class_zip(upload.getvalue())
        except PlaygroundError as exc:
            st.error(str(exc))
            return None
    else:
        classes = ClassImages()
        count = st.number_input(_("number of classes"), 2, 10, 2, key="cnn.own_count")
        for i, col in enumerate(st.columns(int(count))):
            default = _("class {n}").format(n=i + 1)
            name = col.text_input(_("class name"), default, key=f"cnn.own_name{i}").strip() or default
            files = col.file_uploader(
                _("images"),
                type=IMAGE_TYPES,
                accept_multiple_files=True,
                key=f"cnn.own_files{i}",
                max_upload_size=UPLOAD_MB,
            )
            for f in files or []:
                try:
                    classes.images.setdefault(name, []).append(decode_image(f.getvalue(), name=f.name))
                except PlaygroundError as exc:
                    classes.skipped.append(str(exc))
    try:
        classes.validate()
    except PlaygroundError as exc:
        st.info(str(exc))
        return None
    for line in classes.skipped[:5]:
        st.warning(_("Left out: {reason}").format(reason=line))
    return classes
