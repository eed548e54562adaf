"""One soak-test writer: logs metrics through the Reprise Python client until a deadline.

Run by soak.py, either under `reprise run` (it then attaches to the wrapping run) or directly (it
creates its run). Everything it promises is written to its acknowledgement file, one line per
os.write() on an O_APPEND descriptor, and only after the client returned from the call that stored it,
so a SIGKILL at any moment leaves only complete promises behind (a torn last line is ignored):

    pid PID                   first, so the harness can kill this process
    run UUID                  the run exists
    params                    the params given to start_run and log_params are stored
    step NAME                 the pipeline step NAME is stored (status finished)
    killing self|parent       (with --kill-in-flush) a thread SIGKILLs this process or its `reprise run`
    flushing BATCH            about to call flush()
    ack BATCH K               flush() returned: the first K points of every series are stored
    finishing K               the loop is over; K points of every series were logged in all
    done K                    the run ended (finish() returned): exactly K points per series are stored

The series are deterministic (series_point), so the harness can check every stored value, not only
the count. Four keys: "loss" and "acc" logged together with log_metrics at step k, "auto" with
log_metric and no step (the client continues 0, 1, 2, ...), and "dup" twice per step (repeated steps
are legal and must both be kept, in logging order). NaN and +/-inf appear at fixed indexes.

--kill-in-flush T:TARGET:DELAY has a thread SIGKILL this process (TARGET self) or the `reprise run` that
wraps it (parent; the kernel then sends this process SIGTERM, mid-write) DELAY seconds after the first
flush() begun T seconds after start: a harness that polls files cannot hit a write of a millisecond.
"""

import argparse
import math
import os
import random
import signal
import sys
import threading
import time

KEYS = ("loss", "acc", "auto", "dup")


def series_point(seed, key, i):
    """(step, value) of the i-th point logged for `key` by the writer with `seed`."""
    if key == "dup":
        step = i // 2
    else:
        step = i
    if key == "loss" and i % 97 == 13:
        return step, math.nan
    if key == "acc" and i % 89 == 7:
        return step, math.inf
    if key == "dup" and i % 83 == 5:
        return step, -math.inf
    mixed = (seed * 1000003 + KEYS.index(key) * 7919 + i * 2654435761) % 4294967296
    return step, mixed / 4294967296.0 * 10.0 - 5.0 + 1.0 / (1 + step)


def series_count(key, k):
    """Points of `key` logged once k steps were logged."""
    return 2 * k if key == "dup" else k


class Acks:
    def __init__(self, path):
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def say(self, line):
        data = (line + "\n").encode()
        if os.write(self._fd, data) != len(data):  # a regular file: all or nothing, but say it if not
            raise OSError(f"short write of acknowledgement {line!r}")


def arm_kill(acks, target, delay):
    pid = os.getpid() if target == "self" else os.getppid()
    if target == "parent" and not os.environ.get("REPRISE_RUN_ID"):
        raise SystemExit("--kill-in-flush parent: not run by `reprise run`")
    acks.say(f"killing {target}")

    def kill():
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)

    threading.Thread(target=kill, name="soak-killer", daemon=True).start()


def main():
    started = time.monotonic()
    parser = argparse.ArgumentParser()
    parser.add_argument("--ack", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--db", help="database when not run under `reprise run`")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--kill-in-flush", help="T:self|parent:DELAY (see above)")
    args = parser.parse_args()
    acks = Acks(args.ack)
    acks.say(f"pid {os.getpid()}")

    import reprise  # on PYTHONPATH (clients/python)

    rng = random.Random(args.seed)
    deadline = started + args.seconds
    kill_after, kill_target, kill_delay = None, None, 0.0
    if args.kill_in_flush:
        when, kill_target, delay = args.kill_in_flush.split(":")
        kill_after, kill_delay = started + float(when), float(delay)
    prepared = os.path.join(args.workdir, f"{args.tag}.prepared")
    with reprise.start_run(project="soak", name=args.tag, db=args.db,
                           params={"seed": args.seed, "tag": args.tag, "lr": 0.01, "arch": {"layers": [64, 32]}},
                           tags={"soak": "1"}) as run:
        acks.say(f"run {run.id}")
        run.log_params({"phase": "train", "batch_max": 120})
        acks.say("params")
        with run.step("prepare", outputs=[prepared]):
            with open(prepared, "w", encoding="utf-8") as out:
                out.write(f"prepared by {args.tag}\n")
        acks.say("step prepare")
        k = 0
        batch = 0
        with run.step("train", inputs=[prepared], after=["prepare"], params={"batch_max": 120}):
            while time.monotonic() < deadline:
                n = rng.randint(1, 120)
                print(f"batch {batch} steps {k}-{k + n - 1}", flush=True)
                if batch % 7 == 3:
                    print(f"note {batch} on stderr", file=sys.stderr, flush=True)
                for step in range(k, k + n):
                    run.log_metrics({"loss": series_point(args.seed, "loss", step)[1],
                                     "acc": series_point(args.seed, "acc", step)[1]}, step=step)
                    run.log_metric("auto", series_point(args.seed, "auto", step)[1])
                    for i in (2 * step, 2 * step + 1):
                        s, v = series_point(args.seed, "dup", i)
                        run.log_metric("dup", v, step=s)
                k += n
                if kill_after is not None and time.monotonic() >= kill_after:
                    kill_after = None
                    arm_kill(acks, kill_target, kill_delay)
                acks.say(f"flushing {batch}")
                run.flush()
                acks.say(f"ack {batch} {k}")
                batch += 1
                time.sleep(rng.uniform(0.01, 0.06))
        acks.say("step train")
        acks.say(f"finishing {k}")
    acks.say(f"done {k}")
    print(f"done after {batch} batches, {k} steps", flush=True)


if __name__ == "__main__":
    main()
