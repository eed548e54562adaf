#pragma once

#include <QMap>
#include <QProcessEnvironment>
#include <QString>

namespace reprise {

/// The environment variables recorded with a run: the ones that change what ML code computes or
/// where it finds its code, and never a secret.
///
/// Recorded: exact names PATH, PYTHONPATH, PYTHONHASHSEED, VIRTUAL_ENV, CONDA_PREFIX,
/// CONDA_DEFAULT_ENV, LANG, LC_ALL, TZ, CUDA_VISIBLE_DEVICES, and any name starting with PYTHON,
/// CUDA_, CUBLAS_, CUDNN_, NCCL_, OMP_, MKL_, OPENBLAS_, TORCH_, TF_, XLA_, JAX_, HF_, SLURM_.
/// Never recorded, whatever the list says: names containing TOKEN, KEY, SECRET, PASSWORD, PASSWD,
/// CREDENTIAL, AUTH or COOKIE (case-insensitive), and Reprise's own REPRISE_* variables.
QMap<QString, QString> allowListedEnvironment(const QProcessEnvironment& environment);

/// True if `name` may be recorded (see allowListedEnvironment()).
bool isRecordableVariable(const QString& name);

} // namespace reprise
