#include "cli/cli_common.h"
#include "launch/live_team_sync.h"
#include "launch/run_recorder.h"
#include "team/pg_connection.h"
#include "team/team_location.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <optional>

namespace reprise::cli {

namespace {

    QString shellQuoted(const QString& text)
    {
        return u'\'' + QString(text).replace(u'\'', QStringLiteral("'\\''")) + u'\'';
    }

    /// What to tell the user about a run that did not reach its team store: the store's error and
    /// how to push the run later (the location repeated unless it holds a password).
    void warnNotSynced(const Error& error, const QString& location, const QString& dbGiven)
    {
        static const QRegularExpression password(QStringLiteral(R"((://[^:/@]*:[^@/]*@)|password\s*=)"));
        QString command = QStringLiteral("reprise sync");
        if (!dbGiven.isEmpty())
            command += QStringLiteral(" --db ") + shellQuoted(dbGiven);
        command += QStringLiteral(" --to ")
            + (location.contains(password) ? QStringLiteral("LOCATION") : shellQuoted(location));
        QString hint = error.hint;
        if (!hint.isEmpty())
            hint += QStringLiteral("\nhint: ");
        hint += QStringLiteral("the run goes on and is recorded locally; push it later with `%1`").arg(command);
        printError(QStringLiteral("warning: ") + error.message, hint);
    }

} // namespace

int runRecord(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs CMD and records it as a run: command, working dir, git state, environment (allow-listed), params,\n"
        "output and exit status. Prints the run id; exits with CMD's own exit code."));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("project"), QStringLiteral("Project of the run (default: default)."),
        QStringLiteral("P"), QStringLiteral("default") });
    parser.addOption({ QStringLiteral("name"), QStringLiteral("Name of the run (default: the script's name)."),
        QStringLiteral("N") });
    parser.addOption({ QStringLiteral("param"),
        QStringLiteral("A parameter k=v (repeatable); passed to CMD in REPRISE_PARAMS for the Python client."),
        QStringLiteral("k=v") });
    parser.addOption({ QStringLiteral("sync-to"),
        QStringLiteral("Also push the run to this team store while it runs (libpq URI or key/value string)."),
        QStringLiteral("LOCATION") });
    parser.addPositionalArgument(QStringLiteral("-- CMD ARGS"), QStringLiteral("The command to run."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("run"), args, exitCode))
        return exitCode;

    RecordOptions options;
    options.command = parser.positionalArguments();
    if (options.command.isEmpty() || options.command.first().isEmpty()) {
        printError(QStringLiteral("run: no command given"),
            QStringLiteral("reprise run [--project P] [--param k=v]... -- CMD ARGS..."));
        return Usage;
    }
    for (const QString& pair : parser.values(QStringLiteral("param"))) {
        const qsizetype eq = pair.indexOf(u'=');
        if (eq <= 0) {
            printError(QStringLiteral("run: --param '") + pair + QStringLiteral("': expected k=v"),
                QStringLiteral("e.g. --param lr=0.01"));
            return Usage;
        }
        options.params.insert(pair.left(eq), ParamValue::infer(pair.mid(eq + 1)));
    }
    const QString syncTo = parser.value(QStringLiteral("sync-to"));
    if (parser.isSet(QStringLiteral("sync-to")) && !isTeamStoreLocation(syncTo)) {
        printError(QStringLiteral("run: --sync-to needs a team store location"),
            QStringLiteral("reprise run --sync-to postgresql://host/database -- CMD (or 'host=... dbname=...')"));
        return Usage;
    }
    options.dbPath = databasePath(parser);
    options.project = parser.value(QStringLiteral("project"));
    options.projectGiven = parser.isSet(QStringLiteral("project"));
    options.name = parser.value(QStringLiteral("name"));
    // The default database lives in a folder that may not exist yet.
    QDir().mkpath(QFileInfo(options.dbPath).absolutePath());
    const auto message = [](const QString& line, const QString& hint) { printError(line, hint); };
    if (syncTo.isEmpty())
        return recordRun(options, message);

    // The run goes to the team store from a thread of its own while it runs; the command never
    // waits for the network, and a store that is down or refuses is one warning, not a failure.
    const QString dbGiven = parser.isSet(QStringLiteral("db")) ? options.dbPath : QString();
    LiveTeamSync live(options.dbPath, syncTo, [&](const Error& error) { warnNotSynced(error, syncTo, dbGiven); });
    options.runCreated = [&](const QString& runId) { live.follow(runId); };
    const int commandExit = recordRun(options, message);
    auto last = live.finish();
    if (!last) {
        const Error warned = live.warned();
        if (!last.error().message.isEmpty() && last.error().message != warned.message)
            warnNotSynced(last.error(), syncTo, dbGiven);
    } else if (!live.warned().message.isEmpty()) {
        printError(QStringLiteral("team store %1: the run reached it after all").arg(describeTeamLocation(syncTo)));
    }
    return commandExit;
}

} // namespace reprise::cli
