// Any bytes as a Lightning metrics.csv and its hparams.yaml, and as a Keras CSV log.
#include "fuzz_support.h"
#include "import/source_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(data, size, 2);
    const QString dir = fuzz::scratch() + QStringLiteral("/csv");
    fuzz::write(dir + QStringLiteral("/version_0/metrics.csv"), QByteArray("epoch,step,loss\n") + parts[0]);
    fuzz::write(dir + QStringLiteral("/version_0/hparams.yaml"), parts[1]);
    (void)reprise::readCsvLogs(dir, {});
    fuzz::write(dir + QStringLiteral("/keras.csv"), parts[0]);
    (void)reprise::readCsvLogs(dir + QStringLiteral("/keras.csv"), {});
    return 0;
}
