"""The sparse mesh-upsampling operator of one decoder level (a leaf module: the topology readers and
:mod:`mobrecon.topology` both build on it)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mobrecon.errors import TopologyError

__all__ = ["UpTransform"]


@dataclass(frozen=True, eq=False)
class UpTransform:
    """Sparse mesh-upsampling operator from a coarse level to the next finer one.

    Equivalent to ``out[b, row[k], :] += value[k] * x[b, col[k], :]`` summed over k, i.e. a
    dense ``[n_out, n_in]`` matrix. Entries are kept in the reference's order (scipy CSC:
    column-sorted, rows unsorted) so that the reference form reproduces it bit for bit.

    Attributes:
        row: [nnz] int64, output-vertex index of each entry.
        col: [nnz] int64, input-vertex index of each entry.
        value: [nnz] float32, weight of each entry (float32, as the reference stores it).
        shape: (n_out, n_in) vertex counts.
    """

    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    shape: tuple[int, int]

    @property
    def taps(self) -> int:
        """Entries per output row (3 for every published topology), or 0 if rows differ."""
        counts = np.bincount(self.row, minlength=self.shape[0])
        return int(counts[0]) if counts.size and np.all(counts == counts[0]) else 0

    def dense(self, dtype: np.dtype | type = np.float64) -> np.ndarray:
        """Dense ``[n_out, n_in]`` matrix, entries summed in float64 then cast to ``dtype``."""
        mat = np.zeros(self.shape, dtype=np.float64)
        np.add.at(mat, (self.row, self.col), self.value.astype(np.float64))
        return mat.astype(dtype)

    def gather3(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-row taps: (indices [n_out, k] int64, weights [n_out, k] float32), k = entries per row.

        Entries of a row keep their reference order (stable sort by row).

        Raises:
            TopologyError: if the rows do not all hold the same number of entries.
        """
        k = self.taps
        if k == 0:
            raise TopologyError("upsampling rows hold different numbers of entries; no fixed-tap form exists")
        order = np.argsort(self.row, kind="stable")
        return self.col[order].reshape(self.shape[0], k), self.value[order].reshape(self.shape[0], k)
