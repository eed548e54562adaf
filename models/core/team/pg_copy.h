#pragma once

// COPY … TO STDOUT (FORMAT binary) read as it streams: the team store's copy (team_mirror.cpp) and
// its run table read straight from the server (team_run_table.cpp).

#include "result.h"

#include <QString>
#include <cstring>
#include <functional>
#include <limits>

namespace reprise {

class PgConnection;

inline qint16 be16(const char* p) { return qint16((quint16(quint8(p[0])) << 8) | quint8(p[1])); }
inline qint32 be32(const char* p)
{
    return qint32(
        (quint32(quint8(p[0])) << 24) | (quint32(quint8(p[1])) << 16) | (quint32(quint8(p[2])) << 8) | quint8(p[3]));
}
inline quint64 be64(const char* p) { return (quint64(quint32(be32(p))) << 32) | quint32(be32(p + 4)); }

/// One field of a binary COPY row: null when `size` < 0.
struct CopyField {
    const char* data = nullptr;
    qint32 size = -1;
};

/// Runs `copySql` (a COPY … TO STDOUT (FORMAT binary)) and hands each row's fields to `row` as
/// they arrive: the rows are never all in memory, and the server produces while this side
/// writes. A row that `row` refuses ends the reading (the rest is drained) with its error.
Status copyOutBinary(
    const PgConnection& conn, const QString& copySql, int columns, const std::function<Status(const CopyField*)>& row);

/// A binary COPY field read as a big-endian double (float8) or integer (int8); NaN or 0 when null.
inline double float8Of(const CopyField& f)
{
    if (f.size != 8)
        return std::numeric_limits<double>::quiet_NaN();
    const quint64 bits = be64(f.data);
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}
inline qint64 int8Of(const CopyField& f) { return f.size == 8 ? qint64(be64(f.data)) : 0; }

} // namespace reprise
