#include "cli/cli_common.h"
#include "import/source_import.h"
#include "text/display_text.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <cstdio>
#include <unistd.h>

namespace reprise::cli {

namespace {

    QJsonObject summaryJson(const QString& path, const ImportSummary& s)
    {
        QJsonArray problems;
        for (const ImportProblem& p : s.problems)
            problems.append(
                QJsonObject { { QStringLiteral("file"), p.file }, { QStringLiteral("message"), p.message } });
        return QJsonObject { { QStringLiteral("source"), path }, { QStringLiteral("kind"), toString(s.kind) },
            { QStringLiteral("runs_in_source"), s.runsInSource }, { QStringLiteral("runs_added"), s.runsAdded },
            { QStringLiteral("runs_skipped"), s.runsSkipped }, { QStringLiteral("runs_repaired"), s.runsRepaired },
            { QStringLiteral("points"), s.points }, { QStringLiteral("steps"), s.steps },
            { QStringLiteral("datasets"), s.datasets }, { QStringLiteral("problems"), problems } };
    }

} // namespace

int runImport(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Imports runs from other trackers into a Reprise database: MLflow (mlflow.db, mlruns/), TensorBoard\n"
        "event files or log dirs, DVC projects (dvc.yaml, dvc.lock, params.yaml, dvclive), Lightning and Keras\n"
        "CSV logs. The kind is detected from the content. One transaction per source: all of it or nothing.\n"
        "Importing the same source again adds nothing. Files that are partly damaged are reported and their\n"
        "valid part is kept."));
    addDatabaseOption(parser);
    parser.addOption(
        { QStringLiteral("project"), QStringLiteral("File every imported run under project P."), QStringLiteral("P") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    parser.addPositionalArgument(QStringLiteral("SOURCE"), QStringLiteral("What to import (repeatable)."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("import"), args, exitCode))
        return exitCode;
    const QStringList sources = parser.positionalArguments();
    if (sources.isEmpty()) {
        printError(QStringLiteral("import: no source given"),
            QStringLiteral("reprise import PATH [--db TARGET] [--project P]"));
        return Usage;
    }
    const QString target = databasePath(parser);
    QDir().mkpath(QFileInfo(target).absolutePath());
    auto store = RunStore::open(target, OpenMode::Create);
    if (!store) {
        printError(store.error());
        return Failure;
    }
    const bool json = parser.isSet(QStringLiteral("json"));
    const bool showProgress = !json && ::isatty(STDERR_FILENO);
    QJsonArray results;
    for (const QString& source : sources) {
        ImportOptions options;
        options.project = parser.value(QStringLiteral("project"));
        int lastPercent = -1;
        if (showProgress)
            options.control.progress = [&](double f) {
                const int percent = int(f * 100);
                if (percent != lastPercent) {
                    lastPercent = percent;
                    std::fprintf(
                        stderr, "\rimporting %s: %d%%", qPrintable(visibleText(QFileInfo(source).fileName())), percent);
                    std::fflush(stderr);
                }
            };
        auto summary = importSource(source, *store, options);
        if (showProgress)
            std::fputs("\r\033[K", stderr);
        if (!summary) {
            printError(summary.error());
            exitCode = Failure;
            continue;
        }
        for (const ImportProblem& p : summary->problems)
            printError(p.file + QStringLiteral(": ") + p.message);
        if (json) {
            results.append(summaryJson(source, *summary));
        } else {
            printOut(importSummaryLine(visibleText(source), *summary) + u'\n');
        }
    }
    if (json)
        printJson(QJsonDocument(
            QJsonObject { { QStringLiteral("database"), target }, { QStringLiteral("imports"), results } }));
    return exitCode;
}

} // namespace reprise::cli
