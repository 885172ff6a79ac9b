"""Helpers shared by EncDec's PyTorch comparison scripts (bench/peer).

These scripts are measuring tools: they run PyTorch on the same work as EncDec's `bench` commands so that a speed
claim can be checked as a ratio measured in one sitting. EncDec never imports or runs them.
Run them with Debian's interpreter, /usr/bin/python3 (see README.md here).
"""
import json
import os
import platform
import resource
import statistics
import sys

# EncDec's special ids (Vocabulary): PAD 0, BOS 1, EOS 2; the benches draw ordinary tokens from above them.
PAD, BOS, EOS = 0, 1, 2


def available_cpus():
    """CPUs this process may run on (what EncDec's thread pools use as well)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def set_threads(torch, threads):
    """Intra-op threads for PyTorch (default: every available CPU); returns the count in effect."""
    torch.set_num_threads(threads if threads and threads > 0 else available_cpus())
    return torch.get_num_threads()


def add_thread_flag(parser):
    parser.add_argument("--threads", type=int, default=0, help="PyTorch intra-op threads (default: all available CPUs)")


def peak_rss_mib():
    """Peak resident set of this process in MiB (getrusage ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def median(values):
    """Median as EncDec's benches take it (mean of the two middle values for an even count)."""
    return statistics.median(values)


def environment(torch):
    """What the numbers depend on: versions, threads, the CPU kernels PyTorch picked and the relevant variables."""
    capability = None
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            capability = line.split(":", 1)[1].strip()
    keys = ("OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY", "OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "cpu_capability": capability,
        "env": {k: os.environ[k] for k in keys if k in os.environ},
    }


def emit(record):
    """Prints one JSON line on stdout (the only thing the scripts print there)."""
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
