// Any bytes as a W&B .wandb transaction log, and the same bytes as the payloads of records framed
// with valid CRC-32s (the fuzzer cannot forge checksums, so without this it would rarely reach the
// Record protobuf reader): never a crash, an out-of-bounds read or undefined behaviour. Both are
// also read as run folders, with the input as wandb-summary.json and wandb-metadata.json too (the
// JSON reader that allows Python's NaN and Infinity).
#include "fuzz_support.h"
#include "import/source_reader.h"
#include "import/wandb_log.h"

#include <algorithm>

namespace {

/// The input as records "[length: 2 bytes, little-endian][payload]...", framed as LevelDB's log
/// writer frames them (32 KiB blocks, FULL or FIRST/MIDDLE/LAST chunks) after W&B's header.
QByteArray framed(const uint8_t* data, size_t size)
{
    QByteArray out(":W&B\xe1\xbe\x00", 7);
    size_t i = 0;
    while (i < size) {
        size_t n = data[i++];
        if (i < size)
            n |= size_t(data[i++]) << 8;
        n = std::min(n, size - i);
        size_t pos = 0;
        bool begin = true;
        do {
            qsizetype left = 32768 - out.size() % 32768;
            if (left < 7) {
                out.append(QByteArray(left, '\0'));
                left = 32768;
            }
            const size_t chunk = std::min(n - pos, size_t(left - 7));
            const bool end = pos + chunk == n;
            const char type = char(begin && end ? 1 : begin ? 2 : end ? 4 : 3);
            const char* bytes = reinterpret_cast<const char*>(data + i + pos);
            const quint32 crc = reprise::crc32Ieee(bytes, chunk, reprise::crc32Ieee(&type, 1));
            const quint16 length = quint16(chunk);
            out.append(reinterpret_cast<const char*>(&crc), 4);
            out.append(reinterpret_cast<const char*>(&length), 2);
            out.append(type);
            out.append(bytes, qsizetype(chunk));
            pos += chunk;
            begin = false;
        } while (pos < n);
        i += n;
    }
    return out;
}

void check(const QByteArray& bytes)
{
    const reprise::WandbLog log = reprise::parseWandbLog(bytes);
    if (log.records < 0 || log.damaged < 0 || log.records > bytes.size())
        __builtin_trap(); // every record takes at least a chunk header of the file
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray raw(reinterpret_cast<const char*>(data), qsizetype(size));
    check(raw);
    const QByteArray records = framed(data, size);
    check(records);
    const QString dir = fuzz::scratch() + QStringLiteral("/wandb");
    fuzz::write(dir + QStringLiteral("/run-1-a/run-a.wandb"), records);
    fuzz::write(dir + QStringLiteral("/run-1-a/files/wandb-summary.json"), raw);
    fuzz::write(dir + QStringLiteral("/run-1-a/files/wandb-metadata.json"), raw);
    fuzz::write(dir + QStringLiteral("/run-2-b/run-b.wandb"), raw);
    (void)reprise::readWandb(dir, {});
    return 0;
}
