#include "cli/cli_common.h"
#include "launch/run_recorder.h"

#include <QDir>
#include <QFileInfo>

namespace reprise::cli {

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
    options.dbPath = databasePath(parser);
    options.project = parser.value(QStringLiteral("project"));
    options.projectGiven = parser.isSet(QStringLiteral("project"));
    options.name = parser.value(QStringLiteral("name"));
    // The default database lives in a folder that may not exist yet.
    QDir().mkpath(QFileInfo(options.dbPath).absolutePath());
    return recordRun(options, [](const QString& line, const QString& hint) { printError(line, hint); });
}

} // namespace reprise::cli
