"""Image classification: data preparation, training, evaluation, prediction and explanation."""
