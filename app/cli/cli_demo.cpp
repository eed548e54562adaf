#include "cli/cli_common.h"
#include "demo/demo_generator.h"

namespace reprise::cli {

int runDemo(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Writes a deterministic demo database: several projects, learning curves with noise and spikes,\n"
        "histories up to 100k steps, seeds to group, pipelines with artifacts, drifting datasets, reruns."));
    parser.addOption({ QStringLiteral("out"), QStringLiteral("Database file to write."), QStringLiteral("PATH") });
    parser.addOption({ QStringLiteral("runs"), QStringLiteral("Number of runs (default 320)."), QStringLiteral("N"),
        QStringLiteral("320") });
    parser.addOption({ QStringLiteral("seed"), QStringLiteral("Random seed (default 42)."), QStringLiteral("S"),
        QStringLiteral("42") });
    parser.addOption({ QStringLiteral("history"),
        QStringLiteral("Share of each history's points to log, 0 < F <= 1 (default: all up to 320 runs, then "
                       "320/N, so the demo's points stay those of 320 runs)."),
        QStringLiteral("F") });
    parser.addOption({ QStringLiteral("force"), QStringLiteral("Replace PATH if it exists.") });
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("demo"), args, exitCode))
        return exitCode;
    if (!parser.isSet(QStringLiteral("out"))) {
        printError(QStringLiteral("demo: --out PATH is required"), QStringLiteral("e.g. reprise demo --out demo.db"));
        return Usage;
    }
    DemoOptions options;
    options.path = parser.value(QStringLiteral("out"));
    bool ok = false;
    options.runs = parser.value(QStringLiteral("runs")).toInt(&ok);
    if (!ok) {
        printError(
            QStringLiteral("demo: --runs '") + parser.value(QStringLiteral("runs")) + QStringLiteral("': not a number"),
            QStringLiteral("e.g. --runs 300"));
        return Usage;
    }
    options.seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok) {
        printError(
            QStringLiteral("demo: --seed '") + parser.value(QStringLiteral("seed")) + QStringLiteral("': not a number"),
            QStringLiteral("e.g. --seed 7"));
        return Usage;
    }
    if (parser.isSet(QStringLiteral("history"))) {
        options.history = parser.value(QStringLiteral("history")).toDouble(&ok);
        if (!ok || !(options.history > 0 && options.history <= 1)) {
            printError(QStringLiteral("demo: --history '") + parser.value(QStringLiteral("history"))
                    + QStringLiteral("': not a share between 0 and 1"),
                QStringLiteral("e.g. --history 1 for every point, --history 0.01 for one in a hundred"));
            return Usage;
        }
    }
    options.overwrite = parser.isSet(QStringLiteral("force"));
    auto summary = generateDemo(options);
    if (!summary) {
        printError(summary.error());
        return Failure;
    }
    printOut(QStringLiteral("wrote %1: %2 runs in %3 projects, %4 metric points\n")
                 .arg(options.path)
                 .arg(summary->runs)
                 .arg(summary->projects)
                 .arg(summary->points));
    return Ok;
}

} // namespace reprise::cli
