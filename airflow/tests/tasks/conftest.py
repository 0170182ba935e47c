"""Tables the task tests of several categories share."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture()
def iris_like(harness) -> dict:
    rng = np.random.default_rng(0)
    n = 120
    species = np.array(["a", "b", "c"])[np.arange(n) % 3]
    width = np.where(species == "a", 1.0, np.where(species == "b", 3.0, 5.0)) + rng.normal(0, 0.3, n)
    return harness.table(pd.DataFrame({"width": width, "colour": np.where(species == "c", "red", "blue"),
                                       "species": species, "size": width * 2 + rng.normal(0, 0.1, n)}), "flowers")
