#pragma once
// W&B run folders written from the documented format (../shared/fixtures/FORMATS.md): the .wandb
// transaction log is LevelDB's log framing (32 KiB blocks, chunks "CRC-32 | length | type", zlib's
// CRC-32 over type and data) around Record protobufs. Only what the tests need is encoded here:
// length-delimited fields, varints, and the items of history, summary and config records.

#include "import/wandb_log.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QList>
#include <QString>
#include <algorithm>

namespace reprise::test::wandb {

/// Writes `bytes` to `path` (folders made); aborts the test program when it cannot.
inline void writeTo(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
}

inline QByteArray varint(quint64 v)
{
    QByteArray out;
    do {
        char b = char(v & 0x7f);
        v >>= 7;
        if (v)
            b = char(b | 0x80);
        out += b;
    } while (v);
    return out;
}

/// A length-delimited field (wire type 2).
inline QByteArray field(int number, const QByteArray& payload)
{
    return varint(quint64(number << 3 | 2)) + varint(quint64(payload.size())) + payload;
}

/// A varint field (wire type 0).
inline QByteArray number(int fieldNumber, quint64 v) { return varint(quint64(fieldNumber << 3)) + varint(v); }

/// A HistoryItem / SummaryItem / ConfigItem: key (or nested_key) and value_json.
inline QByteArray item(const QByteArray& key, const QByteArray& json, bool nested = false)
{
    return field(nested ? 2 : 1, key) + field(16, json);
}

/// A history record (Record field 2) of these items.
inline QByteArray history(const QList<QByteArray>& items)
{
    QByteArray body;
    for (const QByteArray& i : items)
        body += field(1, i);
    return field(2, body);
}

/// A google.protobuf.Timestamp of whole seconds.
inline QByteArray timestamp(qint64 seconds) { return number(1, quint64(seconds)); }

/// Records framed as LevelDB's log writer frames them: 32 KiB blocks (the 7-byte file header counts
/// in the first), chunks "CRC-32 | length | type" split FIRST/MIDDLE/LAST across blocks.
inline QByteArray wandbFile(const QList<QByteArray>& records)
{
    QByteArray out(":W&B\xe1\xbe\x00", 7);
    for (const QByteArray& rec : records) {
        qsizetype pos = 0;
        bool begin = true;
        do {
            qsizetype left = 32768 - out.size() % 32768;
            if (left < 7) {
                out.append(QByteArray(left, '\0'));
                left = 32768;
            }
            const qsizetype n = std::min(rec.size() - pos, left - 7);
            const bool end = pos + n == rec.size();
            const char type = char(begin && end ? 1 : begin ? 2 : end ? 4 : 3);
            const QByteArray data = rec.mid(pos, n);
            const quint32 crc = crc32Ieee(data.constData(), size_t(n), crc32Ieee(&type, 1));
            out.append(reinterpret_cast<const char*>(&crc), 4);
            const quint16 length = quint16(n);
            out.append(reinterpret_cast<const char*>(&length), 2);
            out.append(type);
            out.append(data);
            pos += n;
            begin = false;
        } while (pos < rec.size());
    }
    return out;
}

} // namespace reprise::test::wandb
