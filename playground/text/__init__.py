"""Text classification: Keras-style tokenizing and padding, recurrent models, a bag-of-words baseline."""
