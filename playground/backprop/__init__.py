"""Forward and backward propagation, number by number."""
