"""Fit a model and plot it, on conda-forge's native osx-arm64 stack."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import linalg
from sklearn.linear_model import Ridge


def main() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    target = frame @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=200)
    model = Ridge(alpha=1.0).fit(frame, target)
    print(model.coef_, linalg.norm(model.coef_))
    plt.scatter(target, model.predict(frame))
    plt.savefig("fit.png")


if __name__ == "__main__":
    main()
