"""Processor time used by a server's processes and by the bench's own, from /proc (Linux), so a run
can say where the machine's time went: the app's workers, bare Bolt's, or the clients."""

from __future__ import annotations

import os
from pathlib import Path


def tree(pid: int) -> list[int]:
    """`pid` and its descendants (a gunicorn master and its workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(p for child in children for p in tree(int(child)))]


def own() -> float:
    """Seconds of processor time (user and system) of this process, all its threads."""
    times = os.times()
    return times.user + times.system


def used(pid: int) -> float | None:
    """Seconds of processor time (user and system) of `pid`'s process tree; None where /proc is not
    there to say."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for one in tree(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            if one == pid:
                return None
            continue  # a worker that exited in between
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick
