#include "cli/cli_common.h"
#include "query/query.h"
#include "store/run_table.h"
#include "team/pg_connection.h"
#include "team/team_credentials.h"
#include "team/team_schema.h"
#include "team/team_sync.h"

#include <QLocale>
#include <QThread>
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <termios.h>
#include <unistd.h>

namespace reprise::cli {

namespace {

    std::atomic<bool> g_interrupted { false };

    /// --watch ends on Ctrl-C or SIGTERM, between two runs (a run's transaction is never cut).
    void stopOnSignals()
    {
        struct sigaction action = {};
        action.sa_handler = [](int) { g_interrupted = true; };
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
    }

    /// A password from the terminal without echo (or the first line of stdin when it is not a terminal).
    QByteArray readPassword(const QString& prompt)
    {
        const bool terminal = ::isatty(STDIN_FILENO) != 0;
        termios saved {};
        if (terminal) {
            std::fputs(prompt.toLocal8Bit().constData(), stderr);
            std::fflush(stderr);
            ::tcgetattr(STDIN_FILENO, &saved);
            termios quiet = saved;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        std::string line;
        std::getline(std::cin, line);
        if (terminal) {
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
            std::fputs("\n", stderr);
        }
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        return QByteArray::fromStdString(line);
    }

    /// `reprise team login LOCATION`: the password, checked by connecting, kept in the desktop keyring.
    int login(const QString& location)
    {
        if (const QString why = keyringUnavailableReason(); !why.isEmpty()) {
            printError(QStringLiteral("team login: no desktop keyring to keep the password in: ") + why, pgpassHint());
            return Failure;
        }
        const QByteArray password
            = readPassword(QStringLiteral("Password for %1: ").arg(describeTeamLocation(location)));
        if (password.isEmpty()) {
            printError(QStringLiteral("team login: no password given; nothing stored"));
            return Failure;
        }
        auto conn = PgConnection::connect(location, password);
        if (!conn) {
            printError(conn.error().message + QStringLiteral("; nothing stored"),
                QStringLiteral("check the password and try again"));
            return Failure;
        }
        const QString key = teamCredentialKey(conn->handle());
        if (!connectionUsedPassword(*conn)) {
            printOut(QStringLiteral("%1: the server did not ask for a password; nothing stored\n").arg(conn->name()));
            return Ok;
        }
        if (auto stored = storeTeamPassword(key, password); !stored) {
            printError(stored.error());
            return Failure;
        }
        printOut(QStringLiteral("%1: password kept in the desktop keyring (service reprise, key %2)\n")
                     .arg(conn->name(), key));
        return Ok;
    }

    /// `reprise team logout LOCATION`: the keyring's entry removed.
    int logout(const QString& location)
    {
        auto key = teamCredentialKeyOf(location);
        if (!key) {
            printError(key.error());
            return Failure;
        }
        auto removed = forgetTeamPassword(*key);
        if (!removed) {
            printError(removed.error());
            return Failure;
        }
        printOut(*removed ? QStringLiteral("%1: password removed from the desktop keyring\n").arg(*key)
                          : QStringLiteral("%1: the desktop keyring held no password\n").arg(*key));
        return Ok;
    }

    QString summaryLine(const QString& store, const SyncSummary& s)
    {
        const QLocale c = QLocale::c();
        if (s.added == 0 && s.updated == 0)
            return QStringLiteral("%1: nothing new (%2 run(s) already there)").arg(store).arg(s.unchanged);
        return QStringLiteral("%1: %2 run(s) added, %3 updated, %4 unchanged (%5 points, %6 MB)")
            .arg(store)
            .arg(s.added)
            .arg(s.updated)
            .arg(s.unchanged)
            .arg(c.toString(s.points))
            .arg(double(s.bytes) / 1e6, 0, 'f', 1);
    }

} // namespace

int runTeam(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Team stores (PostgreSQL).\n"
        "  reprise team init LOCATION   creates or migrates the team schema and the roles reprise_reader\n"
        "                               (reads) and reprise_writer (adds runs, edits its own), which an\n"
        "                               administrator grants to logins: GRANT reprise_writer TO alice;\n"
        "  reprise team login LOCATION  asks for the login's password (no echo), checks it by connecting and\n"
        "                               keeps it in the desktop keyring (service reprise, key user@host:port/db)\n"
        "  reprise team logout LOCATION removes it from the keyring\n"
        "LOCATION is a libpq URI (postgresql://host/db) or key/value string (host=... dbname=..., service=...).\n"
        "Passwords come from ~/.pgpass, PGPASSFILE or a service file, else the desktop keyring; TLS from sslmode."));
    parser.addPositionalArgument(QStringLiteral("init|login|logout"), QStringLiteral("What to do."));
    parser.addPositionalArgument(QStringLiteral("LOCATION"), QStringLiteral("The team store."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("team"), args, exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    const QStringList actions = { QStringLiteral("init"), QStringLiteral("login"), QStringLiteral("logout") };
    if (positional.size() != 2 || !actions.contains(positional[0])) {
        printError(QStringLiteral("team: expected `init LOCATION`, `login LOCATION` or `logout LOCATION`"),
            QStringLiteral("reprise team init postgresql://host/database"));
        return Usage;
    }
    if (!isTeamStoreLocation(positional[1])) {
        printError(QStringLiteral("team: '%1' is not a team store location").arg(positional[1]),
            QStringLiteral("a libpq URI such as postgresql://host/database, or 'host=... dbname=...'"));
        return Usage;
    }
    if (positional[0] == QLatin1String("login"))
        return login(positional[1]);
    if (positional[0] == QLatin1String("logout"))
        return logout(positional[1]);
    auto conn = PgConnection::connect(positional[1]);
    if (!conn) {
        printError(conn.error());
        return Failure;
    }
    auto done = initTeamStore(*conn);
    if (!done) {
        printError(done.error());
        return Failure;
    }
    if (done->fromVersion == done->toVersion)
        printOut(QStringLiteral("%1: already at schema version %2; roles and access rules checked\n")
                     .arg(conn->name())
                     .arg(done->toVersion));
    else if (done->fromVersion == 0)
        printOut(QStringLiteral("%1: created (schema version %2). Grant logins a role, e.g.\n"
                                "  GRANT reprise_writer TO alice;   GRANT reprise_reader TO bob;\n")
                     .arg(conn->name())
                     .arg(done->toVersion));
    else
        printOut(QStringLiteral("%1: migrated from schema version %2 to %3\n")
                     .arg(conn->name())
                     .arg(done->fromVersion)
                     .arg(done->toVersion));
    return Ok;
}

int runSync(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Pushes runs of a local database to a team store, with everything recorded. Idempotent (a second\n"
        "sync adds nothing), incremental (new points of running runs, edits), each run in one transaction\n"
        "(a sync killed anywhere is completed by the next one)."));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("to"), QStringLiteral("The team store (libpq URI or key/value string)."),
        QStringLiteral("LOCATION") });
    parser.addOption({ QStringLiteral("project"), QStringLiteral("Only runs of project P."), QStringLiteral("P") });
    parser.addOption({ QStringLiteral("filter"), QStringLiteral("Only runs matching EXPR."), QStringLiteral("EXPR") });
    parser.addOption(
        { QStringLiteral("watch"), QStringLiteral("Keep pushing about once a second until interrupted.") });
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("sync"), args, exitCode))
        return exitCode;
    const QString target = parser.value(QStringLiteral("to"));
    if (target.isEmpty() || !isTeamStoreLocation(target)) {
        printError(QStringLiteral("sync: --to needs a team store location"),
            QStringLiteral("reprise sync --to postgresql://host/database (or 'host=... dbname=...')"));
        return Usage;
    }
    const QString filterText = parser.value(QStringLiteral("filter"));
    auto query = Query::parse(filterText);
    if (!query) {
        printError(QStringLiteral("filter: ") + formatQueryError(filterText, query.error()));
        return Usage;
    }
    const QString project = parser.value(QStringLiteral("project"));
    const bool watch = parser.isSet(QStringLiteral("watch"));
    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    // Which runs: every run, unless a project or filter narrows them (evaluated again on each pass
    // of --watch, so new runs that match are picked up).
    const auto selectedRuns = [&]() -> Result<QStringList> {
        if (query->isEmpty() && project.isEmpty())
            return QStringList {};
        auto table = loadRunTable(store->database(), query->columns());
        if (!table)
            return table.error();
        QStringList uuids;
        for (const std::int32_t row : query->filter(*table, nowSeconds()))
            if (project.isEmpty() || table->projects.at(size_t(row)) == project)
                uuids << table->uuids[size_t(row)];
        if (uuids.isEmpty())
            uuids << QStringLiteral("-"); // no run matches: an empty list would mean "all"
        return uuids;
    };

    if (watch)
        stopOnSignals();
    std::optional<PgConnection> conn;
    QString lastProblem;
    do {
        Status pass = success();
        if (!conn) {
            auto connected = PgConnection::connect(target);
            if (connected) {
                if (auto version = checkTeamSchema(*connected); !version)
                    pass = version.error();
                else
                    conn.emplace(std::move(*connected));
            } else {
                pass = connected.error();
            }
        }
        if (conn) {
            auto uuids = selectedRuns();
            if (!uuids) {
                pass = uuids.error();
            } else {
                TeamSync sync(store->database(), *conn);
                auto summary = sync.sync(*uuids, [] { return g_interrupted.load(); });
                if (!summary) {
                    pass = summary.error();
                    if (conn->lastState().startsWith("08"))
                        conn.reset(); // reconnect on the next pass
                } else if (!watch || summary->added || summary->updated) {
                    printOut(summaryLine(conn->name(), *summary) + u'\n');
                    for (const QString& uuid : summary->notOwnedRuns)
                        printOut(QStringLiteral("  run %1 is another login's in the team store: left as it is\n")
                                     .arg(uuid.left(8)));
                }
            }
        }
        if (!pass) {
            if (!watch) {
                printError(pass.error());
                return Failure;
            }
            if (pass.error().message != lastProblem) // said once while it lasts, not every second
                printError(pass.error());
            lastProblem = pass.error().message;
        } else {
            lastProblem.clear();
        }
        for (int i = 0; watch && i < 10 && !g_interrupted; ++i)
            QThread::msleep(100);
    } while (watch && !g_interrupted);
    return Ok;
}

} // namespace reprise::cli
