// Any bytes as a DVC project: dvc.yaml, dvc.lock, params.yaml, a dvclive plot and dvclive's metrics.json.
#include "fuzz_support.h"
#include "import/source_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(data, size, 5);
    const QString root = fuzz::scratch() + QStringLiteral("/dvc");
    fuzz::write(root + QStringLiteral("/dvc.yaml"), QByteArray("stages:\n") + parts[0]);
    fuzz::write(root + QStringLiteral("/dvc.lock"), parts[1]);
    fuzz::write(root + QStringLiteral("/params.yaml"), parts[2]);
    fuzz::write(root + QStringLiteral("/dvclive/plots/metrics/loss.tsv"), parts[3]);
    fuzz::write(root + QStringLiteral("/dvclive/metrics.json"), parts[4]);
    (void)reprise::readDvcProject(root, {});
    return 0;
}
