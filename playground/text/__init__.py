"""Text classification: Keras-style tokenizing and padding, recurrent models, a TF-IDF baseline (scikit-learn)."""
