#!/usr/bin/env python3
"""Soak test: writers through `reprise run` and the Python client, a reader, SIGKILLs; nothing acknowledged lost.

    python3 tests/soak/soak.py --reprise build/bin/reprise [--rounds 2] [--writers 4] [--seconds 8]
                               [--seed 16] [--db-dir DIR] [--python PY] [--client-dir clients/python]

Each round starts N writers (tests/soak/writer.py) on one database, shared by every round: the even ones
(alternating each round) under `reprise run --db DB -- python3 writer.py`, the others creating their own run
with the Python client. Each logs four metric series in batches, prints output lines, records params, tags
and two pipeline steps, and writes an acknowledgement line only once the client call that stored something
returned (see writer.py). Meanwhile a reader loops over `reprise ls --json`, `reprise metrics` and
`reprise show` on random runs and SQLite's quick_check, and checks every history it reads against the
series the writers log (a damaged page or a point that appears and disappears would show). Some writers
are SIGKILLed: the wrapped Python process, the `reprise run` wrapper (whose child then gets SIGTERM) or
a client-only writer, at a time drawn from the seed or shortly after the writer announced that it is
finishing (so kills also land during the end of a run and the packing of its histories). The seed fixes
the schedule; what is asserted holds whatever the timing:

- PRAGMA integrity_check is ok and foreign_key_check empty after every round and at the end;
- every acknowledged point is stored, with its step and value (NaN and infinities included), and every
  stored history is a prefix of what its writer logged (no duplicate, no gap, no foreign point); a run
  that ended cleanly stores exactly what was logged; metric_latest's count equals the history length;
- acknowledged params and steps are stored; under a surviving `reprise run` every acknowledged batch's
  output line is in the run's stored output;
- after the database is next opened by `reprise`, no run of a dead writer is left `running`: a run
  whose process was SIGKILLed is `killed` (exit code 137 when `reprise run` saw its child die), a run
  that ended cleanly is `finished` with exit code 0 (a kill that arrived after the end was recorded
  leaves `finished`, with every point stored);
- the reader never fails (no lock error) and never sees a history shrink or a wrong point.

The last line on stdout is one JSON summary (rounds, kills, points acknowledged and stored, lost, ...).
Exit code 0 when every check held, 1 otherwise (the problems are listed on stderr and in the summary),
2 for usage errors. The database is kept when --db-dir is given or a check failed.
"""

import argparse
import collections
import contextlib
import ctypes
import json
import math
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, str(HERE))
import writer as series  # noqa: E402  (the writers' deterministic series)

# The schedule of this seed for the short soak (2 rounds x 4 writers, as CTest runs it) kills each target
# (the wrapped python, the `reprise run` wrapper, a client-only writer) inside a flush, the wrapped python and
# a client-only writer at a random time, and a wrapper while its writer finishes; two writers end cleanly.
DEFAULT_SEED = 251
CLI_TIMEOUT_S = 120.0  # a reprise command that takes longer than this is reported as hung
END_GRACE_S = 90.0  # a writer still alive this long after its deadline is reported as hung
PR_SET_CHILD_SUBREAPER = 36


def log(message):
    print(f"soak: {message}", file=sys.stderr, flush=True)


def same_value(stored, expected):
    value = float(stored) if isinstance(stored, str) else stored  # "nan", "inf", "-inf" in JSON
    if not isinstance(value, (int, float)):
        return False
    return (math.isnan(value) and math.isnan(expected)) or value == expected


class Problems:
    """Everything that failed, thread-safe (the reader reports from its thread)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.items = []

    def add(self, text):
        with self._lock:
            self.items.append(text)
        log(f"PROBLEM: {text}")


class Cli:
    def __init__(self, binary, db):
        self.binary = binary
        self.db = db

    def call(self, *args):
        """(exit code, stdout, stderr) of `reprise ARGS --db DB`; exit code None when it hung."""
        argv = [self.binary, *args[:1], "--db", self.db, *args[1:]]
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=CLI_TIMEOUT_S)
        except subprocess.TimeoutExpired as e:
            return None, e.stdout or b"", f"timed out after {CLI_TIMEOUT_S:.0f} s".encode()
        return done.returncode, done.stdout, done.stderr

    def json(self, *args):
        """(document, None) or (None, what went wrong)."""
        rc, out, err = self.call(*args, "--json")
        if rc != 0:
            return None, f"`reprise {' '.join(args)} --json` exited {rc}: {err.decode(errors='replace').strip()}"
        try:
            return json.loads(out), None
        except ValueError as e:
            return None, f"`reprise {' '.join(args)} --json` printed no JSON document ({e})"


class AckFile:
    """The complete lines of a writer's acknowledgement file (a torn last line is not a promise)."""

    def __init__(self, path):
        self.path = path
        self._offset = 0
        self._partial = b""
        self.pid = None
        self.run = None
        self.params = False
        self.steps = set()
        self.acked = 0  # steps of which every series' points are acknowledged
        self.flushes = 0  # "flushing" lines: flush() calls begun
        self.batches = 0  # "ack" lines: flush() calls returned
        self.killing = None  # the writer armed its own in-flush kill of "self" or "parent"
        self.last_batch = -1
        self.finishing = None
        self.done = None

    def read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return self
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            word, _, rest = line.decode().partition(" ")
            if word == "pid":
                self.pid = int(rest)
            elif word == "run":
                self.run = rest
            elif word == "params":
                self.params = True
            elif word == "step":
                self.steps.add(rest)
            elif word == "killing":
                self.killing = rest
            elif word == "flushing":
                self.flushes += 1
            elif word == "ack":
                batch, k = rest.split()
                self.batches += 1
                self.last_batch, self.acked = int(batch), max(self.acked, int(k))
            elif word == "finishing":
                self.finishing = int(rest)
            elif word == "done":
                self.done = int(rest)
                self.acked = max(self.acked, self.done)
        return self


class Writer:
    def __init__(self, round_no, index, rng, seconds, label):
        self.round = round_no
        self.index = index
        self.tag = f"soak-{label}-r{round_no}-w{index}"
        self.mode = "wrapped" if (index + round_no) % 2 == 0 else "direct"
        # Every draw is made whatever the branch, so one writer's plan never shifts the next one's.
        roll, trigger_roll, target_roll = rng.random(), rng.random(), rng.random()
        at_time, at_delay = rng.uniform(0.15, 0.85) * seconds, rng.uniform(0.0, 0.3)
        self.seed = rng.randrange(1, 2**31)
        self.kill = None  # None, "child" (the wrapped python), "wrapper" (`reprise run`), "process" (direct)
        # "time": `at` seconds after launch; "flush": `flush_delay` seconds into the first flush() begun `at`
        # seconds after the writer started (delivered by the writer itself: see writer.py); "finishing":
        # `at` seconds after the writer said it is finishing.
        self.trigger = None
        self.at = 0.0
        self.flush_delay = rng.uniform(0.0, 0.001)
        if roll >= 0.3:
            self.trigger = "finishing" if trigger_roll < 0.2 else "flush" if trigger_roll < 0.6 else "time"
            self.kill = ("child" if target_roll < 0.5 else "wrapper") if self.mode == "wrapped" else "process"
            self.at = at_delay if self.trigger == "finishing" else at_time
        self.proc = None
        self.launched = None
        self.kill_due = None
        self.kill_settled = self.kill is None
        self.killed = None  # what was actually SIGKILLed
        self.in_flush = False  # the kill landed between a "flushing" line and its "ack"
        self.orphans = []  # children of a killed wrapper, reparented to us
        self.rc = None

    def plan(self):
        if self.kill is None:
            return f"{self.tag} {self.mode}, not killed"
        when = {"time": f"{self.at:.2f} s after launch",
                "flush": f"{self.flush_delay * 1000:.2f} ms into the first flush after {self.at:.2f} s",
                "finishing": f"{self.at:.2f} s after 'finishing'"}[self.trigger]
        return f"{self.tag} {self.mode}, SIGKILL {self.kill} {when}"


def children_of(pid):
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
    return found


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def process_gone(pid):
    """True when pid is no process or only a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


class Reader(threading.Thread):
    """Loops over reading commands while the writers write; checks every history it reads."""

    def __init__(self, cli, db, seed, problems):
        super().__init__(name="soak-reader", daemon=True)
        self.cli = cli
        self.db = db
        self.rng = random.Random(seed)
        self.problems = problems
        self.stop = threading.Event()
        self.ready = threading.Event()  # set once a run exists (before it, there may be no database yet)
        self.calls = 0
        self.failures = 0
        self.lock_errors = 0
        self.quick_checks = 0
        self.points_read = 0
        self.seen = {}  # (run, key) -> points read last time
        self.listed = False  # a run was listed once

    def fail(self, what):
        self.failures += 1
        if "locked" in what or "busy" in what:
            self.lock_errors += 1
        self.problems.add(f"reader: {what}")

    def run(self):
        iteration = 0
        while not self.ready.is_set() and not self.stop.is_set():  # the first run is being created
            self.ready.wait(0.05)
        while not self.stop.is_set():
            iteration += 1
            self.calls += 1
            runs, error = self.cli.json("ls")
            if error:
                self.fail(error)
            elif not isinstance(runs, list):
                self.fail("`reprise ls --json` is not a list")
            elif runs:
                self.listed = True
                runs.sort(key=lambda r: r.get("id", ""))
                running = [r for r in runs if r.get("status") == "running"]
                # Mostly runs being written (and packed when they end), sometimes any earlier one.
                chosen = self.rng.choice(running if running and self.rng.random() < 0.75 else runs)
                self.read_run(chosen, iteration)
            if iteration % 4 == 0:
                self.quick_check()
            self.stop.wait(0.05)

    def read_run(self, chosen, iteration):
        run = chosen.get("id", "")
        try:
            seed = int(chosen.get("params", {}).get("seed"))
        except (TypeError, ValueError):
            seed = None
        self.calls += 1
        latest, error = self.cli.json("metrics", run)
        if error:
            return self.fail(error)
        keys = sorted(entry.get("key") for entry in latest if entry.get("key") in series.KEYS)
        if keys:
            key = self.rng.choice(keys)
            self.calls += 1
            history, error = self.cli.json("metrics", run, key)
            if error:
                return self.fail(error)
            steps, values = history.get("steps", []), history.get("values", [])
            if len(steps) != len(values) or len(steps) != len(history.get("times", [])):
                return self.fail(f"run {run} key {key}: steps, values and times of different lengths")
            before = self.seen.get((run, key), 0)
            if len(steps) < before:
                self.fail(f"run {run} key {key}: {len(steps)} points read after {before} before")
            self.seen[(run, key)] = len(steps)
            self.points_read += len(steps)
            if seed is not None:
                for i, (step, value) in enumerate(zip(steps, values)):
                    want_step, want_value = series.series_point(seed, key, i)
                    if step != want_step or not same_value(value, want_value):
                        self.fail(f"run {run} key {key}: point {i} read as ({step}, {value}), "
                                  f"logged as ({want_step}, {want_value})")
                        break
        if iteration % 3 == 0:
            self.calls += 1
            shown, error = self.cli.json("show", run)
            if error:
                self.fail(error)
            elif shown.get("id") != run:
                self.fail(f"`reprise show {run}` shows run {shown.get('id')}")

    def quick_check(self):
        self.quick_checks += 1
        try:
            conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=60)
            try:
                result = [row[0] for row in conn.execute("PRAGMA quick_check")]
            finally:
                conn.close()
        except sqlite3.Error as e:
            return self.fail(f"quick_check could not run: {e}")
        if result != ["ok"]:
            self.fail(f"quick_check: {result[:5]}")


class Soak:
    def __init__(self, args):
        self.args = args
        self.problems = Problems()
        self.writers = []
        self.readers = []
        self.subreaper = False
        self.current = []  # the writers of the round being run
        self.label = f"{args.seed}"

    # -- running a round ---------------------------------------------------------------------------
    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPRISE_")}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.args.client_dir), env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def launch(self, w):
        workdir = self.workdir
        w.ack_path = workdir / f"{w.tag}.ack"
        w.out_path = workdir / f"{w.tag}.out"
        w.err_path = workdir / f"{w.tag}.err"
        w.acks = AckFile(w.ack_path)
        command = [self.args.python, str(HERE / "writer.py"), "--ack", str(w.ack_path), "--tag", w.tag,
                   "--seed", str(w.seed), "--seconds", str(self.args.seconds), "--workdir", str(workdir)]
        if w.trigger == "flush":
            target = "parent" if w.kill == "wrapper" else "self"
            command += ["--kill-in-flush", f"{w.at!r}:{target}:{w.flush_delay!r}"]
        if w.mode == "wrapped":
            command = [self.args.reprise, "run", "--db", str(self.db), "--name", w.tag, "--project", "soak",
                       "--param", "mode=wrapped", "--", *command]
        else:
            command += ["--db", str(self.db)]
        with open(w.out_path, "wb") as out, open(w.err_path, "wb") as err:
            w.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=self.env,
                                      cwd=workdir)
        w.launched = time.monotonic()

    def try_kill(self, w):
        """SIGKILLs w's target, once it can be named; settles the kill either way."""
        if w.kill in ("wrapper", "process"):
            if w.proc.poll() is None:
                if w.kill == "wrapper":
                    w.orphans = children_of(w.proc.pid)
                os.kill(w.proc.pid, signal.SIGKILL)  # our child, not reaped yet: the pid is still it
                w.killed = w.kill
            w.kill_settled = True
            return
        pid = w.acks.pid
        if pid is None:
            if w.proc.poll() is not None:
                w.kill_settled = True  # the wrapper ended before its child said who it is
            return  # wait for the child to start
        if f"--tag {w.tag} " in cmdline(pid) + " ":
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                w.killed = "child"
        w.kill_settled = True

    def run_round(self, round_no, rng):
        writers = [Writer(round_no, i, rng, self.args.seconds, self.label) for i in range(self.args.writers)]
        self.current = writers
        for w in writers:
            log(f"round {round_no}: {w.plan()}")
        reader = Reader(self.cli, str(self.db), self.args.seed * 1000 + round_no, self.problems)
        if self.writers:
            reader.ready.set()
        reader.start()
        for w in writers:
            self.launch(w)
        hang_at = time.monotonic() + self.args.seconds + END_GRACE_S
        while True:
            now = time.monotonic()
            active = 0
            for w in writers:
                if w.rc is None:
                    w.rc = w.proc.poll()
                if not reader.ready.is_set() and w.acks.read().run is not None:
                    reader.ready.set()
                if not w.kill_settled:
                    w.acks.read()
                    if w.trigger == "flush":
                        if w.acks.killing:
                            w.killed = w.kill
                            if w.kill == "wrapper" and w.acks.pid:
                                w.orphans = [w.acks.pid]
                            w.kill_settled = True
                    elif w.kill_due is None:
                        if w.trigger == "time":
                            w.kill_due = w.launched + w.at
                        elif w.acks.finishing is not None:
                            w.kill_due = now + w.at
                    if w.kill_due is not None and now >= w.kill_due:
                        self.try_kill(w)
                    if w.rc is not None and not w.kill_settled:
                        w.kill_settled = True
                        if w.trigger == "flush" and w.acks.read().killing:
                            w.killed = w.kill
                if w.rc is None:
                    active += 1
            if not active:
                break
            if now > hang_at:
                for w in writers:
                    if w.rc is None:
                        self.problems.add(f"{w.tag}: still running {END_GRACE_S:.0f} s after its deadline; killed")
                        for pid in children_of(w.proc.pid):
                            with contextlib.suppress(OSError):
                                os.kill(pid, signal.SIGKILL)
                        w.proc.kill()
                        w.rc = w.proc.wait()
                break
            time.sleep(0.02)
        reader.stop.set()
        reader.join()
        if not reader.listed:
            self.problems.add(f"round {round_no}: the reader never listed a run")
        self.readers.append(reader)
        self.reap_orphans(writers)
        self.writers += writers
        return writers

    def reap_orphans(self, writers):
        """Waits for the children of killed wrappers (SIGTERMed by the kernel) to end, so that nothing
        writes while the round is checked."""
        orphans = {pid for w in writers for pid in w.orphans}
        deadline = time.monotonic() + self.args.seconds + END_GRACE_S
        while time.monotonic() < deadline:
            if self.subreaper:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)  # only orphans are left as our children now
                except ChildProcessError:
                    return
                if pid == 0:
                    time.sleep(0.05)
                continue
            if all(process_gone(pid) for pid in orphans):
                return
            time.sleep(0.05)
        self.problems.add(f"children of killed `reprise run` wrappers still alive: {sorted(orphans)}")

    # -- checking ----------------------------------------------------------------------------------
    def check_database(self, when):
        """Recovery by the next `reprise` open, then SQLite's own checks. Returns {name: [run]}."""
        runs, error = self.cli.json("ls")
        if error:
            self.problems.add(f"{when}: {error}")
            return {}
        try:
            conn = sqlite3.connect(str(self.db), timeout=60)
            try:
                integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
                foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
                self.pids = dict(conn.execute("SELECT uuid, pid FROM runs"))
            finally:
                conn.close()
        except sqlite3.Error as e:
            self.problems.add(f"{when}: the database cannot be checked: {e}")
            self.integrity_ok = False
            return {}
        if integrity != ["ok"]:
            self.integrity_ok = False
            self.problems.add(f"{when}: integrity_check: {integrity[:5]}")
        if foreign:
            self.integrity_ok = False
            self.problems.add(f"{when}: foreign_key_check: {foreign[:5]}")
        by_name = {}
        for run in runs:
            by_name.setdefault(run.get("name"), []).append(run)
        return by_name

    def verify(self, w, by_name, totals):
        problems = []
        acks = AckFile(w.ack_path).read()
        if w.killed in ("child", "process") and acks.finishing is None and acks.flushes > acks.batches:
            w.in_flush = True  # (a wrapper's kill lets its child go on until the SIGTERM lands)
        said = f"{w.tag} ({w.mode}, killed: {w.killed or 'no'}, exit {w.rc})"
        killed_rc = (128 + signal.SIGKILL, -signal.SIGKILL) if w.mode == "wrapped" else (-signal.SIGKILL,)
        clean = w.rc == 0
        if not clean and w.rc not in killed_rc:
            tail = w.err_path.read_bytes()[-1500:].decode(errors="replace").strip()
            problems.append(f"{said}: the writer failed: {tail}")
        runs = by_name.get(w.tag, [])
        if len(runs) > 1:
            problems.append(f"{said}: {len(runs)} runs carry its name")
        if not runs:
            if acks.run or acks.acked or clean or w.rc == 128 + signal.SIGKILL:
                problems.append(f"{said}: its run is not in the database")
            return problems
        run = runs[0]
        run_id = run["id"]
        totals["runs"] += 1
        if acks.run and acks.run != run_id:
            problems.append(f"{said}: the client said run {acks.run}, the database has {run_id}")
        shown, error = self.cli.json("show", run_id)
        if error:
            return problems + [f"{said}: {error}"]
        status, exit_code = shown.get("status"), shown.get("exit_code")
        complete_count = None  # when set, every series must hold exactly this many steps' points
        if status == "running":
            pid = self.pids.get(run_id)
            if pid and not process_gone(pid) and w.tag not in cmdline(pid):
                totals["pid_reused"] += 1  # the dead writer's pid now names another process: cannot tell
                log(f"{said}: left running, its recorded pid {pid} is now {cmdline(pid)[:80]!r}")
            else:
                problems.append(f"{said}: run {run_id} is still 'running' after `reprise ls` opened the database "
                                f"(recorded pid {pid}, {'gone' if pid and process_gone(pid) else 'alive'})")
        elif clean:
            if status != "finished" or exit_code != 0:
                problems.append(f"{said}: run {run_id} is {status} with exit code {exit_code}, not finished with 0")
            if acks.done is None:
                problems.append(f"{said}: ended with 0 without saying 'done'")
            complete_count = acks.done
        elif status == "finished":
            # A kill after the end was recorded: legal only if everything logged is stored.
            if acks.finishing is None or w.rc == 128 + signal.SIGKILL:
                problems.append(f"{said}: run {run_id} is 'finished' though its process was killed mid-run")
            complete_count = acks.finishing
        elif status != "killed":
            problems.append(f"{said}: run {run_id} is '{status}', not 'killed'")
        elif w.rc == 128 + signal.SIGKILL and exit_code != 128 + signal.SIGKILL:
            problems.append(f"{said}: run {run_id} killed with exit code {exit_code}, not 137")
        totals["status_" + str(status)] += 1
        outcome = f"{status}, exit code {exit_code}"

        params = shown.get("params", {})
        if acks.params and (params.get("seed") != w.seed or params.get("tag") != w.tag
                            or params.get("phase") != "train"):
            problems.append(f"{said}: acknowledged params not stored: {json.dumps(params)[:200]}")
        steps = {s.get("name"): s for s in shown.get("steps", [])}
        for name in sorted(acks.steps):
            step = steps.get(name)
            if not step or step.get("status") != "finished":
                problems.append(f"{said}: acknowledged step {name!r} not stored as finished")
            elif name == "train" and step.get("after") != ["prepare"]:
                problems.append(f"{said}: step 'train' stored after {step.get('after')}, not ['prepare']")
        if w.mode == "wrapped" and w.rc in (0, 128 + signal.SIGKILL):
            problems += self.verify_output(said, shown, acks, clean, totals)

        latest, error = self.cli.json("metrics", run_id)
        if error:
            return problems + [f"{said}: {error}"]
        counts = {entry.get("key"): entry.get("count") for entry in latest}
        for key in series.KEYS:
            acked = series.series_count(key, acks.acked)
            stored = 0
            if key in counts:
                history, error = self.cli.json("metrics", run_id, key)
                if error:
                    problems.append(f"{said}: {error}")
                    continue
                steps_, values = history.get("steps", []), history.get("values", [])
                stored = len(steps_)
                if counts[key] != stored or len(values) != stored:
                    problems.append(f"{said}: key {key}: latest count {counts[key]}, history of {stored} steps "
                                    f"and {len(values)} values")
                for i, (step, value) in enumerate(zip(steps_, values)):
                    want_step, want_value = series.series_point(w.seed, key, i)
                    if step != want_step or not same_value(value, want_value):
                        totals["wrong"] += stored - i
                        problems.append(f"{said}: key {key}: stored point {i} is ({step}, {value}), logged as "
                                        f"({want_step}, {want_value})")
                        break
            totals["acknowledged"] += acked
            totals["stored"] += stored
            totals["lost"] += max(0, acked - stored)
            totals["stored_unacknowledged"] += max(0, stored - acked)
            if stored < acked:
                problems.append(f"{said}: key {key}: {acked} points acknowledged, {stored} stored")
            if complete_count is not None and stored != series.series_count(key, complete_count):
                problems.append(f"{said}: key {key}: run ended with {series.series_count(key, complete_count)} "
                                f"points logged, {stored} stored")
            outcome += f"; {key} {acked}/{stored}"
        if self.verbose:
            log(f"{said}: run {run_id[:8]} {outcome} (points acknowledged/stored)")
        return problems

    def verify_output(self, said, shown, acks, clean, totals):
        """Under a `reprise run` that survived, the output printed before each acknowledgement is stored."""
        streams = {"stdout": "", "stderr": ""}
        for chunk in shown.get("output", []):
            streams[chunk.get("stream", "stdout")] = streams.get(chunk.get("stream", "stdout"), "") + chunk["data"]
        batches = [int(line.split()[1]) for line in streams["stdout"].splitlines() if line.startswith("batch ")]
        problems = []
        if batches != list(range(len(batches))):
            problems.append(f"{said}: stored output lines out of order or with gaps: batches {batches[:20]}...")
        if len(batches) <= acks.last_batch:
            problems.append(f"{said}: batch {acks.last_batch} acknowledged, output stored up to batch "
                            f"{len(batches) - 1}")
        notes = [int(line.split()[1]) for line in streams["stderr"].splitlines() if line.startswith("note ")]
        want_notes = [b for b in range(acks.last_batch + 1) if b % 7 == 3]
        if notes[:len(want_notes)] != want_notes:
            problems.append(f"{said}: stderr lines of acknowledged batches missing: {notes[:10]} vs {want_notes[:10]}")
        if clean and "done after" not in streams["stdout"]:
            problems.append(f"{said}: the last output line of a run that ended cleanly is not stored")
        totals["output_lines_checked"] += min(len(batches), acks.last_batch + 1) + len(want_notes)
        return problems

    def verify_all(self, writers, when, verbose):
        self.verbose = verbose
        by_name = self.check_database(when)
        totals = collections.Counter()
        if by_name:
            for w in writers:
                for problem in self.verify(w, by_name, totals):
                    self.problems.add(f"{when}: {problem}")
            ours = {w.tag for w in self.writers}
            strangers = sorted(name for name in by_name if name not in ours)
            if strangers:
                self.problems.add(f"{when}: runs no writer started: {strangers[:5]}")
        return totals

    # -- the whole soak ----------------------------------------------------------------------------
    def main(self):
        args = self.args
        started = time.monotonic()
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            self.subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        except (OSError, AttributeError):
            self.subreaper = False
        if args.db_dir:
            Path(args.db_dir).mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix="reprise-soak-", dir=args.db_dir))
        self.db = self.workdir / "soak.db"
        self.cli = Cli(args.reprise, str(self.db))
        self.env = self.environment()
        self.integrity_ok = True
        log(f"seed {args.seed}, {args.rounds} rounds x {args.writers} writers x {args.seconds:g} s; "
            f"database {self.db}")
        if not args.no_precreate:
            # Created (schema only) before the writers start: processes that create a new database at the
            # same moment can fail to open it, a known problem of its own (--no-precreate shows it).
            subprocess.run([args.python, "-c", "import sys, reprise; reprise.open_database(sys.argv[1]).close()",
                            str(self.db)], env=self.env, check=True)
        rng = random.Random(args.seed)
        for round_no in range(args.rounds):
            round_started = time.monotonic()
            writers = self.run_round(round_no, rng)
            checked = time.monotonic()
            totals = self.verify_all(writers, f"round {round_no}", True)
            kills = sum(1 for w in writers if w.killed)
            log(f"round {round_no}: {kills} kills, {totals['acknowledged']:,} points acknowledged, "
                f"{totals['stored']:,} stored, {totals['lost']} lost; {len(self.problems.items)} problems so far "
                f"(ran {checked - round_started:.1f} s, checked in {time.monotonic() - checked:.1f} s)")
        totals = self.verify_all(self.writers, "at the end", False)
        reads = {"calls": sum(r.calls for r in self.readers), "failures": sum(r.failures for r in self.readers),
                 "lock_errors": sum(r.lock_errors for r in self.readers),
                 "quick_checks": sum(r.quick_checks for r in self.readers),
                 "points_read": sum(r.points_read for r in self.readers)}
        kills = {}
        for w in self.writers:
            if w.killed:
                key = f"{w.killed}@{w.trigger}"
                kills[key] = kills.get(key, 0) + 1
        ok = not self.problems.items
        summary = {
            "soak": "reprise", "ok": ok, "seed": args.seed, "rounds": args.rounds, "writers": args.writers,
            "seconds": args.seconds, "runs": len(self.writers),
            "wrapped": sum(1 for w in self.writers if w.mode == "wrapped"),
            "direct": sum(1 for w in self.writers if w.mode == "direct"),
            "kills": sum(1 for w in self.writers if w.killed), "kills_by_target": dict(sorted(kills.items())),
            "kills_inside_a_flush": sum(1 for w in self.writers if w.in_flush),
            "runs_finished": totals["status_finished"], "runs_killed": totals["status_killed"],
            "runs_left_running": totals["status_running"],
            "points_acknowledged": totals["acknowledged"], "points_stored": totals["stored"],
            "points_stored_unacknowledged": totals["stored_unacknowledged"], "lost": totals["lost"],
            "wrong": totals["wrong"], "integrity": "ok" if self.integrity_ok else "FAILED",
            "output_lines_checked": totals["output_lines_checked"], "pid_reused": totals["pid_reused"],
            "reader": reads, "subreaper": self.subreaper, "elapsed_s": round(time.monotonic() - started, 1),
            "problems": self.problems.items[:20],
        }
        if ok and not args.db_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            log(f"database and writer files kept in {self.workdir}")
        print(json.dumps(summary), flush=True)
        return 0 if ok else 1


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reprise", default=os.environ.get("REPRISE_BIN"), help="the reprise binary ($REPRISE_BIN)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0, help="how long each writer logs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="fixes the kill schedule")
    parser.add_argument("--db-dir", help="keep the database and writer files in a new folder in DIR")
    parser.add_argument("--python", default=os.environ.get("REPRISE_TEST_PYTHON") or sys.executable,
                        help="interpreter of the writers")
    parser.add_argument("--no-precreate", action="store_true",
                        help="let the first round's writers create the database all at once")
    parser.add_argument("--client-dir", type=Path, default=HERE.parent.parent / "clients" / "python",
                        help="folder holding the reprise Python package")
    args = parser.parse_args(argv)
    if not args.reprise or not os.access(args.reprise, os.X_OK):
        parser.error("--reprise BIN (or $REPRISE_BIN): the reprise executable is needed")
    if not (args.client_dir / "reprise" / "__init__.py").is_file():
        parser.error(f"--client-dir {args.client_dir}: no reprise package there")
    if args.rounds < 1 or args.writers < 1 or args.seconds <= 0:
        parser.error("--rounds and --writers must be at least 1, --seconds positive")
    args.reprise = os.path.abspath(args.reprise)
    return args


if __name__ == "__main__":
    soak = Soak(parse_arguments(sys.argv[1:]))
    try:
        sys.exit(soak.main())
    except KeyboardInterrupt:
        for w in soak.current:
            with contextlib.suppress(Exception):
                w.proc.kill()
        raise
