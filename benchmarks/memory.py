"""Resident-memory probes of THIS process (not of one model): high-water mark and current RSS.

Both figures are per process. The high-water mark (``getrusage`` ``ru_maxrss``) only ever grows,
so it includes the interpreter, every imported library and every session measured earlier in the
same process: an upper bound for a model, not its own footprint. The current RSS (Linux
``/proc/self/statm``) lets the loop measure how much RSS grows while one session loads and runs,
which is closer to the model's own footprint, though an allocator reusing freed memory can hide
part of it. Device harnesses report their own equivalents (e.g. ``phys_footprint`` on iOS).
"""

from __future__ import annotations

import os
import sys

__all__ = ["peak_rss_mib", "current_rss_mib"]

_MIB = 1024.0 * 1024.0


def peak_rss_mib() -> float | None:
    """High-water resident set size of this process so far, MiB; None where unavailable."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return maxrss / _MIB if sys.platform == "darwin" else maxrss / 1024.0


def current_rss_mib() -> float | None:
    """Current resident set size of this process, MiB (Linux /proc); None where unavailable."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            resident_pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / _MIB
