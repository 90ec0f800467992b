"""The peak memory of this process alone.

`getrusage(RUSAGE_SELF).ru_maxrss` in a child counts the parent's resident set at the moment it
was spawned (Linux keeps the high-water mark across fork and exec): a 0.01 GB child of a 2.3 GB
harness reads 2.3 GB. /proc/self/status VmHWM is the peak of this process's own memory map.
"""

from pathlib import Path


def own_peak_rss_gb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024 / 1024  # kB
    raise RuntimeError("/proc/self/status has no VmHWM line: not Linux?")
