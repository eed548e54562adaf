"""The client as the build ships it (REPRISE_BIN set, as CTest does): the wheel `reprise client --wheel`
names installs offline into a fresh virtual environment, logs a run there that the program reads; the
versions of the program, the wheel, the unpacked package and the source tree agree; the wheel carries
the schema files and no dependency, and the same sources build the same wheel bytes."""

import email.parser
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
CLIENT = HERE.parent
SOURCE = CLIENT.parent.parent
sys.path.insert(0, str(CLIENT))

import reprise  # noqa: E402

BIN = os.environ.get("REPRISE_BIN")
SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def offline_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "REPRISE_", "VIRTUAL_ENV", "PIP_"))}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1", **extra)
    return env


def run(*args, **kwargs):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@unittest.skipUnless(BIN, "needs the reprise binary (REPRISE_BIN) and the wheel built beside it")
class TestWheel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.wheel = pathlib.Path(run(BIN, "client", "--wheel").strip())
        cls.site = pathlib.Path(run(BIN, "client", "--site").strip())
        cls.version = run(BIN, "--version").strip().removeprefix("reprise ")

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="reprise-wheel-"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_versions_agree(self):
        self.assertRegex(self.version, r"^[0-9]+\.[0-9]+\.[0-9]+$")
        self.assertEqual(reprise.__version__, self.version)  # the source tree reads the CMake project
        self.assertEqual(self.wheel.name, f"reprise-{self.version}-py3-none-any.whl")
        built = run(SYSTEM_PYTHON, "-c", "import reprise; print(reprise.__version__, reprise.__file__)",
                    env=offline_env(PYTHONPATH=str(self.site)), cwd=self.tmp).split()
        self.assertEqual(built, [self.version, str(self.site / "reprise" / "__init__.py")])
        info = json.loads(run(BIN, "client", "--json"))
        self.assertEqual((info["version"], info["wheel"], info["site"], info["build_tree"]),
                         (self.version, str(self.wheel), str(self.site), True))

    def test_wheel_contents(self):
        with zipfile.ZipFile(self.wheel) as wheel:
            names = set(wheel.namelist())
            metadata = email.parser.Parser().parsestr(wheel.read(f"reprise-{self.version}.dist-info/METADATA").decode())
            shipped_schema = {n: wheel.read(n) for n in names if n.startswith("reprise/schema/")}
            version_file = wheel.read("reprise/_version.py").decode()
        self.assertEqual(metadata["Name"], "reprise")
        self.assertEqual(metadata["Version"], self.version)
        self.assertEqual(metadata["Requires-Python"], ">=3.9")
        self.assertIsNone(metadata["Requires-Dist"])  # standard library only
        self.assertIn(f'__version__ = "{self.version}"', version_file)
        schema = {f"reprise/schema/{p.name}": p.read_bytes() for p in (CLIENT / "reprise" / "schema").glob("*.sql")}
        self.assertEqual(shipped_schema, schema)
        modules = {f"reprise/{p.name}" for p in (CLIENT / "reprise").glob("*.py")}
        self.assertEqual({n for n in names if n.endswith(".py")}, modules | {"reprise/_version.py"})
        self.assertFalse([n for n in names if "__pycache__" in n or n.startswith("tests/")])
        # The unpacked package for the system interpreter is the wheel's content.
        self.assertEqual({p.name for p in (self.site / "reprise" / "schema").glob("*.sql")},
                         {pathlib.PurePath(n).name for n in schema})

    def test_fresh_venv_installs_offline_and_logs_a_run_the_program_reads(self):
        venv = self.tmp / "venv"
        run(SYSTEM_PYTHON, "-m", "venv", venv, env=offline_env())
        python = venv / "bin" / "python"
        out = run(python, "-m", "pip", "install", "--no-index", self.wheel, env=offline_env())
        self.assertIn(f"Successfully installed reprise-{self.version}", out)
        db = self.tmp / "runs.db"
        script = (
            "import sys, reprise\n"
            "assert reprise.__file__.startswith(sys.prefix), reprise.__file__\n"
            "with reprise.start_run(project='venv', name='offline', params={'lr': 0.5}) as run:\n"
            "    for step in range(10):\n"
            "        run.log_metric('loss', 1.0 / (step + 1), step=step)\n"
            "print(run.id, reprise.__version__, 'sklearn' in sys.modules, 'torch' in sys.modules)\n"
            "try:\n"
            "    reprise.torch.seed_everything(0)\n"
            "except ImportError as e:\n"
            "    print('torch:', e)\n")
        out = run(python, "-c", script, env=offline_env(REPRISE_DB=str(db)), cwd=self.tmp).splitlines()
        run_id, version, sklearn_loaded, torch_loaded = out[0].split()
        self.assertEqual((version, sklearn_loaded, torch_loaded), (self.version, "False", "False"))
        self.assertIn("needs PyTorch", out[1])  # a helper without its framework says what to install

        runs = json.loads(run(BIN, "ls", "--db", db, "--json"))
        self.assertEqual([(r["id"], r["project"], r["name"], r["status"]) for r in runs],
                         [(run_id, "venv", "offline", "finished")])
        self.assertEqual(runs[0]["params"], {"lr": "0.5"})
        history = json.loads(run(BIN, "metrics", run_id[:8], "loss", "--db", db, "--json"))
        self.assertEqual(history["steps"], list(range(10)))

        run(python, "-m", "pip", "uninstall", "-y", "reprise", env=offline_env())
        self.assertFalse(list((venv / "lib").glob("python3*/site-packages/reprise")))

    def test_client_command_finds_the_files_beside_the_program(self):
        # An installation under a prefix with a space: paths relative to the program, quoted for the shell.
        prefix = self.tmp / "my prefix"
        (prefix / "bin").mkdir(parents=True)
        shutil.copy2(BIN, prefix / "bin" / "reprise")
        (prefix / "share" / "reprise" / "python").mkdir(parents=True)
        shutil.copy2(self.wheel, prefix / "share" / "reprise" / "python")
        shutil.copytree(self.site, prefix / "lib" / "python3" / "dist-packages")
        program = prefix / "bin" / "reprise"
        wheel = prefix / "share" / "reprise" / "python" / self.wheel.name
        self.assertEqual(run(program, "client", "--wheel").strip(), str(wheel))
        text = run(program, "client")
        site = prefix / "lib" / "python3" / "dist-packages"
        self.assertIn(f"  PYTHONPATH='{site}' /usr/bin/python3 train.py\n", text)
        self.assertIn(f"python3 -m venv .venv && .venv/bin/python -m pip install --no-index '{wheel}'\n", text)
        self.assertIn(f"conda run -n ENV python -m pip install --no-index '{wheel}'\n", text)
        self.assertIn(f"  COPY {self.wheel.name} /tmp/\n", text)
        self.assertIn(f"  cp '{wheel}' . && docker build -t IMAGE .\n", text)
        self.assertNotIn("build tree", text)
        self.assertFalse(json.loads(run(program, "client", "--json"))["build_tree"])

        # Without them: an error naming what is missing and what to do, exit code 1.
        shutil.rmtree(prefix / "share")
        shutil.rmtree(prefix / "lib")
        done = subprocess.run([program, "client"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 1)
        self.assertEqual(done.stdout, "")
        self.assertIn(f"reprise: client: the Python client is not beside this program ({wheel} does not exist)",
                      done.stderr)
        self.assertIn("hint: reinstall the reprise package", done.stderr)

    def test_same_sources_same_wheel(self):
        out = []
        for i in range(2):
            wheel_dir = self.tmp / f"wheel{i}"
            run("cmake", f"-DSOURCE={CLIENT}", f"-DSTAGE={self.tmp / f'stage{i}'}", f"-DVERSION={self.version}",
                f"-DPYTHON={SYSTEM_PYTHON}", f"-DWHEEL_DIR={wheel_dir}", f"-DSITE_DIR={self.tmp / f'site{i}'}",
                "-P", SOURCE / "packaging" / "python" / "build_wheel.cmake", env=offline_env(SOURCE_DATE_EPOCH="315532800"))
            out.append((wheel_dir / self.wheel.name).read_bytes())
        self.assertEqual(out[0], out[1])
        self.assertEqual(out[0], self.wheel.read_bytes())  # what the build shipped, from these sources


if __name__ == "__main__":
    unittest.main()
