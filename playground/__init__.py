"""Deep Learning Playground: PyTorch models, data and training for the app and the CLI.

This package never imports streamlit; the pages in ``pages/`` are thin layers over it.
"""

__version__ = "0.1.0"
