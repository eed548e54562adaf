"""reprise.torch with the real PyTorch (Debian's python3-torch, run with /usr/bin/python3): parameter
counts, the state-dict hash as an artifact, seeding and the determinism tags, and what `reprise
verify` says about two seeded trainings (when REPRISE_BIN is set, as CTest does). CPU only."""

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import reprise  # noqa: E402

import numpy  # noqa: E402
import torch  # noqa: E402


def query(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def small_net():
    # 4*8 + 8 weights and biases, a BatchNorm (8 + 8 parameters, running stats and a counter as
    # buffers), 8*2 + 2: 74 parameters.
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def train(run, seed, deterministic=True, steps=15):
    """A seeded training on synthetic data; the loss per step and the model recorded."""
    reprise.torch.seed_everything(seed, run, deterministic=deterministic)
    model = small_net()
    data = torch.randn(64, 4)
    target = (data.sum(1) > 0).long()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        run.log_metric("loss", loss.item(), step=step)
    return reprise.torch.log_model(run, model, "model")


class TorchTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.tmp.name, "runs.db")
        self.saved = {k: os.environ.pop(k) for k in ("REPRISE_RUN_ID", "REPRISE_DB", "REPRISE_PARAMS",
                                                     "CUBLAS_WORKSPACE_CONFIG") if k in os.environ}
        self.threads = torch.get_num_threads()

    def tearDown(self):
        # seed_everything changes process-wide settings: put them back for the next test.
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.deterministic = False
        torch.set_num_threads(self.threads)
        os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
        os.environ.update(self.saved)
        self.tmp.cleanup()

    def tags(self, run_uuid):
        return dict(query(self.db, "SELECT t.key, t.value FROM tags t JOIN runs r ON r.id = t.run_id WHERE r.uuid = ?",
                          run_uuid))


class TestLogModel(TorchTestCase):
    def test_parameter_count_and_state_dict_hash(self):
        torch.manual_seed(0)
        model = small_net()
        model[0].weight.requires_grad_(False)  # 32 frozen
        with reprise.start_run(db=self.db) as run:
            digest = reprise.torch.log_model(run, model, "net")
        params = dict(query(self.db, "SELECT key, value FROM params"))
        self.assertEqual(params, {"net.class": "Sequential", "net.parameters": "74", "net.trainable_parameters": "42"})
        artifacts = query(self.db, "SELECT path, hash, size FROM artifacts")
        # 74 float32 parameters, 8 + 8 float32 running stats and one int64 counter.
        self.assertEqual(artifacts, [("torch:net/state_dict", digest, 74 * 4 + 16 * 4 + 8)])

        # The documented layout: per entry its name, then dtype, shape and the C-order bytes.
        h = hashlib.sha256()
        for name, tensor in model.state_dict().items():
            h.update(b"K" + name.encode() + b"\0")
            h.update(f"T{tensor.dtype}{tuple(tensor.shape)}\0".encode())
            h.update(tensor.detach().contiguous().numpy().tobytes())
        self.assertEqual(digest, "sha256:" + h.hexdigest())

        torch.manual_seed(0)
        self.assertEqual(reprise.torch.state_dict_digest(small_net().state_dict()), digest)
        torch.manual_seed(1)
        self.assertNotEqual(reprise.torch.state_dict_digest(small_net().state_dict()), digest)
        # One changed bit in one weight changes the hash.
        changed = model.state_dict()
        changed["3.bias"] = changed["3.bias"].clone()
        changed["3.bias"].view(torch.int32)[0] ^= 1
        self.assertNotEqual(reprise.torch.state_dict_digest(changed), digest)

    def test_other_dtypes(self):
        state = {"half": torch.ones(3, dtype=torch.float16), "bf16": torch.ones(2, 2, dtype=torch.bfloat16),
                 "mask": torch.tensor([True, False]), "empty": torch.zeros(0), "scalar": torch.tensor(2.5),
                 "step": 7}
        digest = reprise.torch.state_dict_digest(state)
        self.assertTrue(digest.startswith("sha256:"))
        self.assertEqual(reprise.torch.state_dict_digest(dict(state)), digest)
        state["bf16"] = torch.full((2, 2), 2.0, dtype=torch.bfloat16)
        self.assertNotEqual(reprise.torch.state_dict_digest(state), digest)


class TestDeterminism(TorchTestCase):
    def test_seed_everything_records_the_determinism_tags(self):
        with reprise.start_run(db=self.db) as run:
            returned = reprise.torch.seed_everything(3, run, threads=1)
            after = (random.random(), numpy.random.rand(), torch.rand(2))
        tags = self.tags(run.id)
        self.assertEqual(tags, returned)
        self.assertEqual(tags["determinism.seed"], "3")
        self.assertEqual(tags["determinism.deterministic_algorithms"], "true")
        self.assertEqual(tags["determinism.warn_only"], "false")
        self.assertEqual(tags["determinism.cudnn_deterministic"], "true")
        self.assertEqual(tags["determinism.cudnn_benchmark"], "false")
        self.assertEqual(tags["determinism.torch_threads"], "1")
        self.assertEqual(tags["determinism.torch_interop_threads"], str(torch.get_num_interop_threads()))
        self.assertEqual(tags["determinism.cublas_workspace_config"], ":4096:8")
        self.assertEqual(tags["determinism.repeat"], "identical")
        self.assertEqual(tags["determinism.check"], "passed")
        self.assertTrue(torch.are_deterministic_algorithms_enabled())
        # The check draws from its own generator: the global streams are as seeding left them.
        random.seed(3)
        numpy.random.seed(3)
        torch.manual_seed(3)
        self.assertEqual(after[0], random.random())
        self.assertEqual(after[1], numpy.random.rand())
        self.assertTrue(torch.equal(after[2], torch.rand(2)))

    def test_without_determinism_the_check_fails(self):
        tags = reprise.torch.seed_everything(0, deterministic=False)
        self.assertEqual(tags["determinism.deterministic_algorithms"], "false")
        self.assertTrue(tags["determinism.check"].startswith("failed: deterministic algorithms are off"),
                        tags["determinism.check"])
        torch.use_deterministic_algorithms(True, warn_only=True)
        self.assertEqual(reprise.torch.determinism_check()["determinism.check"],
                         "failed: deterministic algorithms only warn (warn_only=True)")
        with reprise.start_run(db=self.db) as run:
            logged = reprise.torch.log_determinism(run)
        self.assertEqual(self.tags(run.id), logged)

    def test_seeded_trainings_reproduce_and_the_report_shows_determinism(self):
        with reprise.start_run(project="t", name="a", db=self.db) as a:
            digest_a = train(a, seed=0)
        with reprise.start_run(project="t", name="b", db=self.db) as b:
            digest_b = train(b, seed=0)
        with reprise.start_run(project="t", name="c", db=self.db) as c:
            digest_c = train(c, seed=1, deterministic=False)
        self.assertEqual(digest_a, digest_b)
        self.assertNotEqual(digest_a, digest_c)
        if not os.environ.get("REPRISE_BIN"):
            return
        verify = [os.environ["REPRISE_BIN"], "verify", "--db", self.db]
        done = subprocess.run(verify + [a.id, b.id], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)  # reproduced
        self.assertIn("Bit-identical artifacts: torch:model/state_dict", done.stdout)
        self.assertIn("all 1 metrics are bit-identical", done.stdout)

        done = subprocess.run(verify + [a.id, c.id], capture_output=True, text=True)
        self.assertEqual(done.returncode, 3, done.stdout + done.stderr)  # diverged
        self.assertIn("Run B was not deterministic: deterministic algorithms are off", done.stdout)
        lines = [line.split() for line in done.stdout.splitlines()]
        self.assertIn(["environment", "determinism.deterministic_algorithms", "true", "→", "false"], lines)
        self.assertIn(["environment", "determinism.seed", "0", "→", "1"], lines)
        self.assertIn(["data", "artifact", "torch:model/state_dict", digest_a, "→", digest_c], lines)


if __name__ == "__main__":
    unittest.main()
