// W&B's .wandb transaction log: LevelDB log framing (with zlib's CRC-32, not LevelDB's CRC-32C) of
// wandb_internal.Record protobufs. See FORMATS.md (shared fixtures) for the layout.

#include "import/wandb_log.h"

#include <array>
#include <utility>

namespace reprise {

namespace {

    constexpr qsizetype kHeaderSize = 7;
    constexpr qsizetype kBlockSize = 32768;
    constexpr qsizetype kChunkHeader = 7;
    enum ChunkType : quint8 { Full = 1, First = 2, Middle = 3, Last = 4 };

    const std::array<std::uint32_t, 256>& crcTable()
    {
        static const std::array<std::uint32_t, 256> table = [] {
            std::array<std::uint32_t, 256> t {};
            for (std::uint32_t i = 0; i < 256; ++i) {
                std::uint32_t c = i;
                for (int k = 0; k < 8; ++k)
                    c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                t[i] = c;
            }
            return t;
        }();
        return table;
    }

    /// A protobuf message being read: fields one by one, never past its end.
    class Fields {
    public:
        explicit Fields(QByteArrayView bytes)
            : m_p(reinterpret_cast<const quint8*>(bytes.data()))
            , m_end(m_p + bytes.size())
        {
        }

        /// The next field; false at the end or when the message is malformed (then `ok()` is false).
        bool next()
        {
            if (m_p == m_end || !m_ok)
                return false;
            quint64 key = 0;
            if (!varint(key) || (key >> 3) == 0 || (key >> 3) > 0x1FFFFFFF)
                return fail();
            m_field = int(key >> 3);
            m_wire = int(key & 7);
            switch (m_wire) {
            case 0:
                return varint(m_varint) || fail();
            case 1:
                return skip(8) || fail();
            case 5:
                return skip(4) || fail();
            case 2: {
                quint64 n = 0;
                if (!varint(n) || n > quint64(m_end - m_p))
                    return fail();
                m_bytes = QByteArrayView(reinterpret_cast<const char*>(m_p), qsizetype(n));
                m_p += n;
                return true;
            }
            default:
                return fail(); // groups (3, 4) are not in W&B's messages
            }
        }
        int field() const { return m_field; }
        int wire() const { return m_wire; }
        bool ok() const { return m_ok; }
        quint64 number() const { return m_wire == 0 ? m_varint : 0; }
        QByteArrayView bytes() const { return m_wire == 2 ? m_bytes : QByteArrayView(); }
        QString text() const { return QString::fromUtf8(bytes()); }

    private:
        bool varint(quint64& out)
        {
            out = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (m_p == m_end)
                    return false;
                const quint8 b = *m_p++;
                out |= quint64(b & 0x7F) << shift;
                if (!(b & 0x80))
                    return true;
            }
            return false;
        }
        bool skip(qsizetype n)
        {
            if (m_end - m_p < n)
                return false;
            m_p += n;
            return true;
        }
        bool fail()
        {
            m_ok = false;
            return false;
        }

        const quint8* m_p;
        const quint8* m_end;
        bool m_ok = true;
        int m_field = 0;
        int m_wire = 0;
        quint64 m_varint = 0;
        QByteArrayView m_bytes;
    };

    /// HistoryItem, SummaryItem and ConfigItem share this shape: 1 key, 2 repeated nested_key, 16 value_json.
    bool readItem(QByteArrayView bytes, WandbItem& item)
    {
        Fields f(bytes);
        QStringList nested;
        while (f.next()) {
            if (f.wire() != 2)
                continue;
            if (f.field() == 1)
                item.key = f.text();
            else if (f.field() == 2)
                nested << f.text();
            else if (f.field() == 16)
                item.valueJson = f.text();
        }
        if (item.key.isEmpty())
            item.key = nested.join(u'/');
        return f.ok();
    }

    /// A ConfigRecord or SummaryRecord (1 repeated update, 2 repeated remove) applied to `map`.
    /// Nothing is applied from a malformed record.
    bool applyUpdates(QByteArrayView bytes, QMap<QString, QString>& map)
    {
        Fields f(bytes);
        QList<std::pair<bool, WandbItem>> changes;
        while (f.next()) {
            if (f.wire() != 2 || (f.field() != 1 && f.field() != 2))
                continue;
            WandbItem item;
            if (!readItem(f.bytes(), item))
                return false;
            changes.append({ f.field() == 1, item });
        }
        if (!f.ok())
            return false;
        for (const auto& [update, item] : changes) {
            if (update)
                map.insert(item.key, item.valueJson);
            else
                map.remove(item.key);
        }
        return true;
    }

    /// google.protobuf.Timestamp as seconds since the epoch.
    bool readTimestamp(QByteArrayView bytes, double& seconds)
    {
        Fields f(bytes);
        qint64 s = 0, nanos = 0;
        while (f.next()) {
            if (f.wire() == 0 && f.field() == 1)
                s = qint64(f.number());
            else if (f.wire() == 0 && f.field() == 2)
                nanos = qint64(qint32(quint32(f.number())));
        }
        seconds = double(s) + double(nanos) / 1e9;
        return f.ok();
    }

    bool readRun(QByteArrayView bytes, WandbLog& log)
    {
        Fields f(bytes);
        while (f.next()) {
            if (f.wire() != 2)
                continue;
            switch (f.field()) {
            case 1:
                log.runId = f.text();
                break;
            case 2:
                log.entity = f.text();
                break;
            case 3:
                log.project = f.text();
                break;
            case 4:
                if (!applyUpdates(f.bytes(), log.config))
                    return false;
                break;
            case 5:
                if (!applyUpdates(f.bytes(), log.summary))
                    return false;
                break;
            case 6:
                log.group = f.text();
                break;
            case 7:
                log.jobType = f.text();
                break;
            case 8:
                log.displayName = f.text();
                break;
            case 9:
                log.notes = f.text();
                break;
            case 10:
                log.tags << f.text();
                break;
            case 12:
                log.sweepId = f.text();
                break;
            case 13:
                log.host = f.text();
                break;
            case 17:
                if (!readTimestamp(f.bytes(), log.startTime))
                    return false;
                break;
            case 21: {
                Fields git(f.bytes());
                while (git.next()) {
                    if (git.wire() == 2 && git.field() == 1)
                        log.gitRemote = git.text();
                    else if (git.wire() == 2 && git.field() == 2)
                        log.gitCommit = git.text();
                }
                if (!git.ok())
                    return false;
                break;
            }
            default:
                break;
            }
        }
        return f.ok();
    }

    bool readHistory(QByteArrayView bytes, WandbLog& log)
    {
        Fields f(bytes);
        WandbHistoryRow row;
        while (f.next()) {
            if (f.wire() != 2)
                continue;
            if (f.field() == 1) {
                WandbItem item;
                if (!readItem(f.bytes(), item))
                    return false;
                row.items << item;
            } else if (f.field() == 2) {
                Fields step(f.bytes());
                while (step.next())
                    if (step.wire() == 0 && step.field() == 1)
                        row.step = qint64(step.number());
                if (!step.ok())
                    return false;
            }
        }
        if (!f.ok())
            return false;
        log.history << row;
        return true;
    }

    bool readOutput(QByteArrayView bytes, WandbLog& log)
    {
        Fields f(bytes);
        WandbOutputLine out;
        while (f.next()) {
            if (f.wire() == 0 && f.field() == 1)
                out.isError = f.number() == 0; // STDERR = 0, STDOUT = 1
            else if (f.wire() == 2 && f.field() == 2 && !readTimestamp(f.bytes(), out.time))
                return false;
            else if (f.wire() == 2 && f.field() == 3)
                out.line = f.text();
        }
        if (!f.ok())
            return false;
        log.output << out;
        return true;
    }

    bool readExit(QByteArrayView bytes, WandbLog& log)
    {
        Fields f(bytes);
        log.exited = true;
        while (f.next()) {
            if (f.wire() == 0 && f.field() == 1)
                log.exitCode = qint32(quint32(f.number()));
            else if (f.wire() == 0 && f.field() == 2)
                log.runtimeSeconds = qint32(quint32(f.number()));
        }
        return f.ok();
    }

    /// One Record: the parts Reprise uses; false when the protobuf is malformed.
    bool readRecord(QByteArrayView bytes, WandbLog& log)
    {
        Fields f(bytes);
        while (f.next()) {
            if (f.wire() != 2)
                continue;
            bool ok = true;
            switch (f.field()) {
            case 2:
                ok = readHistory(f.bytes(), log);
                break;
            case 3:
                ok = applyUpdates(f.bytes(), log.summary);
                break;
            case 4:
            case 13: // output_raw has the same shape
                ok = readOutput(f.bytes(), log);
                break;
            case 5:
                ok = applyUpdates(f.bytes(), log.config);
                break;
            case 17:
                ok = readRun(f.bytes(), log);
                break;
            case 18:
                ok = readExit(f.bytes(), log);
                break;
            default:
                break; // stats, files, telemetry, artifacts, metric definitions, requests, ...
            }
            if (!ok)
                return false;
        }
        return f.ok();
    }

    quint32 readLe32(const char* p)
    {
        const auto* u = reinterpret_cast<const quint8*>(p);
        return quint32(u[0]) | quint32(u[1]) << 8 | quint32(u[2]) << 16 | quint32(u[3]) << 24;
    }

} // namespace

std::uint32_t crc32Ieee(const char* data, size_t size, std::uint32_t crc)
{
    const auto& table = crcTable();
    crc = ~crc;
    for (size_t i = 0; i < size; ++i)
        crc = table[(crc ^ quint8(data[i])) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

bool isWandbLog(const QByteArray& start)
{
    return start.size() >= kHeaderSize && start.startsWith(QByteArrayLiteral(":W&B")) && quint8(start[4]) == 0xE1
        && quint8(start[5]) == 0xBE && start[6] == 0;
}

WandbLog parseWandbLog(const QByteArray& bytes)
{
    WandbLog log;
    if (!isWandbLog(bytes)) {
        log.problem = QStringLiteral("not a W&B transaction log (no :W&B header of version 0)");
        return log;
    }
    log.isWandbLog = true;
    const auto damage = [&](qsizetype offset, const QString& what) {
        ++log.damaged;
        if (log.problem.isEmpty())
            log.problem = QStringLiteral("byte %1: %2").arg(offset).arg(what);
    };
    QByteArray pending; // the FIRST and MIDDLE chunks of a record in progress
    bool inRecord = false;
    qsizetype pendingStart = 0;
    qsizetype pos = kHeaderSize;
    const qsizetype size = bytes.size();
    while (pos < size) {
        const qsizetype leftInBlock = kBlockSize - pos % kBlockSize;
        if (leftInBlock < kChunkHeader) {
            pos += leftInBlock; // zero padding at the end of a block
            continue;
        }
        if (size - pos < kChunkHeader) {
            // A few bytes that cannot hold a chunk header: zeros are padding, anything else a cut.
            if (bytes.mid(pos).count('\0') != size - pos)
                log.truncated = true;
            break;
        }
        const char* header = bytes.constData() + pos;
        const quint32 checksum = readLe32(header);
        const qsizetype length = qsizetype(quint8(header[4])) | qsizetype(quint8(header[5])) << 8;
        const quint8 type = quint8(header[6]);
        if (type == 0 && length == 0 && checksum == 0) {
            pos += leftInBlock; // a zeroed rest of a block (preallocated, or padding)
            continue;
        }
        if (kChunkHeader + length > leftInBlock) {
            damage(pos, QStringLiteral("a chunk of %1 bytes does not fit in its block").arg(length));
            inRecord = false;
            pending.clear();
            pos += leftInBlock;
            continue;
        }
        if (pos + kChunkHeader + length > size) {
            log.truncated = true; // the writer had not finished this record
            break;
        }
        const char* data = header + kChunkHeader;
        const char typeByte = char(type);
        if (crc32Ieee(data, size_t(length), crc32Ieee(&typeByte, 1)) != checksum) {
            damage(pos, QStringLiteral("checksum mismatch"));
            inRecord = false;
            pending.clear();
            pos += leftInBlock; // the length may be wrong too: go on at the next block
            continue;
        }
        const qsizetype chunkStart = pos;
        pos += kChunkHeader + length;
        const QByteArrayView chunk(data, length);
        QByteArray record;
        bool complete = false;
        switch (type) {
        case Full:
            if (inRecord)
                damage(pendingStart, QStringLiteral("a record without its last part"));
            inRecord = false;
            pending.clear();
            record = chunk.toByteArray();
            complete = true;
            break;
        case First:
            if (inRecord)
                damage(pendingStart, QStringLiteral("a record without its last part"));
            pending = chunk.toByteArray();
            pendingStart = chunkStart;
            inRecord = true;
            break;
        case Middle:
        case Last:
            if (!inRecord) {
                damage(chunkStart, QStringLiteral("a part of a record whose beginning is missing"));
                break;
            }
            pending.append(chunk);
            if (type == Last) {
                record = std::exchange(pending, {});
                inRecord = false;
                complete = true;
            }
            break;
        default:
            damage(chunkStart, QStringLiteral("unknown chunk type %1").arg(type));
            inRecord = false;
            pending.clear();
            break;
        }
        if (!complete)
            continue;
        if (!readRecord(record, log)) {
            damage(chunkStart, QStringLiteral("a record that is not a valid W&B Record protobuf"));
            continue;
        }
        ++log.records;
    }
    if (inRecord)
        log.truncated = true;
    return log;
}

} // namespace reprise
