#!/usr/bin/env python3
"""Writes the seed inputs of tests/fuzz/corpus/<harness>/seed-* (small files written here from the
formats in shared/fixtures/FORMATS.md, not copies of the fixtures). Running it again rewrites the
same bytes (the SQLite seed: with the same SQLite). Crash inputs (crash-*) are left as they are.

    python3 tests/fuzz/make_seeds.py
"""
import os
import sqlite3
import struct
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(harness, name, data):
    folder = os.path.join(CORPUS, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# --- TensorBoard: Event protobufs in TFRecord framing ----------------------------------------------

def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def record(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))


def event_payloads():
    wall = lambda t: field(1, 1, struct.pack("<d", t))
    simple = lambda tag, v: field(1, 2, field(1, 2, tag) + field(2, 5, struct.pack("<f", v)))
    shape = lambda *dims: field(2, 2, b"".join(field(2, 2, field(1, 0, varint(d))) for d in dims))
    double_tensor = field(1, 0, varint(2)) + shape() + field(4, 2, struct.pack("<d", 0.25))
    half_tensor = field(1, 0, varint(19)) + field(13, 0, varint(0x3C00))
    float_tensor = field(1, 0, varint(1)) + shape(1, 1) + field(5, 5, struct.pack("<f", 0.5))
    unknown_shape = field(1, 0, varint(2)) + shape(-1) + field(6, 1, struct.pack("<d", 1.0))
    tensor = lambda tag, t: field(1, 2, field(1, 2, tag) + field(8, 2, t))
    hparam = field(1, 2, field(1, 2, b"lr") + field(2, 2, field(2, 1, struct.pack("<d", 0.01))))
    hparam += field(1, 2, field(1, 2, b"opt") + field(2, 2, field(3, 2, b"adam")))
    hparam += field(1, 2, field(1, 2, b"bn") + field(2, 2, field(4, 0, varint(1))))
    plugin = field(1, 2, field(1, 2, b"hparams") + field(2, 2, field(3, 2, hparam)))
    hparams = field(1, 2, field(1, 2, b"_hparams_/session_start_info") + field(9, 2, plugin))
    return [
        wall(1.7e9) + field(3, 2, b"brain.Event:2"),
        wall(1.7e9 + 1) + field(2, 0, varint(1)) + field(5, 2, simple(b"loss", 0.9) + simple(b"acc", 0.5)),
        wall(1.7e9 + 2) + field(2, 0, varint(2))
        + field(5, 2, tensor(b"loss", double_tensor) + tensor(b"lr", half_tensor) + tensor(b"f", float_tensor)
                + tensor(b"u", unknown_shape)),
        wall(1.7e9 + 3) + field(5, 2, hparams),
        wall(float("nan")) + field(2, 0, varint(-1)) + field(5, 2, simple(b"loss", 0.1)),
    ]


def header_and_hparams_payloads():
    """Issue 24: a header whose wall_time is the run's start, hparams whose doubles have a shortest form."""
    wall = lambda t: field(1, 1, struct.pack("<d", t))
    number = lambda key, v: field(1, 2, field(1, 2, key) + field(2, 2, field(2, 1, struct.pack("<d", v))))
    hparam = number(b"eps_end", 0.2) + number(b"gamma", 0.99) + number(b"batch_size", 32.0)
    hparam += number(b"third", 1.0 / 3) + number(b"huge", 1e300) + number(b"nan", float("nan"))
    plugin = field(1, 2, field(1, 2, b"hparams") + field(2, 2, field(3, 2, hparam)))
    hparams = field(1, 2, field(1, 2, b"_hparams_/session_start_info") + field(9, 2, plugin))
    scalar = field(1, 2, field(1, 2, b"reward") + field(2, 5, struct.pack("<f", 1.5)))
    return [
        wall(1700000000.5) + field(3, 2, b"brain.Event:2"),
        wall(1700000000.5) + field(5, 2, hparams),
        wall(1700001260.0) + field(2, 0, varint(3)) + field(5, 2, scalar),
    ]


def tfevents():
    payloads = event_payloads()
    whole = b"".join(record(p) for p in payloads)
    write("tfevents", "seed-events", whole)
    write("tfevents", "seed-truncated", whole[:-7])
    # The harness frames "[length: 2 bytes][payload]..." itself: these reach the protobuf reader as is.
    write("tfevents", "seed-framed", b"".join(struct.pack("<H", len(p)) + p for p in payloads))
    later = header_and_hparams_payloads()
    write("tfevents", "seed-header-only", record(later[0]))
    write("tfevents", "seed-framed-header-only", struct.pack("<H", len(later[0])) + later[0])
    write("tfevents", "seed-framed-hparams-shortest", b"".join(struct.pack("<H", len(p)) + p for p in later))


# --- YAML as ML tools write it ---------------------------------------------------------------------

def yaml():
    write("yaml", "seed-mlflow-meta", "artifact_uri: file:///tmp/mlruns/1/abc/artifacts\nend_time: 1700000100000\n"
          "entry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: abc\nrun_name: bright-owl\n"
          "source_type: 4\nstart_time: 1700000000000\nstatus: 3\ntags: []\nuser_id: me\n")
    write("yaml", "seed-lightning-hparams", "lr: 0.001\nbatch_size: 32\nlayers: !!python/tuple\n- 64\n- 32\n"
          "optimizer:\n  name: adam\n  betas: [0.9, 0.999]\n  extra: {a: 1, b: [x, 'y, z']}\nnote: \"a # b\"\n")
    write("yaml", "seed-dvc-lock", "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n"
          "    - path: data\n      md5: 22a1a2931c8370d3aeedd7183606fd7f.dir\n      size: 14445097\n      nfiles: 2\n"
          "    params:\n      params.yaml:\n        train.lr: 0.01\n    outs:\n    - path: model.pkl\n"
          "      md5: 0b1d4ab4e9bf2a4e7b0b3b8dc2b4e1a1\n      size: 1878\n")
    write("yaml", "seed-typed-lists", "model:\n  hidden: [24, 24]\n  dropout:\n  - 0.2\n  - 0.50\n  - 1.\n  - .5\n"
          "  odd: [+7, -0, 007, 1e3, 1E-3, 99999999999999999999, .inf, .nan, ~, Null, TRUE, yes, '24', \"x\\ty\"]\n"
          "  nested: [{k: 1, j: [2.0, -3]}, [], {}]\n")
    write("yaml", "seed-block-scalars", "# comment\ndescription: |\n  line one\n  line two\nfolded: >\n  a\n  b\n"
          "list:\n- a\n- key: value\n  other: 2\nempty:\n---\nquoted: 'it''s'\n")


# --- Lightning and Keras CSV logs: "[metrics.csv rows after the header]\0[hparams.yaml]" ----------

def csv_logs():
    write("csv_logs", "seed", "epoch,step,loss\n0,1,0.5\n0,2,\n\0lr: 0.1\nlayers: !!python/tuple\n- 1\n")
    write("csv_logs", "seed-lightning-sparse", "0,49,0.9,,\n0,99,,0.75\n1,149.0,0.5,\"1,5\",\n1,nan,inf,-inf\n"
          "\0lr: 0.001\noptimizer:\n  name: adam\n")
    write("csv_logs", "seed-keras-restart", "epoch,accuracy,loss\r\n0,0.5,1.2\r\n1,0.6,0.9\r\n0,0.62,0.88\r\n"
          "epoch,accuracy,loss\r\n1,0.7,0.7\r\n")


# --- MLflow file store: "[experiment meta.yaml tail]\0[run meta.yaml]\0[metric file]\0[param]" --

def mlflow_files():
    write("mlflow_files", "seed", "name: e\n\0run_id: abc\nstatus: 3\nstart_time: 1\n\0001 0.5 0\n2 nan 1 ds d\n\0000.1")
    write("mlflow_files", "seed-full-run", "name: exp\nlifecycle_stage: active\n\0"
          "artifact_uri: file:///x\nend_time: 1700000100000\nlifecycle_stage: deleted\nrun_id: "
          "0123456789abcdef0123456789abcdef\nrun_name: r\nstart_time: 1700000000000\nstatus: 4\nuser_id: me\n\0"
          "1700000000000 0.5 0\n1700000000001 0.25 1\n1700000000002 -inf 2 train 1a2b\n1700000000003 0.1 -1\n\0adam")


# --- MLflow SQLite database: the file itself, or SQL that builds it -----------------------------------

MLFLOW_SCHEMA = """
PRAGMA page_size = 512;
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('7ac759974ad8');
CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256), artifact_location VARCHAR(256),
    lifecycle_stage VARCHAR(32));
INSERT INTO experiments VALUES (0, 'Default', 'mlruns/0', 'active'), (1, 'gone', 'mlruns/1', 'deleted');
CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20),
    source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9),
    start_time BIGINT, end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20),
    artifact_uri VARCHAR(200), experiment_id INTEGER);
INSERT INTO runs VALUES ('0123456789abcdef0123456789abcdef', 'r1', 'LOCAL', 'x', '', 'me', 'FINISHED',
    1700000000000, 1700000100000, 'abc123', 'active', 'mlruns/0/a/artifacts', 0);
INSERT INTO runs VALUES ('fedcba9876543210fedcba9876543210', '', 'LOCAL', 'x', '', '', 'RUNNING',
    NULL, NULL, '', 'deleted', '', 1);
CREATE TABLE metrics (key VARCHAR(250), value FLOAT, timestamp BIGINT, run_uuid VARCHAR(32), step BIGINT,
    is_nan BOOLEAN);
INSERT INTO metrics VALUES ('loss', 0.5, 1700000000000, '0123456789abcdef0123456789abcdef', 0, 0),
    ('loss', 0.25, 1700000000001, '0123456789abcdef0123456789abcdef', 1, 0),
    ('loss', 0, 1700000000002, '0123456789abcdef0123456789abcdef', 2, 1),
    ('acc', 1.7976931348623157e308, 1700000000003, '0123456789abcdef0123456789abcdef', -1, 0),
    ('loss', 5, 1, 'fedcba9876543210fedcba9876543210', 0, 0), ('loss', 5, 1, 'not-a-run', 0, 0);
CREATE TABLE latest_metrics (key VARCHAR(250), value FLOAT, timestamp BIGINT, step BIGINT, is_nan BOOLEAN,
    run_uuid VARCHAR(32));
INSERT INTO latest_metrics VALUES ('loss', 0, 1700000000002, 2, 1, '0123456789abcdef0123456789abcdef');
CREATE TABLE params (key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32));
INSERT INTO params VALUES ('lr', '0.01', '0123456789abcdef0123456789abcdef'),
    ('layers', '[64, 32]', '0123456789abcdef0123456789abcdef');
CREATE TABLE tags (key VARCHAR(250), value VARCHAR(5000), run_uuid VARCHAR(32));
INSERT INTO tags VALUES ('mlflow.runName', 'named', 'fedcba9876543210fedcba9876543210'),
    ('mlflow.parentRunId', '0123456789ABCDEF0123456789ABCDEF', 'fedcba9876543210fedcba9876543210'),
    ('mlflow.note.content', 'a note', '0123456789abcdef0123456789abcdef');
CREATE TABLE datasets (dataset_uuid VARCHAR(36), experiment_id INTEGER, name VARCHAR(500), digest VARCHAR(36),
    dataset_source_type VARCHAR(36), dataset_source TEXT);
INSERT INTO datasets VALUES ('d1', 0, 'train', 'f00d', 'local', 'file:///data/train.csv');
CREATE TABLE inputs (input_uuid VARCHAR(36), source_type VARCHAR(36), source_id VARCHAR(36),
    destination_type VARCHAR(36), destination_id VARCHAR(36));
INSERT INTO inputs VALUES ('i1', 'DATASET', 'd1', 'RUN', '0123456789abcdef0123456789abcdef');
CREATE TABLE input_tags (input_uuid VARCHAR(36), name VARCHAR(255), value VARCHAR(500));
INSERT INTO input_tags VALUES ('i1', 'mlflow.data.context', 'training');
"""


# MLflow 2.4+ datasets with their profile (issue 24: the row count is the profile's num_rows).
MLFLOW_PROFILE_SQL = MLFLOW_SCHEMA.replace("PRAGMA page_size = 512;\n", "").lstrip().replace(
    "dataset_source_type VARCHAR(36), dataset_source TEXT);",
    "dataset_source_type VARCHAR(36), dataset_source TEXT, dataset_schema TEXT, dataset_profile TEXT);").replace(
    "INSERT INTO datasets VALUES ('d1', 0, 'train', 'f00d', 'local', 'file:///data/train.csv');",
    "INSERT INTO datasets VALUES ('d1', 0, 'train', 'f00d', 'local', 'file:///data/train.csv', NULL,\n"
    "    '{\"num_rows\": 120, \"num_elements\": 600}'), ('d2', 0, 'spark', 'beef', 'spark', 'x', NULL,\n"
    "    '{\"approx_count\": 1e300}'), ('d3', 0, 'odd', 'cafe', 'local', 'y', NULL, '[\"num_rows\", -1]');").replace(
    "INSERT INTO inputs VALUES ('i1', 'DATASET', 'd1', 'RUN', '0123456789abcdef0123456789abcdef');",
    "INSERT INTO inputs VALUES ('i1', 'DATASET', 'd1', 'RUN', '0123456789abcdef0123456789abcdef'),\n"
    "    ('i2', 'DATASET', 'd2', 'RUN', '0123456789abcdef0123456789abcdef'),\n"
    "    ('i3', 'DATASET', 'd3', 'RUN', '0123456789abcdef0123456789abcdef');")


def mlflow_db():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mlflow.db")
        db = sqlite3.connect(path)
        db.executescript(MLFLOW_SCHEMA)
        db.commit()
        db.execute("VACUUM")
        db.close()
        with open(path, "rb") as f:
            write("mlflow_db", "seed-mlflow", f.read())
    # The same as SQL: the harness builds the database from it (CREATE TABLE and INSERT only).
    write("mlflow_db", "seed-mlflow-sql", MLFLOW_SCHEMA.replace("PRAGMA page_size = 512;\n", "").lstrip())
    write("mlflow_db", "seed-mlflow-sql-profiles", MLFLOW_PROFILE_SQL)


# --- DVC: "[dvc.yaml after 'stages:']\0[dvc.lock]\0[params.yaml]\0[plot .tsv]\0[metrics.json]" ------

def dvc():
    write("dvc", "seed", "  train:\n    cmd: [python t.py]\n    deps: [data]\n    outs: [model]\n\0schema: 2.0\n"
          "stages:\n  train:\n    deps:\n    - path: data\n      md5: aa\n\0a:\n  b: 1\n\0step\tloss\n0\t1.5\n")
    write("dvc", "seed-pipeline", "  prepare:\n    cmd: python prepare.py\n    deps:\n    - data/raw\n    outs:\n"
          "    - data/prepared\n  train:\n    cmd:\n    - python train.py\n    - echo done\n    deps:\n"
          "    - data/prepared/train.csv\n    outs:\n    - model.pkl\n  sweep:\n    foreach: [1, 2]\n"
          "    do:\n      cmd: echo ${item}\n\0schema: '2.0'\nstages:\n  prepare:\n    cmd: python prepare.py\n"
          "    deps:\n    - path: data/raw\n      md5: 153aad06d376b6595932470e459ef42a.dir\n      size: 8437363\n"
          "    outs:\n    - path: data/prepared\n      md5: f35d4cc2c552ac959ae602162b8543f3.dir\n      size: 2232588\n"
          "\0prepare:\n  split: 0.2\ntrain:\n  lr: 0.01\n\0step\ttimestamp\tloss\n0\t1700000000000\t0.9\n"
          "1\t1700000001000\t0.5\n\0{\"step\": 1, \"train\": {\"loss\": 0.5}, \"acc\": 0.91}")
    # Issue 24: list params, a summary beside its history, a second dvclive folder, a metric named step.
    write("dvc", "seed-dvclive-folds", "  train:\n    cmd: python train.py\n    deps: [data]\n    outs: [model]\n"
          "\0schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data\n"
          "      md5: 153aad06d376b6595932470e459ef42a.dir\n      size: 8437363\n"
          "\0model:\n  hidden: [24, 24]\n  dropout: [0.2, 0.5]\n\0timestamp\tstep\tloss\n1700000000000\t0\t0.9\n"
          "1700000001000\t1\t0.5\n\0{\"step\": 1, \"loss\": 0.5, \"val\": {\"obj_metric\": 0.75}}"
          "\0{\"step\": 2, \"train\": {\"step\": 30}}\0step\n10\n20\n30\n")


# --- W&B: Record protobufs in LevelDB log framing (zlib CRC-32 of the type byte, then the data) -----

def wandb_log(payloads):
    out = bytearray(b":W&B" + struct.pack("<HB", 0xBEE1, 0))
    for rec in payloads:
        pos, begin = 0, True
        while True:
            left = 32768 - len(out) % 32768
            if left < 7:
                out += b"\0" * left
                left = 32768
            n = min(len(rec) - pos, left - 7)
            end = pos + n == len(rec)
            kind = 1 if begin and end else 2 if begin else 4 if end else 3
            data = rec[pos:pos + n]
            out += struct.pack("<IHB", zlib.crc32(data, zlib.crc32(bytes([kind]))), n, kind) + data
            pos += n
            begin = False
            if end:
                break
    return bytes(out)


def wandb_payloads():
    def item(key, value, nested=False):
        return field(2 if nested else 1, 2, key) + field(16, 2, value)

    def history(*items):
        return field(2, 2, b"".join(field(1, 2, i) for i in items))

    config = field(1, 2, item(b"lr", b"0.01")) + field(1, 2, item(b"_wandb", b'{"cli_version": "0.16.0"}'))
    run = field(17, 2, field(1, 2, b"abc123xy") + field(3, 2, b"digits") + field(4, 2, config)
                + field(8, 2, b"bright-sun-7") + field(10, 2, b"sgd") + field(17, 2, field(1, 0, varint(1767268800))))
    rows = [history(item(b"_step", b"%d" % s), item(b"_timestamp", b"%d.5" % (1767268810 + s)),
                    item(b"loss", b"%r" % (1.0 / (s + 1))), item(b"val", b'{"acc": 0.5, "img": {"_type": "image-file"}}'),
                    item(b"acc", b"NaN" if s == 1 else b"-Infinity", True)) for s in range(3)]
    output = field(4, 2, field(1, 0, varint(1)) + field(2, 2, field(1, 0, varint(1767268811))) + field(3, 2, b"epoch 1\n"))
    summary = field(3, 2, field(1, 2, item(b"test_acc", b"0.93")) + field(2, 2, item(b"loss", b"")))
    exit_record = field(18, 2, field(1, 0, varint(1)) + field(2, 0, varint(42)))
    return [field(21, 2, b""), run] + rows + [output, summary, exit_record]


def wandb():
    payloads = wandb_payloads()
    whole = wandb_log(payloads)
    write("wandb", "seed-log", whole)
    write("wandb", "seed-truncated", whole[:-3])
    # A record spanning three blocks (FIRST, MIDDLE, LAST chunks).
    big = field(2, 2, field(1, 2, field(1, 2, b"text") + field(16, 2, b'"' + b"x" * 70000 + b'"')))
    write("wandb", "seed-spanning", wandb_log(payloads[:2] + [big] + payloads[2:]))
    # The harness frames "[length: 2 bytes][payload]..." itself: these reach the protobuf reader as is.
    write("wandb", "seed-framed", b"".join(struct.pack("<H", len(p)) + p for p in payloads))


if __name__ == "__main__":
    tfevents()
    yaml()
    csv_logs()
    mlflow_files()
    mlflow_db()
    dvc()
    wandb()
