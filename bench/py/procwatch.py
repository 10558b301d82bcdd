"""Where the time of a call goes: CPU and scheduling of each process on its path.

The bench client names the processes of the path (its own, the RPC server,
the bridge daemons or RabbitMQ's Erlang VM) and takes a snapshot before and
after each phase. Per process, summed over its threads (from /proc):

- ``cpu_us``: time on a CPU (``/proc/<pid>/task/<tid>/schedstat`` field 1);
- ``wait_us``: time runnable but waiting for a CPU (field 2): the
  scheduling delay, which grows when the machine is busy;
- ``cs``: context switches (voluntary + involuntary), i.e. how often the
  process went to sleep or was pre-empted: every wake-up along the path is
  one of these;
- ``preempt``: the involuntary ones only.

Divided by the number of calls of the phase, these say which process spends
what per call, and how many hand-offs a call costs.
"""
import os

#: Fields of /proc/<pid>/task/<tid>/status counted as context switches.
_CS_FIELDS = ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:  # the thread or process went away between listing and reading
        return None


def _task_figures(task_dir):
    """(cpu_ns, wait_ns, voluntary, involuntary) of one thread, or None if it is gone."""
    sched = _read(task_dir + "/schedstat")
    status = _read(task_dir + "/status")
    if sched is None or status is None:
        return None
    cpu_ns, wait_ns = (int(x) for x in sched.split()[:2])
    cs = dict.fromkeys(_CS_FIELDS, 0)
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in cs:
            cs[key] = int(value)
    return cpu_ns, wait_ns, cs[_CS_FIELDS[0]], cs[_CS_FIELDS[1]]


def _group_pids(pgid):
    """Processes whose process group is ``pgid`` (RabbitMQ: the wrapper, beam.smp, helpers)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read("/proc/%s/stat" % name)
        if stat is None:
            continue
        # Fields after the command (which may hold spaces): state ppid pgrp ...
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 2 and fields[2] == str(pgid):
            pids.append(int(name))
    return pids


class ProcWatch:
    """Snapshots of named processes; ``specs`` are ``name=pid`` or ``name=pgid:<pgid>``."""

    def __init__(self, specs):
        self._targets = []
        for spec in specs:
            name, _, what = spec.partition("=")
            if not name or not what:
                raise ValueError("--watch takes name=pid or name=pgid:N, got %r" % spec)
            if what.startswith("pgid:"):
                self._targets.append((name, "pgid", int(what[5:])))
            else:
                self._targets.append((name, "pid", int(what)))

    def _pids(self, kind, value):
        return _group_pids(value) if kind == "pgid" else [value]

    def snapshot(self):
        """{name: {(pid, tid): figures}} for every named process, now."""
        out = {}
        for name, kind, value in self._targets:
            tasks = out.setdefault(name, {})
            for pid in self._pids(kind, value):
                try:
                    tids = os.listdir("/proc/%d/task" % pid)
                except OSError:
                    continue
                for tid in tids:
                    fig = _task_figures("/proc/%d/task/%s" % (pid, tid))
                    if fig is not None:
                        tasks[(pid, tid)] = fig
        return out

    @staticmethod
    def per_call(before, after, calls):
        """Per process: CPU, run-queue wait (us) and context switches per call between two snapshots.

        Threads that exist only in ``after`` count from zero (they started
        during the phase); threads gone by ``after`` are not counted.
        """
        out = {}
        n = max(calls, 1)
        for name, tasks in after.items():
            cpu = wait = vol = invol = 0
            old = before.get(name, {})
            for key, (c, w, v, i) in tasks.items():
                c0, w0, v0, i0 = old.get(key, (0, 0, 0, 0))
                cpu += c - c0
                wait += w - w0
                vol += v - v0
                invol += i - i0
            out[name] = {
                "cpu_us": round(cpu / 1000.0 / n, 1),
                "wait_us": round(wait / 1000.0 / n, 1),
                "cs": round((vol + invol) / n, 2),
                "preempt": round(invol / n, 2),
            }
        return out
