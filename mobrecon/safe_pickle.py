"""Restricted unpickler for HandMesh's ``transform.pkl``, usable without scipy.

HandMesh stores its mesh hierarchy as a (latin-1) pickle of a dict of lists holding numpy arrays
and scipy sparse matrices. Unpickling it with :mod:`pickle` would (a) need scipy and (b) run any
callable the file names. :class:`RestrictedUnpickler` instead resolves every global through an
allow-list:

- the numpy reconstruction helpers (``_reconstruct``, ``ndarray``, ``dtype``, and ``_frombuffer``
  for pickles re-saved with protocol 5), under both the ``numpy.core`` and ``numpy._core`` names;
- ``copyreg._reconstructor`` (restricted to our stand-in classes) and ``builtins.object``, which
  protocol 0/1 pickles use to rebuild plain objects, and ``_codecs.encode`` (latin-1 only), which
  protocol 0-2 pickles written by Python 3 use for ``bytes``;
- the scipy sparse classes ``csc``/``csr``/``coo`` (``*_matrix`` and ``*_array``, under every module
  path scipy has used), mapped to :class:`PickledSparse` stand-ins holding only plain arrays.

Any other global raises :class:`~mobrecon.errors.UnsafePickleError` before anything runs; a
truncated or corrupt file raises :class:`~mobrecon.errors.TopologyError` naming the file.

Usage::

    data = load_restricted_pickle(Path("template/transform.pkl"))
    row, col, value = data["up_transform"][0].to_coo()
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon.errors import TopologyError, UnsafePickleError

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct

__all__ = [
    "PickledSparse",
    "PickledCSC",
    "PickledCSR",
    "PickledCOO",
    "RestrictedUnpickler",
    "load_restricted_pickle",
    "loads_restricted",
    "read_bytes",
]


# ---------------------------------------------------------------------------- frozen classes
class _FrozenClass(type):
    """Metaclass refusing attribute assignment on the class itself.

    The pickle ``BUILD`` opcode can set attributes on any object it holds, including the classes
    the allow-list hands out; freezing them keeps a hostile file from altering them (defence in
    depth: ``BUILD`` on the class already fails, since it calls the unbound ``__setstate__``).
    """

    def __setattr__(cls, name: str, value: Any) -> None:
        raise UnsafePickleError(f"the pickle tries to set {cls.__name__}.{name}, which the restricted unpickler refuses")

    def __delattr__(cls, name: str) -> None:
        raise UnsafePickleError(f"the pickle tries to delete {cls.__name__}.{name}, which the restricted unpickler refuses")


# ---------------------------------------------------------------------------- sparse stand-ins
class PickledSparse(metaclass=_FrozenClass):
    """Plain-array stand-in for a pickled scipy sparse matrix (no scipy needed).

    Attributes:
        format: ``"csc"``, ``"csr"`` or ``"coo"``.
        shape: (n_rows, n_cols).
        data: [nnz] stored values (dtype as pickled, e.g. float32).
        indices: [nnz] int, row indices (CSC) or column indices (CSR); empty for COO.
        indptr: [n_cols + 1] (CSC) or [n_rows + 1] (CSR) int offsets; empty for COO.
        row, col: [nnz] int coordinates, COO only (``None`` otherwise).
    """

    format = ""

    def __init__(self) -> None:
        self.shape: tuple[int, int] = (0, 0)
        self.data = np.zeros(0)
        self.indices = np.zeros(0, dtype=np.int64)
        self.indptr = np.zeros(0, dtype=np.int64)
        self.row: np.ndarray | None = None
        self.col: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        """Take scipy's pickled ``__dict__`` (``_shape``/``shape``, ``data``, ``indices``, ...)."""
        if not isinstance(state, dict):
            raise TopologyError(f"a pickled {self.format} matrix has a {type(state).__name__} state instead of a dict")
        PickledSparse.__init__(self)
        self.shape = _shape2(state.get("_shape", state.get("shape")), self.format)
        self.data = _numeric_array(state, "data", self.format)
        self._set_structure(state)

    def _set_structure(self, state: dict) -> None:
        """Read the index arrays of a compressed (CSC/CSR) matrix and check them."""
        self.indices = _numeric_array(state, "indices", self.format, integer=True)
        self.indptr = _numeric_array(state, "indptr", self.format, integer=True)
        n_major, n_minor = self._major_minor()
        nnz = self.data.shape[0]
        if self.indptr.shape[0] != n_major + 1 or self.indices.shape[0] != nnz:
            raise TopologyError(f"a pickled {self.format} matrix of shape {self.shape} has {self.indptr.shape[0]} offsets and {self.indices.shape[0]} indices for {nnz} values")
        if n_major and (self.indptr[0] != 0 or self.indptr[-1] != nnz or np.any(np.diff(self.indptr) < 0)):
            raise TopologyError(f"a pickled {self.format} matrix has invalid offsets (indptr)")
        if nnz and (self.indices.min() < 0 or self.indices.max() >= n_minor):
            raise TopologyError(f"a pickled {self.format} matrix has indices outside its shape {self.shape}")

    def _major_minor(self) -> tuple[int, int]:
        return self.shape

    def to_coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entries in scipy's ``.tocoo()`` order (stored order, nothing sorted or summed).

        Returns:
            (row [nnz] int64, col [nnz] int64, data [nnz] as stored).
        """
        n_major = self._major_minor()[0]
        major = np.repeat(np.arange(n_major, dtype=np.int64), np.diff(self.indptr.astype(np.int64)))
        minor = self.indices.astype(np.int64)
        return (minor, major, self.data) if self.format == "csc" else (major, minor, self.data)

    def dense(self) -> np.ndarray:
        """Dense [n_rows, n_cols] float64 array (duplicate entries summed)."""
        row, col, data = self.to_coo()
        out = np.zeros(self.shape, dtype=np.float64)
        np.add.at(out, (row, col), data.astype(np.float64))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape}, nnz={self.data.shape[0]}, dtype={self.data.dtype})"


class PickledCSC(PickledSparse):
    """Stand-in for ``scipy.sparse.csc_matrix``/``csc_array``: ``indptr`` runs over columns."""

    format = "csc"

    def _major_minor(self) -> tuple[int, int]:
        return self.shape[1], self.shape[0]


class PickledCSR(PickledSparse):
    """Stand-in for ``scipy.sparse.csr_matrix``/``csr_array``: ``indptr`` runs over rows."""

    format = "csr"


class PickledCOO(PickledSparse):
    """Stand-in for ``scipy.sparse.coo_matrix``/``coo_array`` (``row``/``col`` or ``coords``)."""

    format = "coo"

    def _set_structure(self, state: dict) -> None:
        if "coords" in state and isinstance(state["coords"], (tuple, list)) and len(state["coords"]) == 2:
            state = {"row": state["coords"][0], "col": state["coords"][1]}
        self.row = _numeric_array(state, "row", self.format, integer=True)
        self.col = _numeric_array(state, "col", self.format, integer=True)
        nnz = self.data.shape[0]
        if self.row.shape[0] != nnz or self.col.shape[0] != nnz:
            raise TopologyError(f"a pickled coo matrix has {self.row.shape[0]} rows and {self.col.shape[0]} columns for {nnz} values")
        for name, idx, bound in (("row", self.row, self.shape[0]), ("column", self.col, self.shape[1])):
            if nnz and (idx.min() < 0 or idx.max() >= bound):
                raise TopologyError(f"a pickled coo matrix has {name} indices outside its shape {self.shape}")

    def to_coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entries as stored: (row [nnz] int64, col [nnz] int64, data [nnz])."""
        assert self.row is not None and self.col is not None
        return self.row.astype(np.int64), self.col.astype(np.int64), self.data


def _shape2(value: Any, fmt: str) -> tuple[int, int]:
    """Validate a pickled 2-D shape tuple of non-negative ints."""
    if not isinstance(value, tuple) or len(value) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in value):
        raise TopologyError(f"a pickled {fmt} matrix has no valid 2-D shape (got {value!r})")
    return int(value[0]), int(value[1])


def _numeric_array(state: dict, key: str, fmt: str, integer: bool = False) -> np.ndarray:
    """Fetch ``state[key]`` as a 1-D numeric (or integer) ndarray, else raise TopologyError."""
    arr = state.get(key)
    kinds = "iu" if integer else "iufb"
    if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype.kind not in kinds:
        kind = "integer" if integer else "numeric"
        raise TopologyError(f"a pickled {fmt} matrix lacks a 1-D {kind} array {key!r}")
    return arr


# ---------------------------------------------------------------------------- allowed callables
_SPARSE_CLASSES: dict[str, type[PickledSparse]] = {"csc": PickledCSC, "csr": PickledCSR, "coo": PickledCOO}


class _Helper:
    """Callable handed to the unpickler: slots only, no ``__dict__``, so ``BUILD`` cannot alter it."""

    __slots__ = ()

    def __call__(self, *args: Any) -> Any:
        return self._impl(*args)

    @staticmethod
    def _impl(*args: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class _SafeDtype(_Helper):
    """``numpy.dtype(...)`` for the pickle's dtype calls, refusing object dtypes."""

    __slots__ = ()

    @staticmethod
    def _impl(*args: Any) -> np.dtype:
        dt = np.dtype(*args)
        if dt.hasobject:
            raise UnsafePickleError("the pickle asks for a numpy object-dtype array, which the restricted unpickler refuses")
        return dt


class _SafeFrombuffer(_Helper):
    """numpy's ``_frombuffer(buf, dtype, shape, order)`` (protocol-5 array pickles), plain dtypes only."""

    __slots__ = ()

    @staticmethod
    def _impl(buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
        if not isinstance(dtype, np.dtype) or dtype.hasobject:
            raise UnsafePickleError("the pickle asks for a numpy array from a buffer with a non-plain dtype, which the restricted unpickler refuses")
        return np.frombuffer(buf, dtype=dtype).reshape(shape, order=order)


class _SafeCodecsEncode(_Helper):
    """``_codecs.encode(text, "latin1")``: how Python 3 pickles bytes in protocols 0-2."""

    __slots__ = ()

    @staticmethod
    def _impl(text: Any, encoding: Any = "utf-8") -> bytes:
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            raise UnsafePickleError(f"the pickle calls _codecs.encode with encoding {encoding!r}, which the restricted unpickler refuses")
        return text.encode("latin1")


class _SafeReconstructor(_Helper):
    """``copyreg._reconstructor(cls, object, None)`` limited to our sparse stand-ins."""

    __slots__ = ()

    @staticmethod
    def _impl(cls: Any, base: Any, state: Any) -> Any:
        if cls not in _SPARSE_CLASSES.values() or base is not object or state is not None:
            raise UnsafePickleError(f"the pickle asks copyreg._reconstructor to build {getattr(cls, '__name__', cls)!r}, which the restricted unpickler refuses")
        return object.__new__(cls)


def _allowed_globals() -> dict[tuple[str, str], Any]:
    """The complete allow-list: (module, name) -> the object handed to the unpickler."""
    allowed: dict[tuple[str, str], Any] = {}
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(mod, "_reconstruct")] = _np_reconstruct
    for mod in ("numpy.core.numeric", "numpy._core.numeric"):
        allowed[(mod, "_frombuffer")] = _SafeFrombuffer()
    allowed[("numpy", "ndarray")] = np.ndarray
    allowed[("numpy", "dtype")] = _SafeDtype()
    for mod in ("copyreg", "copy_reg"):
        allowed[(mod, "_reconstructor")] = _SafeReconstructor()
    for mod in ("builtins", "__builtin__"):
        allowed[(mod, "object")] = object
    allowed[("_codecs", "encode")] = _SafeCodecsEncode()
    for fmt, cls in _SPARSE_CLASSES.items():
        modules = ("scipy.sparse", f"scipy.sparse.{fmt}", f"scipy.sparse._{fmt}", "scipy.sparse._arrays")
        for mod in modules:
            for kind in ("matrix", "array"):
                allowed[(mod, f"{fmt}_{kind}")] = cls
    return allowed


_ALLOWED = _allowed_globals()


# ---------------------------------------------------------------------------- the unpickler
class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves globals only through the module's allow-list.

    Args:
        file: binary file object holding the pickle.
        source: name used in error messages (usually the file name).
        **kwargs: passed to :class:`pickle.Unpickler` (e.g. ``encoding="latin1"``).
    """

    def __init__(self, file: io.BufferedIOBase, source: str = "the pickle", **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        """Return the allowed object for ``module.name`` or raise :class:`UnsafePickleError`."""
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self.source} asks for the global {module}.{name}, which the restricted unpickler refuses "
                "(only numpy arrays and scipy sparse matrices are allowed); nothing was executed"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        """Persistent ids are never legitimate in these files."""
        raise UnsafePickleError(f"{self.source} uses a persistent id, which the restricted unpickler refuses")


def loads_restricted(data: bytes, source: str = "the pickle", encoding: str = "latin1") -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`.

    Args:
        data: the pickle bytes.
        source: name for error messages.
        encoding: how Python-2 ``str`` objects are decoded (HandMesh files need ``latin1``).

    Raises:
        UnsafePickleError: if the pickle names a global outside the allow-list.
        TopologyError: if the pickle is truncated or corrupt.
    """
    try:
        return RestrictedUnpickler(io.BytesIO(data), source=source, encoding=encoding).load()
    except UnsafePickleError:
        raise
    except TopologyError as exc:
        raise TopologyError(f"{source} is corrupt: {exc}") from None
    except Exception as exc:  # truncated/corrupt pickles raise many types (EOFError, UnpicklingError, ...)
        raise TopologyError(f"{source} is not a readable pickle (truncated or corrupt: {type(exc).__name__}: {exc})") from None


def load_restricted_pickle(path: Path, encoding: str = "latin1") -> Any:
    """Read and unpickle ``path`` with the allow-list; see :func:`loads_restricted`.

    Raises:
        TopologyError: if the file is missing, unreadable, truncated or corrupt.
        UnsafePickleError: if it names a refused global.
    """
    path = Path(path)
    return loads_restricted(read_bytes(path), source=str(path), encoding=encoding)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing or unreadable file raises :class:`TopologyError` naming it."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise TopologyError(f"{path} does not exist") from None
    except OSError as exc:
        raise TopologyError(f"{path} cannot be read ({exc.strerror or exc})") from None

