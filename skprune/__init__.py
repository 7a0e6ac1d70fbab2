"""skprune: pick the rank of low-rank models by group Lasso, greedy pruning and
fine-tuning, as scikit-learn estimators."""

from .matrix_sensing import GroupLassoMatrixSensing
from .quadratic_net import QuadraticNetPruner

__all__ = ["GroupLassoMatrixSensing", "QuadraticNetPruner"]
__version__ = "0.1.0"
