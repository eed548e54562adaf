// Any bytes as an MLflow SQLite database (SQLite reads the bytes; our reader meets whatever schema
// and values come out).
#include "fuzz_support.h"
#include "import/source_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString path = fuzz::scratch() + QStringLiteral("/mlflow.db");
    QFile::remove(path + QStringLiteral("-journal"));
    fuzz::write(path, QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    (void)reprise::readMlflowDatabase(path, {});
    return 0;
}
