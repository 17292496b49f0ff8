"""Vectorised "who was on duty": picks an employee of a unit and role active on a given day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxray.demo.org import Employee


class StaffIndex:
    """Array view of the staff list, for picking thousands of employees at once."""

    def __init__(self, staff: list[Employee]) -> None:
        self.staff = staff
        self.ids = np.array([e.employee_id for e in staff], dtype=object)
        self.hired = np.array([e.hired for e in staff], dtype=float)
        self.left = np.array([np.inf if e.left is None else e.left for e in staff], dtype=float)
        self.quality = np.array([e.quality for e in staff])
        self.weight = np.array([e.weight if e.weight > 0 else 1.0 for e in staff])
        self.female = np.array([e.name.split(" ")[-1].endswith("івна") for e in staff])
        self.pools: dict[tuple[str, str], np.ndarray] = {}
        for i, e in enumerate(staff):
            key = (e.unit_id, e.role)
            self.pools[key] = np.append(self.pools.get(key, np.array([], dtype=int)), i)

    def pick(
        self,
        rng: np.random.Generator,
        units: np.ndarray,
        role: str,
        day: np.ndarray,
        weighted: bool = False,
    ) -> np.ndarray:
        """Index into ``staff`` of one ``role`` employee of ``units[i]`` working on ``day[i]``.

        Returns -1 where the unit has nobody in that role. If everyone in a unit happened to
        be between jobs that day, someone from the unit is picked anyway (a locum).
        """
        out = np.full(len(units), -1, dtype=int)
        codes, uniques = pd.factorize(units)
        u = rng.random(len(units))
        for k, unit in enumerate(uniques):
            pool = self.pools.get((unit, role))
            if pool is None:
                continue
            rows = np.flatnonzero(codes == k)
            d = day[rows][:, None]
            w = ((self.hired[pool] <= d) & (self.left[pool] > d)).astype(float)
            if weighted:
                w *= self.weight[pool]
            empty = w.sum(axis=1) == 0
            w[empty] = 1.0
            cum = np.cumsum(w, axis=1)
            choice = (cum < (u[rows] * cum[:, -1])[:, None]).sum(axis=1)
            out[rows] = pool[np.minimum(choice, len(pool) - 1)]
        return out

    def active(self, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether employee ``idx[i]`` (-1 = none) was employed on ``day[i]``."""
        safe = np.maximum(idx, 0)
        return (idx >= 0) & (self.hired[safe] <= day) & (self.left[safe] > day)
