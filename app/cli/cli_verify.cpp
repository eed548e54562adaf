#include "analysis/reproduction_report.h"
#include "cli/cli_common.h"
#include "text/display_text.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>

namespace reprise::cli {

namespace {

    /// A column of the report: one line of visible text (names, keys and values come from databases).
    QString fixed(const QString& text, int width) { return visibleText(text).leftJustified(width, u' ', false) + u' '; }

    QString number(double v)
    {
        if (std::isnan(v))
            return QStringLiteral("nan");
        return QString::number(v, 'g', 10);
    }

    QString shortId(const QString& id) { return visibleText(id.left(8)); }

} // namespace

int verdictExitCode(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Reproduced:
        return Ok;
    case Verdict::Diverged:
        return Diverged;
    case Verdict::Incomparable:
        break;
    }
    return Incomparable;
}

QJsonObject reportJson(const ReproductionReport& report)
{
    QJsonObject out;
    out.insert(QStringLiteral("run_a"), report.runA);
    out.insert(QStringLiteral("run_b"), report.runB);
    out.insert(QStringLiteral("verdict"), toString(report.verdict));
    out.insert(QStringLiteral("exact"), report.exact);
    out.insert(QStringLiteral("summary"), report.summary());
    out.insert(QStringLiteral("tolerance"),
        QJsonObject { { QStringLiteral("absolute"), report.tolerance.absolute },
            { QStringLiteral("relative"), report.tolerance.relative } });
    if (report.verdict == Verdict::Diverged)
        out.insert(QStringLiteral("first_divergence"),
            QJsonObject {
                { QStringLiteral("metric"), report.firstMetric }, { QStringLiteral("step"), report.firstStep } });
    QJsonArray differences;
    for (const InputDifference& d : report.differences)
        differences.append(QJsonObject { { QStringLiteral("area"), d.area }, { QStringLiteral("name"), d.name },
            { QStringLiteral("a"), d.a }, { QStringLiteral("b"), d.b } });
    out.insert(QStringLiteral("differences"), differences);
    QJsonArray metrics;
    for (const MetricComparison& m : report.metrics) {
        QJsonObject o { { QStringLiteral("key"), m.key }, { QStringLiteral("state"), toString(m.state) },
            { QStringLiteral("count_a"), m.countA }, { QStringLiteral("count_b"), m.countB } };
        if (m.countA)
            o.insert(QStringLiteral("final_a"), jsonNumber(m.finalA));
        if (m.countB)
            o.insert(QStringLiteral("final_b"), jsonNumber(m.finalB));
        o.insert(QStringLiteral("max_difference"), jsonNumber(m.maxDifference));
        if (m.state == MetricComparison::State::Diverged) {
            o.insert(QStringLiteral("first_step"), m.firstStep);
            o.insert(QStringLiteral("value_a"), jsonNumber(m.valueA));
            o.insert(QStringLiteral("value_b"), jsonNumber(m.valueB));
        }
        metrics.append(o);
    }
    out.insert(QStringLiteral("metrics"), metrics);
    QJsonArray artifacts;
    for (const ArtifactComparison& a : report.artifacts)
        artifacts.append(QJsonObject { { QStringLiteral("path"), a.path }, { QStringLiteral("hash_a"), a.hashA },
            { QStringLiteral("hash_b"), a.hashB }, { QStringLiteral("bit_identical"), a.identical() } });
    out.insert(QStringLiteral("artifacts"), artifacts);
    out.insert(QStringLiteral("ignored"), QJsonArray::fromStringList(report.ignored));
    return out;
}

QString reportText(const ReproductionReport& report)
{
    QString out;
    out += QStringLiteral("Reproduction report: A %1 (%2) vs B %3 (%4)\n")
               .arg(shortId(report.runA), visibleText(report.nameA), shortId(report.runB), visibleText(report.nameB));
    out += QStringLiteral("Verdict: ") + toString(report.verdict).toUpper() + QStringLiteral(" — ") + report.summary()
        + u'\n';
    out += u'\n';
    if (report.differences.isEmpty()) {
        out += QStringLiteral("Inputs: no difference in code, data, environment or params.\n");
    } else {
        out += QStringLiteral("Inputs that differ:\n");
        for (const InputDifference& d : report.differences)
            out += QStringLiteral("  ") + fixed(d.area, 12) + fixed(d.name, 28)
                + (d.a.isEmpty() ? QStringLiteral("—") : visibleText(d.a)) + QStringLiteral("  →  ")
                + (d.b.isEmpty() ? QStringLiteral("—") : visibleText(d.b)) + u'\n';
    }
    QStringList identical;
    for (const ArtifactComparison& a : report.artifacts)
        if (a.identical())
            identical << visibleText(a.path);
    if (!identical.isEmpty())
        out += QStringLiteral("Bit-identical artifacts: ") + identical.join(QStringLiteral(", ")) + u'\n';
    out += u'\n';
    out += QStringLiteral("  ") + fixed(QStringLiteral("metric"), 24) + fixed(QStringLiteral("final A"), 18)
        + fixed(QStringLiteral("final B"), 18) + fixed(QStringLiteral("max |Δ|"), 11) + QStringLiteral("state\n");
    for (const MetricComparison& m : report.metrics) {
        QString state = toString(m.state);
        if (m.state == MetricComparison::State::Diverged)
            state += QStringLiteral(" at step %1 (%2 vs %3)").arg(m.firstStep).arg(number(m.valueA), number(m.valueB));
        out += QStringLiteral("  ") + fixed(m.key, 24) + fixed(m.countA ? number(m.finalA) : QStringLiteral("—"), 18)
            + fixed(m.countB ? number(m.finalB) : QStringLiteral("—"), 18) + fixed(number(m.maxDifference), 11) + state
            + u'\n';
    }
    if (!report.ignored.isEmpty())
        out += QStringLiteral("Ignored: ") + visibleText(report.ignored.join(QStringLiteral(", "))) + u'\n';
    return out;
}

bool addToleranceOptions(QCommandLineParser& parser)
{
    parser.addOption({ QStringLiteral("abs-tol"),
        QStringLiteral("Absolute tolerance: values within it count as equal (default 1e-12)."), QStringLiteral("X"),
        QStringLiteral("1e-12") });
    parser.addOption(
        { QStringLiteral("rel-tol"), QStringLiteral("Relative tolerance, times the larger magnitude (default 1e-9)."),
            QStringLiteral("X"), QStringLiteral("1e-9") });
    parser.addOption({ QStringLiteral("ignore"),
        QStringLiteral("Leave out metrics matching PATTERN (wildcards *, ?; repeatable), e.g. timings."),
        QStringLiteral("PATTERN") });
    return true;
}

std::optional<Tolerance> toleranceOption(const QCommandLineParser& parser, const QString& command)
{
    Tolerance tolerance;
    bool okAbs = false, okRel = false;
    tolerance.absolute = parser.value(QStringLiteral("abs-tol")).toDouble(&okAbs);
    tolerance.relative = parser.value(QStringLiteral("rel-tol")).toDouble(&okRel);
    if (!okAbs || !okRel || tolerance.absolute < 0 || tolerance.relative < 0) {
        printError(command + QStringLiteral(": tolerances must be numbers ≥ 0"),
            QStringLiteral("e.g. --abs-tol 1e-6 --rel-tol 1e-4"));
        return std::nullopt;
    }
    return tolerance;
}

int runVerify(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Compares two runs: code, data, environment and params that differ, every metric's history point by\n"
        "point within a tolerance, and bit-identical artifacts. Verdict: reproduced (exit 0), diverged (exit 3,\n"
        "with the first step and metric where the histories part) or incomparable (exit 4, metrics missing)."));
    addDatabaseOption(parser);
    addToleranceOptions(parser);
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    parser.addPositionalArgument(QStringLiteral("RUN_A"), QStringLiteral("The original run (id or prefix)."));
    parser.addPositionalArgument(QStringLiteral("RUN_B"), QStringLiteral("The run that should reproduce it."));
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("verify"), args, exitCode))
        return exitCode;
    const QStringList runs = parser.positionalArguments();
    if (runs.size() != 2) {
        printError(QStringLiteral("verify: expected two runs"), QStringLiteral("reprise verify RUN_A RUN_B [--json]"));
        return Usage;
    }
    const auto tolerance = toleranceOption(parser, QStringLiteral("verify"));
    if (!tolerance)
        return Usage;
    auto store = openForReading(databasePath(parser));
    if (!store) {
        printError(store.error());
        return Failure;
    }
    auto report = buildReproductionReport(
        *store, runs[0], *store, runs[1], *tolerance, parser.values(QStringLiteral("ignore")));
    if (!report) {
        printError(report.error());
        return Failure;
    }
    if (parser.isSet(QStringLiteral("json")))
        printJson(QJsonDocument(reportJson(*report)));
    else
        printOut(reportText(*report));
    return verdictExitCode(report->verdict);
}

} // namespace reprise::cli
