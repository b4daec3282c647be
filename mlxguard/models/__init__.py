"""Synthetic models: random weights in the shapes of real models, loadable by mlx-lm."""
