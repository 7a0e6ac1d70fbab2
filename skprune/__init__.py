"""skprune: pick the rank of low-rank models by group Lasso, greedy pruning and
fine-tuning, as scikit-learn estimators."""

from .matrix_sensing import GroupLassoMatrixSensing, GroupLassoMatrixSensingCV
from .path import group_lasso_path
from .quadratic_net import QuadraticNetPruner, QuadraticNetPrunerCV

__all__ = [
    "GroupLassoMatrixSensing",
    "GroupLassoMatrixSensingCV",
    "QuadraticNetPruner",
    "QuadraticNetPrunerCV",
    "group_lasso_path",
]
__version__ = "0.1.0"
