#include "analysis/reproduction_report.h"

#include "store/run_store.h"

#include <QRegularExpression>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace reprise {

namespace {

    bool bitIdentical(double a, double b)
    {
        if (std::isnan(a) || std::isnan(b))
            return std::isnan(a) && std::isnan(b);
        return std::memcmp(&a, &b, sizeof a) == 0 || a == b; // +0 and -0 count as the same
    }

    void differ(
        QList<InputDifference>& out, const QString& area, const QString& name, const QString& a, const QString& b)
    {
        if (a != b)
            out << InputDifference { area, name, a, b };
    }

    /// Every key of either map whose values differ, with `area`.
    template <typename Map, typename Text>
    void differMaps(
        QList<InputDifference>& out, const QString& area, const QString& prefix, const Map& a, const Map& b, Text text)
    {
        QStringList keys = a.keys();
        for (const QString& key : b.keys())
            if (!a.contains(key))
                keys << key;
        std::sort(keys.begin(), keys.end());
        for (const QString& key : keys) {
            const QString va = a.contains(key) ? text(a.value(key)) : QString();
            const QString vb = b.contains(key) ? text(b.value(key)) : QString();
            if (a.contains(key) != b.contains(key) || va != vb)
                out << InputDifference { area, prefix + key, va, vb };
        }
    }

    QString identity(const QString& s) { return s; }

    QString patchSummary(const QString& patch)
    {
        if (patch.isEmpty())
            return QStringLiteral("none");
        return QStringLiteral("%1 lines").arg(patch.count(u'\n'));
    }

    QString outcome(const RunRecord& r)
    {
        return toString(r.status) + (r.exitCode ? QStringLiteral(" (exit code %1)").arg(*r.exitCode) : QString());
    }

    /// The newest artifact per path (a step may re-log a path; the last content is what the run left).
    QMap<QString, QString> artifactHashes(const RunRecord& r)
    {
        QMap<QString, QString> out;
        for (const ArtifactRecord& artifact : r.artifacts)
            out.insert(artifact.path, artifact.hash);
        for (const StepRecord& step : r.steps)
            for (const ArtifactRecord& artifact : step.outputs)
                out.insert(artifact.path, artifact.hash);
        return out;
    }

    /// Why a run's execution need not repeat bit for bit, from its determinism tags ("" when nothing says so).
    QString nondeterminism(const QMap<QString, QString>& tags)
    {
        const QString check = tags.value(QStringLiteral("determinism.check"));
        if (check.startsWith(QLatin1String("failed")))
            return check.mid(6).remove(0, check.mid(6).startsWith(u':') ? 1 : 0).trimmed(); // "failed: REASONS"
        if (tags.value(QStringLiteral("determinism.deterministic_algorithms")) == QLatin1String("false"))
            return QStringLiteral("deterministic algorithms are off");
        return {};
    }

} // namespace

QMap<QString, QString> determinismTags(const RunRecord& run)
{
    QMap<QString, QString> out;
    for (auto it = run.tags.begin(); it != run.tags.end(); ++it)
        if (it.key().startsWith(QLatin1String("determinism.")))
            out.insert(it.key(), *it);
    return out;
}

bool Tolerance::matches(double a, double b) const
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b))
        return a == b;
    return std::fabs(a - b) <= absolute + relative * std::max(std::fabs(a), std::fabs(b));
}

QString toString(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Reproduced:
        return QStringLiteral("reproduced");
    case Verdict::Diverged:
        return QStringLiteral("diverged");
    case Verdict::Incomparable:
        break;
    }
    return QStringLiteral("incomparable");
}

QString toString(MetricComparison::State state)
{
    using State = MetricComparison::State;
    switch (state) {
    case State::Identical:
        return QStringLiteral("identical");
    case State::WithinTolerance:
        return QStringLiteral("within tolerance");
    case State::Diverged:
        return QStringLiteral("diverged");
    case State::OnlyInA:
        return QStringLiteral("only in A");
    case State::OnlyInB:
        break;
    }
    return QStringLiteral("only in B");
}

QString ReproductionReport::summary() const
{
    switch (verdict) {
    case Verdict::Reproduced:
        return exact ? QStringLiteral("all %1 metrics are bit-identical.").arg(metrics.size())
                     : QStringLiteral("all %1 metrics agree within tolerance (absolute %2, relative %3).")
                           .arg(metrics.size())
                           .arg(tolerance.absolute)
                           .arg(tolerance.relative);
    case Verdict::Diverged: {
        QString text = QStringLiteral("'%1' parts first, at step %2.").arg(firstMetric).arg(firstStep);
        // A run that did not ask for reproducible execution explains a divergence without any input changing.
        const QString whyA = nondeterminism(determinismA), whyB = nondeterminism(determinismB);
        if (!whyA.isEmpty() && whyA == whyB)
            text += QStringLiteral(" Neither run was deterministic: %1.").arg(whyA);
        else if (!whyA.isEmpty() && !whyB.isEmpty())
            text += QStringLiteral(" Neither run was deterministic: A: %1; B: %2.").arg(whyA, whyB);
        else if (!whyA.isEmpty() || !whyB.isEmpty())
            text += QStringLiteral(" Run %1 was not deterministic: %2.")
                        .arg(whyA.isEmpty() ? QStringLiteral("B") : QStringLiteral("A"), whyA.isEmpty() ? whyB : whyA);
        return text;
    }
    case Verdict::Incomparable:
        break;
    }
    QStringList missing;
    for (const MetricComparison& m : metrics)
        if (m.state == MetricComparison::State::OnlyInA || m.state == MetricComparison::State::OnlyInB)
            missing << m.key;
    if (missing.isEmpty())
        return QStringLiteral("neither run logged a metric.");
    return QStringLiteral("%1 %2 logged by only one run (%3).")
        .arg(missing.size())
        .arg(missing.size() == 1 ? QStringLiteral("metric is") : QStringLiteral("metrics are"))
        .arg(QStringList(missing.mid(0, 5)).join(QStringLiteral(", "))
            + (missing.size() > 5 ? QStringLiteral(", …") : QString()));
}

QList<InputDifference> compareInputs(const RunRecord& a, const RunRecord& b)
{
    QList<InputDifference> out;
    const QString code = QStringLiteral("code");
    differ(out, code, QStringLiteral("commit"), a.code.commit, b.code.commit);
    if (a.code.patch != b.code.patch)
        out << InputDifference { code, QStringLiteral("uncommitted changes"), patchSummary(a.code.patch),
            patchSummary(b.code.patch)
                + (a.code.patch.isEmpty() || b.code.patch.isEmpty() ? QString()
                                                                    : QStringLiteral(" (different content)")) };
    differ(out, code, QStringLiteral("command"), a.launch.argv.join(u' '), b.launch.argv.join(u' '));
    differMaps(out, code, QStringLiteral("config file "), a.launch.configFiles, b.launch.configFiles,
        [](const QString& text) { return QStringLiteral("%1 bytes").arg(text.toUtf8().size()); });

    const QString data = QStringLiteral("data");
    QMap<QString, QString> datasetsA, datasetsB;
    for (const DatasetRecord& d : a.datasets)
        datasetsA.insert(d.name, d.hash + QStringLiteral(" (%1 rows)").arg(d.rows));
    for (const DatasetRecord& d : b.datasets)
        datasetsB.insert(d.name, d.hash + QStringLiteral(" (%1 rows)").arg(d.rows));
    differMaps(out, data, QStringLiteral("dataset "), datasetsA, datasetsB, identity);
    differMaps(out, data, QStringLiteral("artifact "), artifactHashes(a), artifactHashes(b), identity);

    const QString env = QStringLiteral("environment");
    differ(out, env, QStringLiteral("host"), a.host, b.host);
    differMaps(out, env, QString(), a.runtime, b.runtime, identity);
    // A package recorded by only one side is not a difference when the other recorded none at all.
    if (!a.packages.isEmpty() && !b.packages.isEmpty())
        differMaps(out, env, QStringLiteral("package "), a.packages, b.packages, identity);
    differMaps(out, env, QStringLiteral("$"), a.launch.environment, b.launch.environment, identity);
    differMaps(out, env, QString(), determinismTags(a), determinismTags(b), identity);

    differMaps(
        out, QStringLiteral("params"), QString(), a.params, b.params, [](const ParamValue& p) { return p.value; });
    differ(out, QStringLiteral("outcome"), QStringLiteral("status"), outcome(a), outcome(b));
    return out;
}

MetricComparison compareHistories(const MetricHistory& a, const MetricHistory& b, const Tolerance& tolerance)
{
    MetricComparison m;
    m.key = a.key.isEmpty() ? b.key : a.key;
    m.countA = qint64(a.size());
    m.countB = qint64(b.size());
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    m.finalA = a.size() ? a.values.back() : nan;
    m.finalB = b.size() ? b.values.back() : nan;
    bool exact = true;
    const size_t common = std::min(a.size(), b.size());
    for (size_t i = 0; i < common; ++i) {
        const double va = a.values[i], vb = b.values[i];
        const bool sameStep = a.steps[i] == b.steps[i];
        if (sameStep && !bitIdentical(va, vb)) {
            exact = false;
            // The largest difference over every common point, also past where they part.
            if (std::isfinite(va) && std::isfinite(vb))
                m.maxDifference = std::max(m.maxDifference, std::fabs(va - vb));
        }
        if (m.state != MetricComparison::State::Diverged && (!sameStep || !tolerance.matches(va, vb))) {
            m.state = MetricComparison::State::Diverged;
            m.firstStep = std::min(a.steps[i], b.steps[i]);
            m.valueA = a.steps[i] == m.firstStep ? va : nan;
            m.valueB = b.steps[i] == m.firstStep ? vb : nan;
            m.timeA = i < a.times.size() ? a.times[i] : nan;
            m.timeB = i < b.times.size() ? b.times[i] : nan;
        }
        if (!sameStep)
            break; // past a step mismatch, points no longer pair up
    }
    if (m.state != MetricComparison::State::Diverged && a.size() != b.size()) {
        // One history goes on where the other ended.
        const MetricHistory& longer = a.size() > b.size() ? a : b;
        m.state = MetricComparison::State::Diverged;
        m.firstStep = longer.steps[common];
        m.valueA = a.size() > common ? a.values[common] : nan;
        m.valueB = b.size() > common ? b.values[common] : nan;
        m.timeA = a.times.size() > common ? a.times[common] : nan;
        m.timeB = b.times.size() > common ? b.times[common] : nan;
    }
    if (m.state != MetricComparison::State::Diverged)
        m.state = exact ? MetricComparison::State::Identical : MetricComparison::State::WithinTolerance;
    return m;
}

Result<ReproductionReport> buildReproductionReport(const RunStore& storeA, const QString& runA, const RunStore& storeB,
    const QString& runB, const Tolerance& tolerance, const QStringList& ignore)
{
    auto refA = storeA.resolveRun(runA);
    if (!refA)
        return refA.error();
    auto refB = storeB.resolveRun(runB);
    if (!refB)
        return refB.error();
    auto a = storeA.loadRun(*refA);
    if (!a)
        return a.error();
    auto b = storeB.loadRun(*refB);
    if (!b)
        return b.error();

    ReproductionReport report;
    report.runA = a->uuid;
    report.runB = b->uuid;
    report.nameA = a->name;
    report.nameB = b->name;
    report.tolerance = tolerance;
    report.differences = compareInputs(*a, *b);
    report.determinismA = determinismTags(*a);
    report.determinismB = determinismTags(*b);
    const QMap<QString, QString> hashesA = artifactHashes(*a), hashesB = artifactHashes(*b);
    for (auto it = hashesA.begin(); it != hashesA.end(); ++it)
        if (hashesB.contains(it.key()))
            report.artifacts << ArtifactComparison { it.key(), *it, hashesB.value(it.key()) };

    QList<QRegularExpression> ignorePatterns;
    for (const QString& pattern : ignore)
        ignorePatterns << QRegularExpression(
            QRegularExpression::wildcardToRegularExpression(pattern, QRegularExpression::UnanchoredWildcardConversion));
    const auto ignored = [&](const QString& key) {
        return std::any_of(ignorePatterns.begin(), ignorePatterns.end(), [&](const QRegularExpression& re) {
            return re.match(key).hasMatch() && re.match(key).capturedLength() == key.size();
        });
    };
    QSet<QString> inA, inB;
    for (const MetricSummary& m : a->metrics)
        inA.insert(m.key);
    for (const MetricSummary& m : b->metrics)
        inB.insert(m.key);
    QStringList all = QStringList(inA.begin(), inA.end()) + QStringList(inB.begin(), inB.end());
    all.removeDuplicates();
    std::sort(all.begin(), all.end());

    bool exact = true, missing = false, diverged = false;
    double firstWhen = 0;
    for (const QString& key : std::as_const(all)) {
        if (ignored(key)) {
            report.ignored << key;
            continue;
        }
        MetricComparison m;
        if (!inB.contains(key) || !inA.contains(key)) {
            m.key = key;
            m.state = inA.contains(key) ? MetricComparison::State::OnlyInA : MetricComparison::State::OnlyInB;
            missing = true;
        } else {
            auto ha = storeA.loadMetric(*refA, key);
            if (!ha)
                return ha.error();
            auto hb = storeB.loadMetric(*refB, key);
            if (!hb)
                return hb.error();
            m = compareHistories(*ha, *hb, tolerance);
            if (m.state == MetricComparison::State::Diverged) {
                // Keys come in name order, so a tie in time keeps the first name.
                const double when = std::isfinite(m.timeA) ? m.timeA - a->startTime : m.timeB - b->startTime;
                if (!diverged || when < firstWhen) {
                    firstWhen = when;
                    report.firstStep = m.firstStep;
                    report.firstMetric = key;
                }
                diverged = true;
            }
        }
        exact = exact && m.state == MetricComparison::State::Identical;
        report.metrics << m;
    }
    if (diverged)
        report.verdict = Verdict::Diverged;
    else if (missing || report.metrics.isEmpty())
        report.verdict = Verdict::Incomparable;
    else
        report.verdict = Verdict::Reproduced;
    report.exact = report.verdict == Verdict::Reproduced && exact;
    return report;
}

} // namespace reprise
