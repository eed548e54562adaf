"""PyTorch helpers: a model's size and content hash, seeding, and a determinism check as tags.

    import reprise, reprise.torch
    with reprise.start_run(project="mnist", name="cnn") as run:
        reprise.torch.seed_everything(0, run)        # seeds, deterministic algorithms, tags
        model = Net(); train(model)
        reprise.torch.log_model(run, model, "model") # parameter count + state-dict hash

The hash lets a reproduction report say whether two runs trained bit-identical weights; the
determinism tags ("determinism.*") say whether a run asked for reproducible execution, which the
report shows when two runs differ in them or diverge. torch is imported only when a helper runs.
"""

import hashlib
import os
import random

__all__ = ["log_model", "state_dict_digest", "seed_everything", "determinism_check", "log_determinism"]

# cuBLAS needs one of these for deterministic results on CUDA >= 10.2 (PyTorch's "Reproducibility" notes).
_CUBLAS_DETERMINISTIC = (":4096:8", ":16:8")


def _torch():
    try:
        import torch
    except ImportError as missing:
        raise ImportError(f"reprise.torch needs PyTorch ({missing}); install it in this environment "
                          "(Debian: python3-torch)") from None
    return torch


def _tensor_bytes(tensor):
    """The tensor's elements as bytes, in C order on the CPU (any dtype, bfloat16 included)."""
    torch = _torch()
    flat = tensor.detach().to("cpu").contiguous().reshape(-1)
    if flat.numel() == 0:
        return b""
    return flat.view(torch.uint8).numpy().tobytes()


def state_dict_digest(state_dict):
    """"sha256:<hex>" over a state dict: per entry in its order, the name, then for a tensor its dtype,
    shape and element bytes (C order, CPU), for anything else (e.g. a BatchNorm counter kept as a
    number, optimizer settings) its repr. Two bit-identical models give the same digest."""
    torch = _torch()
    h = hashlib.sha256()
    for name, value in state_dict.items():
        h.update(b"K" + str(name).encode() + b"\0")
        if isinstance(value, torch.Tensor):
            h.update(f"T{value.dtype}{tuple(value.shape)}\0".encode())
            h.update(_tensor_bytes(value))
        else:
            h.update(b"V" + repr(value).encode() + b"\0")
    return "sha256:" + h.hexdigest()


def log_model(run, model, name="model"):
    """Records a torch.nn.Module on `run`: params "<name>.class", "<name>.parameters" (count of
    elements of all parameters) and "<name>.trainable_parameters", and the artifact
    "torch:<name>/state_dict" whose hash is state_dict_digest(model.state_dict()) and whose size is
    the bytes hashed. Returns the digest."""
    state = model.state_dict()
    parameters = list(model.parameters())
    total = sum(p.numel() for p in parameters)
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    size = sum(v.numel() * v.element_size() for v in state.values() if hasattr(v, "element_size"))
    digest = state_dict_digest(state)
    run.log_params({f"{name}.class": type(model).__name__, f"{name}.parameters": int(total),
                    f"{name}.trainable_parameters": int(trainable)})
    run.log_artifact(f"torch:{name}/state_dict", digest=digest, size=size)
    return digest


def _seed_all(seed):
    random.seed(seed)
    try:
        import numpy
    except ImportError:
        numpy = None
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
    torch = _torch()
    torch.manual_seed(seed)  # also every CUDA device's generator
    return numpy is not None


def _repeat_check(torch):
    """Runs a small seeded computation (random init, matmul, convolution, reduction, backward) twice
    and says whether both gave bit-identical results."""
    results = []
    for _ in range(2):
        generator = torch.Generator().manual_seed(1234)
        x = torch.randn(4, 3, 16, 16, generator=generator, requires_grad=True)
        weight = torch.randn(8, 3, 3, 3, generator=generator, requires_grad=True)
        y = torch.nn.functional.conv2d(x, weight, padding=1)
        z = (y.flatten(1) @ torch.randn(y.flatten(1).shape[1], 5, generator=generator)).softmax(1).sum()
        z.backward()
        results.append((z.detach().clone(), x.grad.clone(), weight.grad.clone()))
    return all(torch.equal(a, b) for a, b in zip(results[0], results[1]))


def determinism_check():
    """What decides whether this process's PyTorch work repeats bit for bit, as {tag: text}:

    determinism.deterministic_algorithms  torch.are_deterministic_algorithms_enabled() ("true"/"false")
    determinism.warn_only                 deterministic algorithms only warn instead of raising
    determinism.cudnn_deterministic, determinism.cudnn_benchmark
    determinism.torch_threads, determinism.torch_interop_threads   intra-/inter-op thread counts
    determinism.cuda                      "none", or the CUDA devices seen
    determinism.cublas_workspace_config   $CUBLAS_WORKSPACE_CONFIG ("" when unset)
    determinism.python_hash_seed          $PYTHONHASHSEED ("random" when unset; set it before Python starts)
    determinism.repeat                    "identical" when a small seeded computation run twice gave
                                          bit-identical results, else "different"
    determinism.check                     "passed", or "failed: <reasons>" (deterministic algorithms
                                          off, cuDNN benchmarking on, CUDA without a deterministic
                                          cuBLAS workspace, or the repeat differed)

    The check runs a small seeded computation on its own generator: the global random state is left
    as it was.
    """
    torch = _torch()
    warn_only = getattr(torch, "is_deterministic_algorithms_warn_only_enabled", lambda: False)()
    cuda = torch.cuda.is_available()
    cudnn = torch.backends.cudnn
    cublas = os.environ.get("CUBLAS_WORKSPACE_CONFIG", "")
    tags = {
        "determinism.deterministic_algorithms": str(torch.are_deterministic_algorithms_enabled()).lower(),
        "determinism.warn_only": str(bool(warn_only)).lower(),
        "determinism.cudnn_deterministic": str(bool(cudnn.deterministic)).lower(),
        "determinism.cudnn_benchmark": str(bool(cudnn.benchmark)).lower(),
        "determinism.torch_threads": str(torch.get_num_threads()),
        "determinism.torch_interop_threads": str(torch.get_num_interop_threads()),
        "determinism.cuda": f"{torch.cuda.device_count()} devices" if cuda else "none",
        "determinism.cublas_workspace_config": cublas,
        "determinism.python_hash_seed": os.environ.get("PYTHONHASHSEED", "") or "random",
    }
    repeat = _repeat_check(torch)
    tags["determinism.repeat"] = "identical" if repeat else "different"
    problems = []
    if tags["determinism.deterministic_algorithms"] != "true":
        problems.append("deterministic algorithms are off (torch.use_deterministic_algorithms(True))")
    elif warn_only:
        problems.append("deterministic algorithms only warn (warn_only=True)")
    if cuda and cudnn.benchmark:
        problems.append("cuDNN benchmarking is on (torch.backends.cudnn.benchmark = False)")
    if cuda and cublas not in _CUBLAS_DETERMINISTIC:
        problems.append("CUDA without CUBLAS_WORKSPACE_CONFIG=:4096:8")
    if not repeat:
        problems.append("a seeded computation repeated gave different results")
    tags["determinism.check"] = "passed" if not problems else "failed: " + "; ".join(problems)
    return tags


def log_determinism(run):
    """Records determinism_check() as tags of `run` and returns them."""
    tags = determinism_check()
    run.set_tags(tags)
    return tags


def seed_everything(seed, run=None, deterministic=True, threads=None):
    """Seeds Python's `random`, numpy (when installed) and torch (CPU and every CUDA device) with
    `seed`; with `deterministic` (the default) asks PyTorch for deterministic algorithms
    (torch.use_deterministic_algorithms(True), cuDNN deterministic and not benchmarking, and
    $CUBLAS_WORKSPACE_CONFIG=:4096:8 unless set); with `threads`, sets torch's intra-op thread count.

    Then runs determinism_check(); with `run`, records the result as tags of the run, plus
    "determinism.seed". Returns the tags. $PYTHONHASHSEED cannot be changed for a running
    interpreter: set it before starting Python (the check records it).
    """
    torch = _torch()
    seed = int(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", _CUBLAS_DETERMINISTIC[0])
    torch.use_deterministic_algorithms(bool(deterministic))
    torch.backends.cudnn.deterministic = bool(deterministic)
    torch.backends.cudnn.benchmark = False if deterministic else torch.backends.cudnn.benchmark
    if threads is not None:
        torch.set_num_threads(int(threads))
    _seed_all(seed)
    tags = determinism_check()
    tags["determinism.seed"] = str(seed)
    if run is not None:
        run.set_tags(tags)
    return tags
