#pragma once

#include "result.h"
#include "team/team_location.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>
#include <memory>

struct pg_conn;
struct pg_result;

namespace reprise {

/// A team store location for people: "user@host/database" (host "[/socket/folder]" for a Unix
/// socket), never a password; the location itself when libpq cannot parse it.
QString describeTeamLocation(const QString& location);

/// The rows of one query, values in libpq's text format. Owns the PGresult.
class PgResult {
public:
    explicit PgResult(pg_result* result);
    int rows() const;
    int columns() const;
    bool isNull(int row, int column) const;
    QByteArray bytes(int row, int column) const;
    QString text(int row, int column) const;
    qint64 int64(int row, int column) const;
    double real(int row, int column) const;

private:
    std::shared_ptr<pg_result> m_result;
};

/// One connection to a team store (one thread). Every failure is an Error naming the server
/// (user@host/database, never the password) with what to do about it.
class PgConnection {
public:
    /// Connects; passwords come from libpq's own mechanisms (~/.pgpass, PGPASSFILE, service files),
    /// else from the desktop keyring (team_credentials.h), unless `password` is given.
    static Result<PgConnection> connect(const QString& location, const QByteArray& password = {});
    PgConnection(PgConnection&&) noexcept;
    PgConnection& operator=(PgConnection&&) noexcept;
    ~PgConnection();

    /// "team store user@host:port/database", for messages.
    const QString& name() const { return m_name; }
    /// The login this connection uses.
    QString login() const;

    /// One statement with text parameters ($1, $2, …); a null QByteArray is SQL NULL.
    Result<PgResult> query(const QString& sql, const QList<QByteArray>& params = {}) const;
    /// The same with the parameters flagged in `binary` in binary format.
    Result<PgResult> query(const QString& sql, const QList<QByteArray>& params, const QList<bool>& binary) const;
    /// Statements without results (several may be separated by semicolons when there are no params).
    Status exec(const QString& sql, const QList<QByteArray>& params = {}) const;
    /// One statement whose parameters flagged in `binary` go in binary format (bytea as raw bytes,
    /// no hex encoding to make and parse), the others as text.
    Status exec(const QString& sql, const QList<QByteArray>& params, const QList<bool>& binary) const;
    /// COPY … FROM STDIN with `data` in COPY's text format.
    Status copyIn(const QString& copySql, const QByteArray& data) const;
    /// COPY … FROM STDIN streamed: `next` appends the next rows to its (emptied) buffer and returns
    /// false when there are no more (or on an error it reports itself through its own state).
    Status copyIn(const QString& copySql, const std::function<bool(QByteArray&)>& next) const;
    /// COPY … TO STDOUT: the rows in COPY's text format.
    Result<QByteArray> copyOut(const QString& copySql) const;

    Status begin() const { return exec(QStringLiteral("BEGIN")); }
    Status commit() const { return exec(QStringLiteral("COMMIT")); }
    /// BEGIN of a read-only snapshot (REPEATABLE READ) for reading whole tables: without JIT (on a
    /// 100,000-run table, compiling the query took 0.8 s of its 1 s) and with room to sort in memory.
    Status beginBulkRead() const;
    /// Best effort: a lost connection has rolled back on the server anyway.
    void rollback() const;

    /// The error of the last failed call on this connection, naming the server, with a hint.
    Error lastError(const QString& what) const;
    /// The SQLSTATE of a failed result ("42501" permission denied, …), empty when there was none.
    const QByteArray& lastState() const { return m_lastState; }

    pg_conn* handle() const { return m_conn.get(); }

private:
    PgConnection() = default;
    Error resultError(pg_result* result, const QString& what) const;

    struct Closer {
        void operator()(pg_conn* conn) const;
    };
    std::unique_ptr<pg_conn, Closer> m_conn;
    QString m_name;
    mutable QByteArray m_lastState;
};

/// Runs `body` in one transaction on `conn`: committed when it succeeds, rolled back otherwise.
template <typename Body> Status inPgTransaction(const PgConnection& conn, Body&& body)
{
    if (auto st = conn.begin(); !st)
        return st;
    Status result = body();
    if (!result) {
        conn.rollback();
        return result;
    }
    return conn.commit();
}

/// Appends `value` to a COPY text-format row, escaping what COPY treats specially.
void appendCopyText(QByteArray& row, QByteArrayView value);
/// Appends binary data as a bytea hex literal in COPY text format.
void appendCopyBytea(QByteArray& row, QByteArrayView value);
/// Decodes a bytea value in PostgreSQL's hex output format (\x…).
QByteArray decodeBytea(QByteArrayView text);

} // namespace reprise
