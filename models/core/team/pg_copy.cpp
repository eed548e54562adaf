#include "team/pg_copy.h"

#include "team/pg_connection.h"

#include <libpq-fe.h>
#include <vector>

namespace reprise {

/// Runs `copySql` (a COPY … TO STDOUT (FORMAT binary)) and hands each row's fields to `row` as
/// they arrive: the rows are never all in memory, and the server produces while this side
/// writes. A row that `row` refuses ends the reading (the rest is drained) with its error.
Status copyOutBinary(
    const PgConnection& conn, const QString& copySql, int columns, const std::function<Status(const CopyField*)>& row)
{
    PGconn* pg = conn.handle();
    const QByteArray text = copySql.toUtf8();
    PGresult* start = PQexec(pg, text.constData());
    if (!start || PQresultStatus(start) != PGRES_COPY_OUT) {
        const QString why = QString::fromUtf8(start ? PQresultErrorMessage(start) : PQerrorMessage(pg)).trimmed();
        PQclear(start);
        return Error { QStringLiteral("%1: COPY failed: %2").arg(conn.name(), why.section(u'\n', 0, 0)),
            QStringLiteral("check that the server is reachable and the login may read the store") };
    }
    PQclear(start);
    std::vector<CopyField> fields(size_t(columns), CopyField {});
    Status status = success();
    bool header = true;
    char* buffer = nullptr;
    int length = 0;
    while ((length = PQgetCopyData(pg, &buffer, 0)) > 0) {
        const char* p = buffer;
        const char* end = buffer + length;
        if (header && status) {
            // "PGCOPY\n\377\r\n\0", flags, header extension.
            if (length < 19 || std::memcmp(p, "PGCOPY\n\377\r\n", 11) != 0) {
                status = Error { conn.name() + QStringLiteral(": COPY sent an unknown binary header"), {} };
            } else {
                p += 15;
                p += 4 + be32(p);
            }
            header = false;
        }
        if (status && p + 2 <= end) {
            const qint16 count = be16(p);
            p += 2;
            if (count == -1) {
                // the trailer
            } else if (count != columns) {
                status = Error {
                    conn.name() + QStringLiteral(": COPY sent %1 columns, %2 expected").arg(count).arg(columns), {}
                };
            } else {
                for (int c = 0; c < columns && status; ++c) {
                    if (p + 4 > end) {
                        status = Error { conn.name() + QStringLiteral(": COPY sent a truncated row"), {} };
                        break;
                    }
                    const qint32 size = be32(p);
                    p += 4;
                    if (size > 0 && p + size > end) {
                        status = Error { conn.name() + QStringLiteral(": COPY sent a truncated row"), {} };
                        break;
                    }
                    fields[size_t(c)] = CopyField { p, size };
                    if (size > 0)
                        p += size;
                }
                if (status)
                    status = row(fields.data());
            }
        }
        PQfreemem(buffer);
    }
    if (length == -2 && status)
        status = conn.lastError(QStringLiteral("COPY failed"));
    while (PGresult* result = PQgetResult(pg)) {
        if (PQresultStatus(result) != PGRES_COMMAND_OK && status) {
            const QString why = QString::fromUtf8(PQresultErrorMessage(result)).trimmed();
            status = Error { QStringLiteral("%1: COPY failed: %2").arg(conn.name(), why.section(u'\n', 0, 0)),
                QStringLiteral("the connection to the server was lost or the store changed shape; the "
                               "copy was left as it was") };
        }
        PQclear(result);
    }
    return status;
}

} // namespace reprise
