#!/usr/bin/env python3
"""Handwritten digits, a small reproducible pipeline recorded with the Reprise Python client.

Steps: load the 8x8 digits that ship with scikit-learn -> split into train/validation/test ->
standardise -> train a linear classifier with SGD epoch by epoch -> evaluate on the test set.
Every step's inputs and outputs are files under out/ (hashed by the client, so the pipeline DAG and
the reproduction report can tell bit-identical artifacts); per-epoch metrics are logged with the
epoch as the step. For a fixed seed the run is deterministic, so a rerun reproduces every metric
exactly; `reprise rerun RUN --set seed=7` diverges from the first epoch, and `--set lr_drop_epoch=5`
diverges at epoch 5, where the learning rate is first cut.

    PYTHONPATH=clients/python reprise run -- /usr/bin/python3 examples/digits/train.py
    PYTHONPATH=clients/python /usr/bin/python3 examples/digits/train.py      # without `reprise run`

Needs Debian's python3-sklearn (run it with /usr/bin/python3).
"""

import pathlib
import sys

try:
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import accuracy_score, f1_score, log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
except ImportError as missing:
    sys.exit(f"train.py: {missing}; install Debian's python3-sklearn and run with /usr/bin/python3")

try:
    import reprise
except ImportError:
    sys.exit("train.py: the reprise client is not importable; set PYTHONPATH=<reprise>/clients/python")

DEFAULTS = {
    "seed": 0,
    "epochs": 20,
    "lr": 0.01,
    "lr_drop_epoch": 12,  # from this epoch on the learning rate is lr / lr_drop_factor
    "lr_drop_factor": 10.0,
    "alpha": 0.0001,
    "test_size": 0.2,
    "validation_size": 0.2,
}

OUT = pathlib.Path("out")


def save(name, array):
    """np.save writes no timestamps, so equal arrays give bit-identical files (np.savez would not)."""
    path = OUT / name
    np.save(path, array, allow_pickle=False)
    return path


def main():
    OUT.mkdir(exist_ok=True)
    with reprise.start_run(project="digits", name="sgd-digits", params=DEFAULTS) as run:
        p = run.params
        seed = int(p["seed"])

        with run.step("load", outputs=[OUT / "features.npy", OUT / "labels.npy"], command="load_digits()"):
            digits = load_digits()
            save("features.npy", digits.data.astype(np.float64))
            save("labels.npy", digits.target.astype(np.int64))

        split_outputs = [OUT / f"{part}_{kind}.npy" for part in ("train", "val", "test") for kind in ("x", "y")]
        with run.step("split", inputs=[OUT / "features.npy", OUT / "labels.npy"], outputs=split_outputs,
                      params={"seed": seed, "test_size": p["test_size"], "validation_size": p["validation_size"]}):
            x = np.load(OUT / "features.npy")
            y = np.load(OUT / "labels.npy")
            x_rest, x_test, y_rest, y_test = train_test_split(
                x, y, test_size=float(p["test_size"]), random_state=seed, stratify=y)
            x_train, x_val, y_train, y_val = train_test_split(
                x_rest, y_rest, test_size=float(p["validation_size"]), random_state=seed, stratify=y_rest)
            for part, (xs, ys) in {"train": (x_train, y_train), "val": (x_val, y_val),
                                   "test": (x_test, y_test)}.items():
                save(f"{part}_x.npy", xs)
                save(f"{part}_y.npy", ys)
        run.log_dataset("digits-train", {f"pixel_{i}": x_train[:, i].tolist() for i in range(x_train.shape[1])},
                        role="train")

        scaled = [OUT / f"{part}_x_scaled.npy" for part in ("train", "val", "test")]
        with run.step("scale", inputs=[OUT / "train_x.npy", OUT / "val_x.npy", OUT / "test_x.npy"],
                      outputs=scaled):
            scaler = StandardScaler().fit(x_train)
            for part, xs in (("train", x_train), ("val", x_val), ("test", x_test)):
                save(f"{part}_x_scaled.npy", scaler.transform(xs))

        classes = np.arange(10)
        with run.step("train", inputs=[OUT / "train_x_scaled.npy", OUT / "train_y.npy", OUT / "val_x_scaled.npy"],
                      outputs=[OUT / "weights.npy"], params={"epochs": p["epochs"], "lr": p["lr"]}):
            xt = np.load(OUT / "train_x_scaled.npy")
            xv = np.load(OUT / "val_x_scaled.npy")
            model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=float(p["lr"]),
                                  alpha=float(p["alpha"]), random_state=seed, shuffle=False)
            order = np.random.RandomState(seed)
            for epoch in range(int(p["epochs"])):
                lr = float(p["lr"])
                if epoch >= int(p["lr_drop_epoch"]):
                    lr /= float(p["lr_drop_factor"])
                model.set_params(eta0=lr)
                permutation = order.permutation(len(xt))
                model.partial_fit(xt[permutation], y_train[permutation], classes=classes)
                run.log_metrics({
                    "train/loss": log_loss(y_train, model.predict_proba(xt), labels=classes),
                    "train/accuracy": accuracy_score(y_train, model.predict(xt)),
                    "val/loss": log_loss(y_val, model.predict_proba(xv), labels=classes),
                    "val/accuracy": accuracy_score(y_val, model.predict(xv)),
                    "lr": lr,
                }, step=epoch)
            save("weights.npy", np.hstack([model.coef_, model.intercept_[:, None]]))

        with run.step("evaluate", inputs=[OUT / "weights.npy", OUT / "test_x_scaled.npy", OUT / "test_y.npy"],
                      outputs=[OUT / "predictions.npy"]):
            xs = np.load(OUT / "test_x_scaled.npy")
            predictions = model.predict(xs)
            save("predictions.npy", predictions.astype(np.int64))
            run.log_metrics({"test/accuracy": accuracy_score(y_test, predictions),
                             "test/f1_macro": f1_score(y_test, predictions, average="macro")}, step=0)
        print(f"run {run.id}: test accuracy {accuracy_score(y_test, predictions):.4f}")


if __name__ == "__main__":
    main()
