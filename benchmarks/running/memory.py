"""Resident-memory probes of THIS process (not of one model): high-water mark and current RSS.

Every figure is per process. ``peak_rss_mib`` is the high-water mark: since :func:`reset_peak`
where Linux allows resetting it (``/proc/self/clear_refs`` "5", then ``VmHWM``), else since the
process started (``getrusage`` ``ru_maxrss``), which then includes everything measured earlier.
The current RSS (``/proc/self/statm``) taken before a session loads, subtracted from the peak
after it ran, is the session's own footprint (load, warm-up, inference buffers, transient peaks
included). :func:`release_free_memory` hands memory the allocator keeps cached back to the OS
first (glibc ``malloc_trim``), so that a session cannot hide its footprint in memory an earlier one
freed. Device harnesses report their own equivalents (e.g. ``phys_footprint`` on iOS).
"""

from __future__ import annotations

import os
import sys

__all__ = ["peak_rss_mib", "current_rss_mib", "reset_peak", "release_free_memory"]

_MIB = 1024.0 * 1024.0


def _status_kib(field: str) -> float | None:
    """A ``kB`` field of /proc/self/status (e.g. "VmHWM"), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


_PEAK_RESET = False


def reset_peak() -> bool:
    """Reset this process's RSS high-water mark (Linux ``/proc/self/clear_refs``); True if it worked."""
    global _PEAK_RESET
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    _PEAK_RESET = True
    return True


def release_free_memory() -> None:
    """Return memory the C allocator keeps cached to the OS (glibc ``malloc_trim(0)``); no-op elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def peak_rss_mib() -> float | None:
    """High-water resident set size of this process, MiB: since the last :func:`reset_peak` where that
    worked (Linux ``VmHWM``), else since the process started; None where unavailable."""
    if _PEAK_RESET:
        hwm = _status_kib("VmHWM")
        if hwm is not None:
            return hwm / 1024.0
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
