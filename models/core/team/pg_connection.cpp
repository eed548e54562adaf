#include "team/pg_connection.h"

#include "team/team_credentials.h"
#include "team/team_location.h"

#include <QRegularExpression>
#include <libpq-fe.h>

namespace reprise {

namespace {

    QString firstLine(const char* message)
    {
        QString text = QString::fromUtf8(message).trimmed();
        if (text.startsWith(QLatin1String("ERROR:")))
            text = text.mid(6).trimmed();
        const qsizetype newline = text.indexOf(u'\n');
        return newline < 0 ? text : text.left(newline).trimmed();
    }

    QString serverName(PGconn* conn)
    {
        const QString host = QString::fromUtf8(PQhost(conn));
        const QString where
            = host.startsWith(u'/') ? QStringLiteral("[%1]").arg(host) : host + u':' + QString::fromUtf8(PQport(conn));
        return QStringLiteral("team store %1@%2/%3")
            .arg(QString::fromUtf8(PQuser(conn)), where, QString::fromUtf8(PQdb(conn)));
    }

    QString hintFor(const QByteArray& state, const QString& message, const QString& login)
    {
        if (state == "42501")
            return QStringLiteral("ask an administrator to GRANT reprise_writer (to add and edit runs) or "
                                  "reprise_reader (to read) TO %1")
                .arg(login);
        if (state == "3F000" || state == "42P01")
            return QStringLiteral("this database holds no Reprise team store; an administrator creates it with "
                                  "`reprise team init LOCATION`");
        if (state.startsWith("08") || state == "57P01")
            return QStringLiteral("the connection to the server was lost; nothing half-written was kept, run "
                                  "it again when the server is back");
        if (message.contains(QLatin1String("password")))
            return QStringLiteral("put the password in ~/.pgpass (or the file PGPASSFILE names) or a service "
                                  "file; Reprise never stores passwords in its settings");
        return {};
    }

} // namespace

QString describeTeamLocation(const QString& location)
{
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(location.toUtf8().constData(), &error);
    if (!options) {
        PQfreemem(error);
        return teamLocationHasPassword(location) ? QStringLiteral("(a location holding a password)") : location;
    }
    QString user, host, port, db, service;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val)
            continue;
        const QString value = QString::fromUtf8(o->val);
        const QByteArray key(o->keyword);
        if (key == "user")
            user = value;
        else if (key == "host" || (key == "hostaddr" && host.isEmpty()))
            host = value;
        else if (key == "port")
            port = value;
        else if (key == "dbname")
            db = value;
        else if (key == "service")
            service = value;
    }
    PQconninfoFree(options);
    // libpq reads a dbname that is itself a location as one (and it may hold a password): name that.
    if (isTeamStoreLocation(db) && db.size() < location.size())
        return describeTeamLocation(db);
    if (!service.isEmpty() && host.isEmpty() && db.isEmpty())
        return QStringLiteral("service %1").arg(service);
    QString where = host.isEmpty() ? QStringLiteral("localhost") : host.startsWith(u'/') ? u'[' + host + u']' : host;
    if (!port.isEmpty())
        where += u':' + port;
    return (user.isEmpty() ? QString() : user + u'@') + where + u'/' + (db.isEmpty() ? user : db);
}

// --- PgResult ---------------------------------------------------------------------------------------

PgResult::PgResult(pg_result* result)
    : m_result(result, PQclear)
{
}

int PgResult::rows() const { return PQntuples(m_result.get()); }
int PgResult::columns() const { return PQnfields(m_result.get()); }
bool PgResult::isNull(int row, int column) const { return PQgetisnull(m_result.get(), row, column) != 0; }

QByteArray PgResult::bytes(int row, int column) const
{
    return QByteArray(PQgetvalue(m_result.get(), row, column), PQgetlength(m_result.get(), row, column));
}

QString PgResult::text(int row, int column) const
{
    return QString::fromUtf8(PQgetvalue(m_result.get(), row, column), PQgetlength(m_result.get(), row, column));
}

qint64 PgResult::int64(int row, int column) const { return bytes(row, column).toLongLong(); }

double PgResult::real(int row, int column) const
{
    const QByteArray value = bytes(row, column);
    if (value == "Infinity")
        return std::numeric_limits<double>::infinity();
    if (value == "-Infinity")
        return -std::numeric_limits<double>::infinity();
    if (value == "NaN")
        return std::numeric_limits<double>::quiet_NaN();
    return value.toDouble();
}

// --- PgConnection -----------------------------------------------------------------------------------

void PgConnection::Closer::operator()(pg_conn* conn) const { PQfinish(conn); }

PgConnection::PgConnection(PgConnection&&) noexcept = default;
PgConnection& PgConnection::operator=(PgConnection&&) noexcept = default;
PgConnection::~PgConnection() = default;

Result<PgConnection> PgConnection::connect(const QString& location, const QByteArray& password)
{
    PgConnection connection;
    // connect_timeout: a server that does not answer is reported within seconds, not minutes.
    const QByteArray conninfo = location.toUtf8();
    const auto open = [&](const QByteArray& secret) {
        const char* keys[] = { "dbname", "connect_timeout", "application_name", "password", nullptr };
        const char* values[] = { conninfo.constData(), "10", "reprise", secret.constData(), nullptr };
        if (secret.isEmpty())
            keys[3] = nullptr;
        connection.m_conn.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
    };
    open(password);
    if (!connection.m_conn)
        return Error { QStringLiteral("team store %1: out of memory").arg(location), {} };
    // libpq found no password (~/.pgpass, PGPASSFILE, a service file) and the server wants one:
    // the desktop keyring's, when it holds one for this login (`reprise team login`).
    QString keyringHint;
    if (password.isEmpty() && PQstatus(connection.m_conn.get()) != CONNECTION_OK
        && PQconnectionNeedsPassword(connection.m_conn.get())) {
        const QString key = teamCredentialKey(connection.m_conn.get());
        auto stored = readTeamPassword(key);
        if (!stored)
            keyringHint = pgpassHint() + QStringLiteral(" (%1)").arg(stored.error().message);
        else if (!*stored)
            keyringHint = QStringLiteral("`reprise team login LOCATION` keeps the password of %1 in the desktop "
                                         "keyring; or put it in ~/.pgpass (or the file PGPASSFILE names)")
                              .arg(key);
        else if (open(**stored); PQstatus(connection.m_conn.get()) != CONNECTION_OK)
            keyringHint = QStringLiteral("the desktop keyring's password of %1 was refused: `reprise team "
                                         "login LOCATION` stores the right one, `reprise team logout LOCATION` "
                                         "removes it")
                              .arg(key);
        if (!connection.m_conn)
            return Error { QStringLiteral("team store %1: out of memory").arg(location), {} };
    }
    if (PQstatus(connection.m_conn.get()) != CONNECTION_OK) {
        // The location without any password it may hold, for the message.
        QString shown = location;
        shown.replace(QRegularExpression(QStringLiteral(R"((://[^:/@]*):[^@/]*@)")), QStringLiteral("\\1:***@"));
        shown.replace(QRegularExpression(QStringLiteral(R"(password\s*=\s*\S+)")), QStringLiteral("password=***"));
        const QString why = firstLine(PQerrorMessage(connection.m_conn.get()));
        QString hint = keyringHint.isEmpty() ? hintFor({}, why, {}) : keyringHint;
        if (hint.isEmpty())
            hint = QStringLiteral("check that the server is running and that the location is right (a libpq "
                                  "URI such as postgresql://host/database, or host=… dbname=…)");
        return Error { QStringLiteral("team store %1: cannot connect: %2").arg(shown, why), hint };
    }
    connection.m_name = serverName(connection.m_conn.get());
    // Messages in English and times in UTC whatever the server's defaults; no notices on stderr.
    PQsetNoticeProcessor(
        connection.m_conn.get(), [](void*, const char*) {}, nullptr);
    if (auto st = connection.exec(QStringLiteral("SET client_encoding = 'UTF8'; SET lc_messages = 'C'")); !st) {
        // lc_messages needs superuser on some servers: the encoding is what matters.
        if (auto enc = connection.exec(QStringLiteral("SET client_encoding = 'UTF8'")); !enc)
            return enc.error();
    }
    return connection;
}

QString PgConnection::login() const { return QString::fromUtf8(PQuser(m_conn.get())); }

Error PgConnection::resultError(pg_result* result, const QString& what) const
{
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    m_lastState = state ? QByteArray(state) : QByteArray();
    const QString why = firstLine(
        result && PQresultErrorMessage(result)[0] ? PQresultErrorMessage(result) : PQerrorMessage(handle()));
    if (m_lastState.isEmpty() && PQstatus(handle()) == CONNECTION_BAD)
        m_lastState = "08006";
    return Error { QStringLiteral("%1: %2: %3").arg(m_name, what, why), hintFor(m_lastState, why, login()) };
}

Error PgConnection::lastError(const QString& what) const
{
    const QString why = firstLine(PQerrorMessage(handle()));
    return Error { QStringLiteral("%1: %2: %3").arg(m_name, what, why), hintFor(m_lastState, why, login()) };
}

Result<PgResult> PgConnection::query(const QString& sql, const QList<QByteArray>& params) const
{
    return query(sql, params, {});
}

Status PgConnection::exec(const QString& sql, const QList<QByteArray>& params, const QList<bool>& binary) const
{
    auto result = query(sql, params, binary);
    if (!result)
        return result.error();
    return success();
}

Result<PgResult> PgConnection::query(
    const QString& sql, const QList<QByteArray>& params, const QList<bool>& binary) const
{
    const QByteArray text = sql.toUtf8();
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    values.reserve(size_t(params.size()));
    for (qsizetype i = 0; i < params.size(); ++i) {
        values.push_back(params[i].isNull() ? nullptr : params[i].constData());
        lengths.push_back(int(params[i].size()));
        formats.push_back(binary.value(i) ? 1 : 0);
    }
    pg_result* result = params.isEmpty() ? PQexec(handle(), text.constData())
                                         : PQexecParams(handle(), text.constData(), int(params.size()), nullptr,
                                             values.data(), lengths.data(), formats.data(), 0);
    const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        Error error = resultError(result, QStringLiteral("%1 failed").arg(sql.section(u' ', 0, 0)));
        PQclear(result);
        return error;
    }
    m_lastState.clear();
    return PgResult(result);
}

Status PgConnection::exec(const QString& sql, const QList<QByteArray>& params) const
{
    auto result = query(sql, params);
    if (!result)
        return result.error();
    return success();
}

Status PgConnection::copyIn(const QString& copySql, const QByteArray& data) const
{
    // Chunks of 1 MiB: libpq buffers what it is given, so one huge call would double the memory.
    constexpr qsizetype kChunk = 1 << 20;
    qsizetype at = 0;
    return copyIn(copySql, [&](QByteArray& chunk) {
        if (at >= data.size())
            return false;
        chunk = data.mid(at, kChunk);
        at += kChunk;
        return true;
    });
}

Status PgConnection::copyIn(const QString& copySql, const std::function<bool(QByteArray&)>& next) const
{
    const QByteArray text = copySql.toUtf8();
    pg_result* start = PQexec(handle(), text.constData());
    if (!start || PQresultStatus(start) != PGRES_COPY_IN) {
        Error error = resultError(start, QStringLiteral("COPY failed"));
        PQclear(start);
        return error;
    }
    PQclear(start);
    QByteArray chunk;
    bool sent = true;
    while (sent) {
        chunk.clear();
        if (!next(chunk))
            break;
        if (!chunk.isEmpty() && PQputCopyData(handle(), chunk.constData(), int(chunk.size())) != 1)
            sent = false;
    }
    if (!sent || PQputCopyEnd(handle(), nullptr) != 1) {
        m_lastState = "08006";
        return lastError(QStringLiteral("COPY failed"));
    }
    Status status = success();
    while (pg_result* result = PQgetResult(handle())) {
        if (PQresultStatus(result) != PGRES_COMMAND_OK && status)
            status = resultError(result, QStringLiteral("COPY failed"));
        PQclear(result);
    }
    return status;
}

Result<QByteArray> PgConnection::copyOut(const QString& copySql) const
{
    const QByteArray text = copySql.toUtf8();
    pg_result* start = PQexec(handle(), text.constData());
    if (!start || PQresultStatus(start) != PGRES_COPY_OUT) {
        Error error = resultError(start, QStringLiteral("COPY failed"));
        PQclear(start);
        return error;
    }
    PQclear(start);
    QByteArray data;
    char* buffer = nullptr;
    int length = 0;
    while ((length = PQgetCopyData(handle(), &buffer, 0)) > 0) {
        data.append(buffer, length);
        PQfreemem(buffer);
    }
    Status status = success();
    if (length == -2)
        status = lastError(QStringLiteral("COPY failed"));
    while (pg_result* result = PQgetResult(handle())) {
        if (PQresultStatus(result) != PGRES_COMMAND_OK && status)
            status = resultError(result, QStringLiteral("COPY failed"));
        PQclear(result);
    }
    if (!status)
        return status.error();
    return data;
}

Status PgConnection::beginBulkRead() const
{
    if (auto begun = exec(QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")); !begun)
        return begun;
    // The planner's cost of a whole-table read with a subquery per row passes jit_above_cost, and
    // LLVM then spends most of the query's time compiling it; the sort of the runs spilled to disk
    // at the default 4 MB. Both settings end with the transaction.
    if (PQserverVersion(handle()) >= 110000) {
        if (auto jit = exec(QStringLiteral("SET LOCAL jit = off")); !jit)
            return jit;
    }
    return exec(QStringLiteral("SET LOCAL work_mem = '64MB'"));
}

void PgConnection::rollback() const
{
    if (PQstatus(handle()) == CONNECTION_OK)
        PQclear(PQexec(handle(), "ROLLBACK"));
}

// --- COPY text format -------------------------------------------------------------------------------

void appendCopyText(QByteArray& row, QByteArrayView value)
{
    for (const char c : value) {
        switch (c) {
        case '\\':
            row.append("\\\\");
            break;
        case '\t':
            row.append("\\t");
            break;
        case '\n':
            row.append("\\n");
            break;
        case '\r':
            row.append("\\r");
            break;
        default:
            row.append(c);
        }
    }
}

void appendCopyBytea(QByteArray& row, QByteArrayView value)
{
    static constexpr char kHex[] = "0123456789abcdef";
    row.append("\\\\x"); // COPY unescapes \\ to \, and bytea reads \x… as hex
    const qsizetype start = row.size();
    row.resize(start + value.size() * 2);
    char* out = row.data() + start;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        *out++ = kHex[byte >> 4];
        *out++ = kHex[byte & 15];
    }
}

QByteArray decodeBytea(QByteArrayView text)
{
    if (text.startsWith("\\x"))
        return QByteArray::fromHex(text.sliced(2).toByteArray());
    return text.toByteArray();
}

} // namespace reprise
