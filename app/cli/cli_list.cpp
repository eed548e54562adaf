#include "cli/cli_common.h"
#include "query/query.h"
#include "query/query_sql.h"
#include "store/database.h"
#include "store/lookup_indexes.h"
#include "store/run_table.h"
#include "store/run_table_rows.h"
#include "text/display_text.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>
#include <ctime>
#include <fmt/core.h>
#include <fmt/format.h>
#include <iterator>
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

    /// formatTime() for many times: the C library's local time (what QDateTime's local time is made
    /// of) asked directly. QDateTime calls tzset() for each time, which looks at /etc/localtime
    /// again each time (a system call); localtime_r reads the zone once, here set up by tzset().
    /// A hundred thousand rows cost milliseconds instead of a second.
    class TimeText {
    public:
        TimeText() { tzset(); }

        std::string operator()(double epochSeconds) const
        {
            if (!std::isfinite(epochSeconds) || epochSeconds < 0 || epochSeconds > 253402300799.0)
                return formatTime(epochSeconds).toStdString(); // before 1970 or after 9999: as is
            const time_t seconds = time_t(qint64(epochSeconds * 1000) / 1000);
            tm local {};
            if (!localtime_r(&seconds, &local))
                return formatTime(epochSeconds).toStdString();
            return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", local.tm_year + 1900, local.tm_mon + 1,
                local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
        }
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

    /// cell() of UTF-8 text, left-aligned in `width` characters and a space, appended to `out`:
    /// printable ASCII (most names) cut and padded by bytes, anything else as text.
    void appendCell(std::string& out, std::string_view utf8, int width)
    {
        const bool plain = std::all_of(utf8.begin(), utf8.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
        if (!plain) {
            fmt::format_to(std::back_inserter(out), "{:<{}} ",
                cell(QString::fromUtf8(utf8.data(), qsizetype(utf8.size())), width), width);
            return;
        }
        if (utf8.size() <= size_t(width)) {
            out += utf8;
            out.append(size_t(width) - utf8.size() + 1, ' ');
        } else {
            out += utf8.substr(0, size_t(width - 1));
            out += "\u2026 ";
        }
    }

    /// `ls --json`: every param, metric and tag of the runs the filter keeps, read whole.
    int printRunsJson(const Database& db, const Query& query, const QString& filterText, const QString& project,
        qint64 limit, double now)
    {
        Result<RunTable> table = RunTable {};
        if (query.isEmpty() && project.isEmpty()) {
            table = loadRunTable(db);
        } else {
            // SQLite finds the runs that match, reading only the fields the filter compares; only
            // those runs are read whole.
            auto ids = matchingRunIds(db, filterText, now, project);
            table = ids ? loadRunTableRows(db, {}, *ids) : Result<RunTable>(ids.error());
        }
        if (!table) {
            printError(table.error());
            return Failure;
        }
        // Exactly what the filter keeps, as the window's filter does, on the runs SQLite found.
        std::vector<std::int32_t> rows = query.filter(*table, now);
        if (!project.isEmpty())
            std::erase_if(rows, [&](std::int32_t r) { return table->projects.at(size_t(r)) != project; });
        if (limit >= 0 && qint64(rows.size()) > limit)
            rows.resize(size_t(limit));
        QJsonArray array;
        for (auto r : rows)
            array.append(runJson(*table, size_t(r), now));
        printJson(QJsonDocument(array));
        return Ok;
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
    const double now = nowSeconds();
    const QString project = parser.value(QStringLiteral("project"));
    const Database& db = store->database();
    // One snapshot for the count and the runs (the upper half of a large database's ids is read on
    // a second connection: see listMatchingRuns).
    ReadTransaction snapshot(db);
    if (!snapshot.status()) {
        printError(snapshot.status().error());
        return Failure;
    }
    // Every run as the window counts them: counted from the smallest index, where joining the
    // projects walked the larger one by project (48 against 7 ms at a million runs).
    auto count = db.prepare("SELECT count(*) FROM runs");
    if (!count) {
        printError(count.error());
        return Failure;
    }
    if (int rc = count->step(); rc != SQLITE_ROW) {
        printError(db.sqliteError(rc, QStringLiteral("counting runs")));
        return Failure;
    }
    const qint64 total = count->int64(0);
    count = Statement();
    const RunTableColumns& extra = query->columns();
    if (total > kLookupIndexesMadeUnaskedUpTo && !(extra.params.isEmpty() && extra.tags.isEmpty())
        && !hasKeyLookupIndexes(db)) {
        // Said on stderr: the listing on stdout stays what scripts read.
        printError(QStringLiteral("ls: %1 runs and no indexes by key: each run's params are looked up").arg(total),
            QStringLiteral("`reprise optimize --db %1` builds them once (about 25 s for a million runs); filters on "
                           "params and tags then take a fraction of the time")
                .arg(databasePath(parser)));
    }
    if (json)
        return printRunsJson(db, *query, filterText, project, limit, now);

    // People see what the filter mentions besides the run: its params and metrics as columns.
    auto runs = listMatchingRuns(db, filterText, now, project, extra.params, extra.metrics);
    if (!runs) {
        printError(runs.error());
        return Failure;
    }
    const size_t matched = runs->size();
    if (limit >= 0 && qint64(runs->size()) > limit)
        runs->resize(size_t(limit));
    std::string out = fmt::format(
        "{:<10} {:<10} {:<16} {:<28} {:<19} {:>8}", "ID", "STATUS", "PROJECT", "NAME", "STARTED", "DURATION");
    for (const QString& key : extra.params)
        out += fmt::format(" {:>12}", cell(key, 12));
    for (const QString& key : extra.metrics)
        out += fmt::format(" {:>12}", cell(key, 12));
    out += '\n';
    TimeText timeText;
    out.reserve(out.size() + runs->size() * (100 + 13 * size_t(extra.params.size() + extra.metrics.size())));
    auto to = std::back_inserter(out);
    for (const ListedRun& run : *runs) {
        const double end = std::isnan(run.endTime) ? now : run.endTime;
        appendCell(out, std::string_view(run.id).substr(0, 8), 10);
        appendCell(out, run.status, 10);
        appendCell(out, run.project, 16);
        appendCell(out, run.name, 28);
        fmt::format_to(to, "{:<19} {:>8}", timeText(run.startTime),
            formatDuration(std::max(0.0, end - run.startTime)).toStdString());
        for (const auto& value : run.params) {
            if (value)
                fmt::format_to(to, " {:>12}", cell(QString::fromUtf8(value->data(), qsizetype(value->size())), 12));
            else
                out.append(13, ' ');
        }
        for (const auto& value : run.metrics)
            fmt::format_to(to, " {:>12}", value ? fmt::format("{:.6g}", *value) : std::string());
        out += '\n';
    }
    out += runs->size() < matched ? fmt::format("{} shown of {} matching, {} runs\n", runs->size(), matched, total)
                                  : fmt::format("{} of {} runs\n", matched, total);
    printOut(QByteArray::fromRawData(out.data(), qsizetype(out.size())));
    return Ok;
}

} // namespace reprise::cli
