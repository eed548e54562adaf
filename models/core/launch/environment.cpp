#include "launch/environment.h"

#include <QStringList>

namespace reprise {

bool isRecordableVariable(const QString& name)
{
    static const QStringList secretMarks { QStringLiteral("TOKEN"), QStringLiteral("KEY"), QStringLiteral("SECRET"),
        QStringLiteral("PASSWORD"), QStringLiteral("PASSWD"), QStringLiteral("CREDENTIAL"), QStringLiteral("AUTH"),
        QStringLiteral("COOKIE") };
    const QString upper = name.toUpper();
    for (const QString& mark : secretMarks) {
        if (upper.contains(mark))
            return false;
    }
    if (upper.startsWith(QLatin1String("REPRISE_")))
        return false;
    static const QStringList exact { QStringLiteral("PATH"), QStringLiteral("PYTHONPATH"),
        QStringLiteral("PYTHONHASHSEED"), QStringLiteral("VIRTUAL_ENV"), QStringLiteral("CONDA_PREFIX"),
        QStringLiteral("CONDA_DEFAULT_ENV"), QStringLiteral("LANG"), QStringLiteral("LC_ALL"), QStringLiteral("TZ"),
        QStringLiteral("CUDA_VISIBLE_DEVICES") };
    if (exact.contains(name))
        return true;
    static const QStringList prefixes { QStringLiteral("PYTHON"), QStringLiteral("CUDA_"), QStringLiteral("CUBLAS_"),
        QStringLiteral("CUDNN_"), QStringLiteral("NCCL_"), QStringLiteral("OMP_"), QStringLiteral("MKL_"),
        QStringLiteral("OPENBLAS_"), QStringLiteral("TORCH_"), QStringLiteral("TF_"), QStringLiteral("XLA_"),
        QStringLiteral("JAX_"), QStringLiteral("HF_"), QStringLiteral("SLURM_") };
    for (const QString& prefix : prefixes) {
        if (name.startsWith(prefix))
            return true;
    }
    return false;
}

QMap<QString, QString> allowListedEnvironment(const QProcessEnvironment& environment)
{
    QMap<QString, QString> out;
    for (const QString& name : environment.keys()) {
        if (isRecordableVariable(name))
            out.insert(name, environment.value(name));
    }
    return out;
}

} // namespace reprise
