// Any bytes as a DVC project: dvc.yaml, dvc.lock, params.yaml, a dvclive plot and dvclive's metrics.json;
// then, when the input has them, a second dvclive folder (a fold: several folders are runs of their own)
// with its metrics.json and the plot of a metric named "step".
#include "fuzz_support.h"
#include "import/source_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(data, size, 7);
    const QString root = fuzz::scratch() + QStringLiteral("/dvc");
    fuzz::write(root + QStringLiteral("/dvc.yaml"), QByteArray("stages:\n") + parts[0]);
    fuzz::write(root + QStringLiteral("/dvc.lock"), parts[1]);
    fuzz::write(root + QStringLiteral("/params.yaml"), parts[2]);
    fuzz::write(root + QStringLiteral("/dvclive/plots/metrics/loss.tsv"), parts[3]);
    fuzz::write(root + QStringLiteral("/dvclive/metrics.json"), parts[4]);
    // Absent parts leave no file behind from an earlier input (the scratch folder is reused).
    const QString fold = root + QStringLiteral("/dvclive/fold_0");
    for (const auto& [path, bytes] : { std::pair { fold + QStringLiteral("/metrics.json"), parts[5] },
             std::pair { fold + QStringLiteral("/plots/metrics/train/step.tsv"), parts[6] } }) {
        if (bytes.isEmpty())
            QFile::remove(path);
        else
            fuzz::write(path, bytes);
    }
    (void)reprise::readDvcProject(root, {});
    return 0;
}
