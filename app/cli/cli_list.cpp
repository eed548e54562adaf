#include "cli/cli_common.h"
#include "query/query.h"
#include "query/query_sql.h"
#include "store/database.h"
#include "store/run_table.h"
#include "store/run_table_rows.h"
#include "text/display_text.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <fmt/core.h>
#include <optional>

namespace reprise::cli {

namespace {

    QJsonObject runJson(const RunTable& t, size_t row, double now)
    {
        QJsonObject o { { QStringLiteral("id"), t.uuids[row] }, { QStringLiteral("project"), t.projects.at(row) },
            { QStringLiteral("name"), t.names.at(row) }, { QStringLiteral("status"), t.statuses.at(row) },
            { QStringLiteral("kind"), t.kinds.at(row) }, { QStringLiteral("user"), t.users.at(row) },
            { QStringLiteral("host"), t.hosts.at(row) }, { QStringLiteral("commit"), t.commits.at(row) },
            { QStringLiteral("branch"), t.branches.at(row) }, { QStringLiteral("dirty"), t.dirty[row] != 0 },
            { QStringLiteral("started"), t.startTimes[row] },
            { QStringLiteral("ended"), std::isnan(t.endTimes[row]) ? QJsonValue() : QJsonValue(t.endTimes[row]) },
            { QStringLiteral("duration"), t.duration(row, now) },
            { QStringLiteral("parent"), t.parents.has(row) ? QJsonValue(t.parents.at(row)) : QJsonValue() } };
        QJsonObject params, metrics, tags;
        for (const ValueColumn& c : t.params) {
            if (c.text.has(row))
                params.insert(c.key, c.text.at(row));
        }
        for (const NumberColumn& c : t.metrics) {
            if (c.present[row])
                metrics.insert(c.key, jsonNumber(c.values[row]));
        }
        for (const ValueColumn& c : t.tags) {
            if (c.text.has(row))
                tags.insert(c.key, c.text.at(row));
        }
        o.insert(QStringLiteral("params"), params);
        o.insert(QStringLiteral("metrics"), metrics);
        o.insert(QStringLiteral("tags"), tags);
        return o;
    }

    /// formatTime() for many times: the offset of local time from UTC looked up once per hour of
    /// UTC (where it is the same at both ends of the hour: no change of offset in between), each time
    /// then written out directly. A hundred thousand rows cost milliseconds instead of a second.
    class TimeText {
    public:
        std::string operator()(double epochSeconds)
        {
            if (!std::isfinite(epochSeconds) || epochSeconds < 0 || epochSeconds > 253402300799.0)
                return formatTime(epochSeconds).toStdString(); // before 1970 or after 9999: as is
            const auto ms = qint64(epochSeconds * 1000);
            const qint64 hour = ms / 3600000;
            if (hour != m_hour) {
                m_hour = hour;
                const int first = QDateTime::fromMSecsSinceEpoch(hour * 3600000).offsetFromUtc();
                const int last = QDateTime::fromMSecsSinceEpoch(hour * 3600000 + 3599999).offsetFromUtc();
                m_offset = first == last ? std::optional<int>(first) : std::nullopt;
            }
            if (!m_offset)
                return formatTime(epochSeconds).toStdString();
            const qint64 local = ms / 1000 + *m_offset;
            if (local < 0)
                return formatTime(epochSeconds).toStdString();
            // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
            const qint64 days = local / 86400, seconds = local % 86400;
            const qint64 z = days + 719468, era = z / 146097, doe = z - era * 146097;
            const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
            const qint64 day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
            const qint64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
            return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", year, month, day, seconds / 3600,
                seconds / 60 % 60, seconds % 60);
        }

    private:
        qint64 m_hour = -1;
        std::optional<int> m_offset;
    };

    std::string cell(const QString& text, int width)
    {
        // One line per run whatever the names contain: line breaks, control and bidirectional
        // characters as visible escapes (a name cannot clear the screen or reorder the line).
        QString t = visibleText(text);
        if (t.size() > width) {
            qsizetype cut = width - 1;
            if (t[cut - 1].isHighSurrogate())
                --cut;
            t = t.left(cut) + QChar(0x2026);
        }
        return t.toStdString();
    }

} // namespace

int runList(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Lists runs, newest first. The filter language is described in the README, e.g.\n"
                       "  reprise ls --filter 'lr < 0.01 and status = finished and tag.team = vision'"));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("project"), QStringLiteral("Only runs of project P."), QStringLiteral("P") });
    parser.addOption({ QStringLiteral("filter"), QStringLiteral("Only runs matching EXPR."), QStringLiteral("EXPR") });
    parser.addOption({ QStringLiteral("limit"), QStringLiteral("At most N runs."), QStringLiteral("N") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON array of runs on stdout.") });
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("ls"), args, exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("ls: unexpected argument '") + parser.positionalArguments().first() + u'\'',
            QStringLiteral("quote the filter: reprise ls --filter 'EXPR'"));
        return Usage;
    }

    const QString filterText = parser.value(QStringLiteral("filter"));
    auto query = Query::parse(filterText);
    if (!query) {
        printError(QStringLiteral("filter: ") + formatQueryError(filterText, query.error()));
        return Usage;
    }
    qint64 limit = -1;
    if (parser.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        limit = parser.value(QStringLiteral("limit")).toLongLong(&ok);
        if (!ok || limit < 0) {
            printError(QStringLiteral("ls: --limit '") + parser.value(QStringLiteral("limit"))
                    + QStringLiteral("': not a count"),
                QStringLiteral("give a whole number, e.g. --limit 20"));
            return Usage;
        }
    }
    const bool json = parser.isSet(QStringLiteral("json"));

    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    // Human output shows only what the filter mentions; JSON carries every param, metric and tag.
    RunTableColumns columns = json ? RunTableColumns {} : query->columns();
    const double now = nowSeconds();
    const QString project = parser.value(QStringLiteral("project"));
    const Database& db = store->database();
    Result<RunTable> table = RunTable {};
    qint64 total = 0;
    if (query->isEmpty() && project.isEmpty()) {
        table = loadRunTable(db, columns);
        total = table ? qint64(table->rowCount()) : 0;
    } else {
        // SQLite finds the runs that match, reading only the fields the filter compares; only
        // those runs are read whole. One snapshot for the count, the matches and their rows.
        ReadTransaction snapshot(db);
        auto ids = snapshot.status() ? matchingRunIds(db, filterText, now, project)
                                     : Result<std::vector<qint64>>(snapshot.status().error());
        auto count = db.prepare("SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id");
        if (!ids) {
            table = ids.error();
        } else if (!count) {
            table = count.error();
        } else if (int rc = count->step(); rc != SQLITE_ROW) {
            table = db.sqliteError(rc, QStringLiteral("counting runs"));
        } else {
            total = count->int64(0);
            table = loadRunTableRows(db, columns, *ids);
        }
    }
    if (!table) {
        printError(table.error());
        return Failure;
    }
    // Exactly what the filter keeps, as the window's filter does, on the runs SQLite found.
    std::vector<std::int32_t> rows = query->filter(*table, now);
    if (!project.isEmpty())
        std::erase_if(rows, [&](std::int32_t r) { return table->projects.at(size_t(r)) != project; });
    const size_t matched = rows.size();
    if (limit >= 0 && qint64(rows.size()) > limit)
        rows.resize(size_t(limit));

    if (json) {
        QJsonArray array;
        for (auto r : rows)
            array.append(runJson(*table, size_t(r), now));
        printJson(QJsonDocument(array));
        return Ok;
    }
    const RunTableColumns& extra = query->columns();
    std::string out = fmt::format(
        "{:<10} {:<10} {:<16} {:<28} {:<19} {:>8}", "ID", "STATUS", "PROJECT", "NAME", "STARTED", "DURATION");
    for (const QString& key : extra.params)
        out += fmt::format(" {:>12}", cell(key, 12));
    for (const QString& key : extra.metrics)
        out += fmt::format(" {:>12}", cell(key, 12));
    out += '\n';
    TimeText timeText;
    for (auto r : rows) {
        const auto row = size_t(r);
        out += fmt::format("{:<10} {:<10} {:<16} {:<28} {:<19} {:>8}", cell(table->uuids[row].left(8), 8),
            cell(table->statuses.at(row), 10), cell(table->projects.at(row), 16), cell(table->names.at(row), 28),
            timeText(table->startTimes[row]), formatDuration(table->duration(row, now)).toStdString());
        for (const QString& key : extra.params) {
            const ValueColumn* c = table->param(key);
            out += fmt::format(" {:>12}", c ? cell(c->text.at(row), 12) : std::string());
        }
        for (const QString& key : extra.metrics) {
            const NumberColumn* c = table->metric(key);
            out += fmt::format(" {:>12}", c && c->present[row] ? fmt::format("{:.6g}", c->values[row]) : std::string());
        }
        out += '\n';
    }
    out += rows.size() < matched ? fmt::format("{} shown of {} matching, {} runs\n", rows.size(), matched, total)
                                 : fmt::format("{} of {} runs\n", matched, total);
    printOut(QByteArray::fromStdString(out));
    return Ok;
}

} // namespace reprise::cli
