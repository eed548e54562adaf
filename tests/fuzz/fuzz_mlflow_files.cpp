// Any bytes as the files of an MLflow file store: experiment and run meta.yaml, a metric, a param.
#include "fuzz_support.h"
#include "import/source_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(data, size, 4);
    const QString root = fuzz::scratch() + QStringLiteral("/mlruns");
    fuzz::write(
        root + QStringLiteral("/1/meta.yaml"), QByteArray("artifact_location: x\nexperiment_id: '1'\n") + parts[0]);
    fuzz::write(root + QStringLiteral("/1/run/meta.yaml"), parts[1]);
    fuzz::write(root + QStringLiteral("/1/run/metrics/a/b"), parts[2]);
    fuzz::write(root + QStringLiteral("/1/run/params/p"), parts[3]);
    (void)reprise::readMlflowFileStore(root, {});
    return 0;
}
