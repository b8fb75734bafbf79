"""``python -m playground``: the experiments of the app, without a browser."""
