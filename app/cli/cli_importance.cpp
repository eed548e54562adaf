// `reprise importance --metric KEY [--filter EXPR]`: which params move a metric, by Spearman rank
// correlation and a random forest's impurity-based importance.

#include "cli/cli_common.h"
#include "query/query.h"
#include "stats/importance.h"
#include "text/display_text.h"

#include <QRegularExpression>
#include <cmath>

namespace reprise::cli {

namespace {

    QJsonValue numberOrNull(double value) { return std::isfinite(value) ? QJsonValue(value) : QJsonValue(); }

    QString figure(double value, int decimals)
    {
        return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("—");
    }

    QJsonObject importanceJson(const ImportanceResult& result)
    {
        QJsonArray params;
        for (const ParamImportance& p : result.params)
            params.append(QJsonObject { { QStringLiteral("param"), p.key },
                { QStringLiteral("importance"), numberOrNull(p.importance) },
                { QStringLiteral("spearman"), numberOrNull(p.spearman) }, { QStringLiteral("runs"), p.runs },
                { QStringLiteral("levels"), p.levels }, { QStringLiteral("categorical"), p.categorical },
                { QStringLiteral("note"), p.note.isEmpty() ? QJsonValue() : QJsonValue(p.note) } });
        QJsonObject missing;
        for (auto it = result.missingParam.begin(); it != result.missingParam.end(); ++it)
            missing.insert(it.key(), *it);
        return QJsonObject { { QStringLiteral("metric"), result.metric },
            { QStringLiteral("runs_in_scope"), result.runsInScope },
            { QStringLiteral("runs_missing_metric"), result.missingMetric },
            { QStringLiteral("runs_with_metric"), result.runsWithMetric },
            { QStringLiteral("forest"),
                QJsonObject { { QStringLiteral("method"), QStringLiteral("impurity") },
                    { QStringLiteral("trees"), result.forest.trees },
                    { QStringLiteral("min_samples_leaf"), result.forest.minSamplesLeaf },
                    { QStringLiteral("max_bins"), result.forest.maxBins },
                    { QStringLiteral("seed"), QString::number(result.forest.seed) },
                    { QStringLiteral("runs"), result.forestRuns },
                    { QStringLiteral("runs_missing_a_param"), result.forestMissingAny },
                    { QStringLiteral("runs_missing_param"), missing },
                    { QStringLiteral("oob_r2"), numberOrNull(result.oobR2) } } },
            { QStringLiteral("params"), params },
            { QStringLiteral("notes"), QJsonArray::fromStringList(result.notes) } };
    }

} // namespace

int runImportance(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Ranks params by how much they move a metric (its latest value per run), over the runs of a\n"
        "database (or those --filter or --sweep selects): per param the Spearman rank correlation with the\n"
        "metric, and the importance a random-forest regressor gives it (mean decrease in impurity, summing\n"
        "to 1). Categorical params are one-hot encoded for the forest. Runs without the metric, and runs\n"
        "missing a param, are counted and said."));
    addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("metric"), QStringLiteral("The metric to explain."), QStringLiteral("KEY") });
    parser.addOption({ QStringLiteral("filter"), QStringLiteral("Only runs matching EXPR."), QStringLiteral("EXPR") });
    parser.addOption(
        { QStringLiteral("sweep"), QStringLiteral("Only the runs of this sweep (its id)."), QStringLiteral("ID") });
    parser.addOption({ QStringLiteral("project"), QStringLiteral("Only runs of project P."), QStringLiteral("P") });
    parser.addOption(
        { QStringLiteral("trees"), QStringLiteral("Trees in the forest (default 100)."), QStringLiteral("N") });
    parser.addOption({ QStringLiteral("seed"), QStringLiteral("Seed of the forest's bootstrap samples (default 0)."),
        QStringLiteral("S") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("importance"), args, exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("importance: unexpected argument '") + parser.positionalArguments().first() + u'\'',
            QStringLiteral("reprise importance --metric KEY [--filter 'EXPR']"));
        return Usage;
    }
    const QString metric = parser.value(QStringLiteral("metric"));
    if (metric.isEmpty()) {
        printError(QStringLiteral("importance: which metric? --metric KEY is required"),
            QStringLiteral("e.g. reprise importance --metric val_acc (reprise ls --json lists the metrics)"));
        return Usage;
    }
    ImportanceOptions options;
    bool ok = true;
    if (parser.isSet(QStringLiteral("trees"))) {
        options.forest.trees = parser.value(QStringLiteral("trees")).toInt(&ok);
        if (!ok || options.forest.trees < 1 || options.forest.trees > 10000) {
            printError(QStringLiteral("importance: --trees '") + parser.value(QStringLiteral("trees"))
                    + QStringLiteral("': expected 1 to 10000"),
                QStringLiteral("e.g. --trees 200"));
            return Usage;
        }
    }
    if (parser.isSet(QStringLiteral("seed"))) {
        options.forest.seed = parser.value(QStringLiteral("seed")).toULongLong(&ok);
        if (!ok) {
            printError(QStringLiteral("importance: --seed '") + parser.value(QStringLiteral("seed"))
                + QStringLiteral("': expected a non-negative whole number"));
            return Usage;
        }
    }
    QString filterText = parser.value(QStringLiteral("filter"));
    if (parser.isSet(QStringLiteral("sweep"))) {
        const QString sweep = parser.value(QStringLiteral("sweep"));
        static const QRegularExpression idPattern(QStringLiteral("^[0-9a-f]{12}$"));
        if (!idPattern.match(sweep).hasMatch()) {
            printError(QStringLiteral("importance: --sweep '") + sweep + QStringLiteral("': not a sweep id"),
                QStringLiteral("a sweep id is 12 hex digits, as `reprise sweep` prints it"));
            return Usage;
        }
        const QString sweepFilter = QStringLiteral("tag.sweep.id = \"%1\"").arg(sweep);
        filterText = filterText.isEmpty() ? sweepFilter : QStringLiteral("(%1) and %2").arg(filterText, sweepFilter);
    }
    auto query = Query::parse(filterText);
    if (!query) {
        printError(QStringLiteral("filter: ") + formatQueryError(filterText, query.error()));
        return Usage;
    }
    const bool json = parser.isSet(QStringLiteral("json"));

    const QString path = databasePath(parser);
    auto store = openForReading(path);
    if (!store) {
        printError(store.error());
        return Failure;
    }
    RunTableColumns columns = query->columns();
    columns.allParams = true;
    if (!columns.allMetrics && !columns.metrics.contains(metric))
        columns.metrics << metric;
    auto table = loadRunTable(store->database(), columns);
    if (!table) {
        printError(table.error());
        return Failure;
    }
    if (!table->metric(metric)) {
        // Only for the message: which metrics there are.
        RunTableColumns names;
        names.allParams = false;
        names.allTags = false;
        auto all = loadRunTable(store->database(), names);
        QStringList known;
        if (all)
            for (const NumberColumn& column : all->metrics)
                known << column.key;
        printError(QStringLiteral("importance: metric '") + visibleText(metric) + QStringLiteral("': no run in ") + path
                + QStringLiteral(" has it"),
            known.isEmpty()
                ? QStringLiteral("its runs logged no metrics")
                : QStringLiteral("its metrics: ") + visibleText(known.mid(0, 30).join(QStringLiteral(", "))));
        return Failure;
    }
    std::vector<std::int32_t> rows = query->filter(*table, nowSeconds());
    if (parser.isSet(QStringLiteral("project"))) {
        const QString project = parser.value(QStringLiteral("project"));
        std::erase_if(rows, [&](std::int32_t r) { return table->projects.at(size_t(r)) != project; });
    }
    if (rows.empty()) {
        printError(QStringLiteral("importance: no run matches")
                + (filterText.isEmpty() ? QString() : QStringLiteral(" '") + visibleText(filterText) + u'\''),
            QStringLiteral("check the filter with `reprise ls --filter 'EXPR'`"));
        return Failure;
    }
    auto result = paramImportance(*table, rows, metric, options);
    if (!result) {
        printError(QStringLiteral("importance: ") + result.error().message, result.error().hint);
        return Failure;
    }
    if (json) {
        printJson(QJsonDocument(importanceJson(*result)));
        return Ok;
    }

    QString out = QStringLiteral("Which params move %1: %2 runs").arg(visibleText(metric)).arg(result->runsWithMetric);
    if (result->missingMetric > 0)
        out += QStringLiteral(" (%1 more without it, not used)").arg(result->missingMetric);
    out += u'\n';
    out += QStringLiteral("random forest: %1 trees, importance = mean decrease in impurity (squared error), fitted on "
                          "%2 runs, out-of-bag R² %3\n\n")
               .arg(result->forest.trees)
               .arg(result->forestRuns)
               .arg(figure(result->oobR2, 3));
    qsizetype width = 5;
    for (const ParamImportance& p : result->params)
        width = std::max(width, visibleText(p.key).size());
    out += QStringLiteral("  ") + QStringLiteral("PARAM").leftJustified(width) + QStringLiteral("  ")
        + QStringLiteral("IMPORTANCE").leftJustified(27) + QStringLiteral("  ") + QStringLiteral("SPEARMAN")
        + QStringLiteral("   RUNS  NOTE\n");
    for (const ParamImportance& p : result->params) {
        const int bar = std::isfinite(p.importance) ? int(std::lround(p.importance * 20)) : 0;
        out += QStringLiteral("  ") + visibleText(p.key).leftJustified(width) + QStringLiteral("  ")
            + figure(p.importance, 3).leftJustified(6) + u' ' + QString(bar, QChar(0x2588)).leftJustified(20)
            + QStringLiteral("  ") + figure(p.spearman, 3).rightJustified(8) + QStringLiteral("  ")
            + QString::number(p.runs).rightJustified(5) + QStringLiteral("  ") + visibleText(p.note) + u'\n';
    }
    for (const QString& note : result->notes)
        out += QStringLiteral("note: ") + visibleText(note) + u'\n';
    printOut(out);
    return Ok;
}

} // namespace reprise::cli
