#include "cli/cli_common.h"
#include "text/display_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <fmt/core.h>

namespace reprise::cli {

namespace {

    std::string numberText(double v)
    {
        if (std::isnan(v))
            return "nan";
        if (std::isinf(v))
            return v > 0 ? "inf" : "-inf";
        return fmt::format("{}", v); // shortest text that reads back to the same double
    }

    /// A key as a CSV cell: visible text (no control characters reach a terminal), quoted when it
    /// holds a comma, a quote or a leading or trailing space.
    std::string csvCell(const QString& text)
    {
        QString t = visibleText(text);
        if (t.contains(u',') || t.contains(u'"') || t.startsWith(u' ') || t.endsWith(u' '))
            t = u'"' + t.replace(u'"', QStringLiteral("\"\"")) + u'"';
        return t.toStdString();
    }

} // namespace

int runMetrics(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Without KEY: the run's metrics with their latest values. With KEY: the full history (step, value, time)."));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("csv"), QStringLiteral("CSV on stdout: step,value,time (nan/inf as text).") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    parser.addPositionalArgument(QStringLiteral("RUN"), QStringLiteral("Run id or unique prefix."));
    parser.addPositionalArgument(QStringLiteral("KEY"), QStringLiteral("Metric key."), QStringLiteral("[KEY]"));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("metrics"), args, exitCode))
        return exitCode;
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty() || positional.size() > 2) {
        printError(QStringLiteral("metrics: expected a run id and optionally a metric key"),
            QStringLiteral("reprise metrics RUN [KEY] [--csv|--json]"));
        return Usage;
    }
    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto ref = store->resolveRun(positional.first());
    if (!ref) {
        printError(ref.error());
        return Failure;
    }
    const bool csv = parser.isSet(QStringLiteral("csv"));
    const bool json = parser.isSet(QStringLiteral("json"));

    if (positional.size() == 1) {
        auto summaries = store->metricSummaries(*ref);
        if (!summaries) {
            printError(summaries.error());
            return Failure;
        }
        if (json) {
            QJsonArray a;
            for (const MetricSummary& m : *summaries) {
                a.append(
                    QJsonObject { { QStringLiteral("key"), m.key }, { QStringLiteral("value"), jsonNumber(m.value) },
                        { QStringLiteral("step"), m.step }, { QStringLiteral("count"), m.count } });
            }
            printJson(QJsonDocument(a));
            return Ok;
        }
        std::string out = csv ? "key,value,step,count\n"
                              : fmt::format("{:<32} {:>14} {:>10} {:>10}\n", "KEY", "LATEST", "STEP", "POINTS");
        for (const MetricSummary& m : *summaries) {
            out += csv ? fmt::format("{},{},{},{}\n", csvCell(m.key), numberText(m.value), m.step, m.count)
                       : fmt::format("{:<32} {:>14} {:>10} {:>10}\n", visibleText(m.key).toStdString(),
                           numberText(m.value), m.step, m.count);
        }
        printOut(QByteArray::fromStdString(out));
        return Ok;
    }

    auto history = store->loadMetric(*ref, positional[1]);
    if (!history) {
        printError(history.error());
        return Failure;
    }
    if (json) {
        QJsonArray steps, values, times;
        for (size_t i = 0; i < history->size(); ++i) {
            steps.append(history->steps[i]);
            values.append(jsonNumber(history->values[i]));
            times.append(history->times[i]);
        }
        printJson(QJsonDocument(QJsonObject { { QStringLiteral("run"), ref->uuid },
                      { QStringLiteral("key"), history->key }, { QStringLiteral("steps"), steps },
                      { QStringLiteral("values"), values }, { QStringLiteral("times"), times } }),
            QJsonDocument::Compact);
        printOut(QByteArrayLiteral("\n"));
        return Ok;
    }
    std::string out = csv ? "step,value,time\n" : fmt::format("{:>10} {:>24} {:>18}\n", "STEP", "VALUE", "TIME");
    out.reserve(history->size() * 40);
    for (size_t i = 0; i < history->size(); ++i) {
        out += csv ? fmt::format("{},{},{:.3f}\n", history->steps[i], numberText(history->values[i]), history->times[i])
                   : fmt::format("{:>10} {:>24} {:>18.3f}\n", history->steps[i], numberText(history->values[i]),
                       history->times[i]);
    }
    printOut(QByteArray::fromStdString(out));
    return Ok;
}

} // namespace reprise::cli
