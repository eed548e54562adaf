// `reprise bundle RUN -o FILE`: a reproduction bundle of a run (layout in bundle/run_bundle.h).

#include "bundle/run_bundle.h"
#include "cli/cli_common.h"
#include "text/display_text.h"

#include <QFileInfo>

namespace reprise::cli {

int runBundle(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Writes a reproduction bundle of a run: one tar file with the code at the recorded commit (a git\n"
        "bundle, or the tracked files), the recorded patch, launch spec, params, environment, runtime,\n"
        "input and artifact hashes and the run itself with its metrics. `reprise rerun --bundle FILE`\n"
        "reruns it on another machine and reports whether it reproduced."));
    addDatabaseOption(parser);
    parser.addOption({ { QStringLiteral("o"), QStringLiteral("output") }, QStringLiteral("The bundle file to write."),
        QStringLiteral("FILE") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    parser.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("The run to bundle (id or prefix)."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("bundle"), args, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1 || !parser.isSet(QStringLiteral("output"))) {
        printError(
            QStringLiteral("bundle: expected one run and -o FILE"), QStringLiteral("reprise bundle RUN -o FILE"));
        return Usage;
    }
    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    const QString output = QFileInfo(parser.value(QStringLiteral("output"))).absoluteFilePath();
    auto written = writeRunBundle(*store, parser.positionalArguments().first(), output);
    if (!written) {
        printError(QStringLiteral("bundle: ") + written.error().message, written.error().hint);
        return Failure;
    }
    if (parser.isSet(QStringLiteral("json"))) {
        printJson(QJsonDocument(QJsonObject { { QStringLiteral("file"), written->file },
            { QStringLiteral("run"), written->runId }, { QStringLiteral("code"), written->code },
            { QStringLiteral("has_code"), written->hasCode }, { QStringLiteral("bytes"), written->bytes },
            { QStringLiteral("metrics"), written->metrics }, { QStringLiteral("points"), written->points } }));
        return Ok;
    }
    printOut(QStringLiteral("%1: run %2, %3, %4 metrics (%5 points), %6 bytes\n")
                 .arg(written->file, written->runId.left(8), visibleText(written->code))
                 .arg(written->metrics)
                 .arg(written->points)
                 .arg(written->bytes));
    if (!written->hasCode)
        printError(QStringLiteral("bundle: ") + visibleText(written->code),
            QStringLiteral("a rerun from this bundle needs the code at hand (--cwd DIR)"));
    return Ok;
}

} // namespace reprise::cli
