// Any bytes as a TensorBoard event file, and the same bytes as the payloads of TFRecords framed with
// valid CRCs (the fuzzer cannot forge CRCs, so without this it would rarely get past the framing into
// the Event protobuf reader): never a crash, an out-of-bounds read or undefined behaviour. The framed
// file is also read as a log dir, for what the importer makes of the events (wall times, shapes).
#include "fuzz_support.h"
#include "import/source_reader.h"
#include "import/tensorboard_events.h"

#include <algorithm>

namespace {

/// The input as records "[length: 2 bytes, little-endian][payload]...", each framed as TFRecord.
QByteArray framed(const uint8_t* data, size_t size)
{
    QByteArray out;
    size_t i = 0;
    while (i < size) {
        size_t n = data[i++];
        if (i < size)
            n |= size_t(data[i++]) << 8;
        n = std::min(n, size - i);
        const quint64 length = n;
        const quint32 lengthCrc = reprise::maskedCrc32c(reinterpret_cast<const char*>(&length), 8);
        const quint32 dataCrc = reprise::maskedCrc32c(reinterpret_cast<const char*>(data + i), n);
        out.append(reinterpret_cast<const char*>(&length), 8);
        out.append(reinterpret_cast<const char*>(&lengthCrc), 4);
        out.append(reinterpret_cast<const char*>(data + i), qsizetype(n));
        out.append(reinterpret_cast<const char*>(&dataCrc), 4);
        i += n;
    }
    return out;
}

void check(const QByteArray& bytes)
{
    const reprise::EventFileContents events = reprise::parseEventFile(bytes);
    if (events.validBytes > bytes.size() || events.records < 0 || events.impossibleShapes < 0)
        __builtin_trap(); // the valid prefix can never be longer than the file
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    check(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    const QByteArray records = framed(data, size);
    check(records);
    const QString dir = fuzz::scratch() + QStringLiteral("/tb");
    fuzz::write(dir + QStringLiteral("/run/events.out.tfevents.1.fuzz"), records);
    (void)reprise::readTensorBoard(dir, {});
    return 0;
}
