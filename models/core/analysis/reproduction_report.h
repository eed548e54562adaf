#pragma once

#include "result.h"
#include "store/run_types.h"

#include <QStringList>
#include <functional>

namespace reprise {

class RunStore;

/// When two values count as the same: |a − b| ≤ absolute + relative · max(|a|, |b|).
/// NaN matches NaN, and an infinity matches only the same infinity.
struct Tolerance {
    double absolute = 1e-12;
    double relative = 1e-9;
    bool matches(double a, double b) const;
};

enum class Verdict {
    Reproduced, ///< every metric of both runs identical or within tolerance
    Diverged, ///< some history parts (first step and metric named)
    Incomparable, ///< a metric is missing from one run, or neither run has metrics
};
QString toString(Verdict verdict);

/// One way the two runs' inputs differ.
struct InputDifference {
    QString area; ///< code | data | environment | params | outcome (determinism tags: environment)
    QString name;
    QString a; ///< value in run A ("" when absent)
    QString b;
};

/// One metric of both runs, compared point by point in (step, logging) order.
struct MetricComparison {
    enum class State { Identical, WithinTolerance, Diverged, OnlyInA, OnlyInB };
    QString key;
    State state = State::Identical;
    qint64 countA = 0;
    qint64 countB = 0;
    double finalA = 0; ///< value at the largest step (last logged)
    double finalB = 0;
    double maxDifference = 0; ///< largest |a − b| over points compared
    qint64 firstStep = 0; ///< where the histories part (Diverged)
    double valueA = 0; ///< values there (NaN when one history ended)
    double valueB = 0;
    double timeA = 0; ///< wall time each run logged the point where they part (NaN when it ended)
    double timeB = 0;
};
QString toString(MetricComparison::State state);

/// An artifact path both runs produced, and whether the content is bit-identical.
struct ArtifactComparison {
    QString path;
    QString hashA;
    QString hashB;
    bool identical() const { return !hashA.isEmpty() && hashA == hashB; }
};

/// Whether run B reproduced run A, and everything that differed on the way.
struct ReproductionReport {
    QString runA;
    QString runB;
    QString nameA;
    QString nameB;
    Tolerance tolerance;
    Verdict verdict = Verdict::Incomparable;
    bool exact = false; ///< reproduced with every value bit-identical
    /// Diverged: the metric that parts first — the earliest divergent point by when it was logged
    /// (seconds since its run's start), then by name: steps of different metrics need not be
    /// comparable (an epoch loss at step 5 comes before a final test score at step 0).
    QString firstMetric;
    qint64 firstStep = 0;
    QList<InputDifference> differences;
    QList<MetricComparison> metrics;
    QList<ArtifactComparison> artifacts; ///< paths present in both runs
    QStringList ignored; ///< metric keys left out (--ignore)
    /// The runs' `determinism.*` tags (written by the Python client's reprise.torch.seed_everything):
    /// whether each asked for reproducible execution. Those that differ are also in `differences`.
    QMap<QString, QString> determinismA;
    QMap<QString, QString> determinismB;
    /// One sentence on why the verdict is what it is (without the verdict word).
    QString summary() const;
};

/// The inputs of two runs side by side (code, data, environment, params, outcome): only what differs.
/// The `determinism.*` tags count as environment.
QList<InputDifference> compareInputs(const RunRecord& a, const RunRecord& b);

/// A run's `determinism.*` tags.
QMap<QString, QString> determinismTags(const RunRecord& run);

/// Compares one metric's two histories.
MetricComparison compareHistories(const MetricHistory& a, const MetricHistory& b, const Tolerance& tolerance);

/// Reads two runs (from one database or two) and compares them. Metrics whose key matches one of
/// `ignore` (wildcards * and ?) are left out, e.g. timings. Histories are read key by key, so the
/// memory held is two histories at a time.
Result<ReproductionReport> buildReproductionReport(const RunStore& storeA, const QString& runA, const RunStore& storeB,
    const QString& runB, const Tolerance& tolerance, const QStringList& ignore = {});

} // namespace reprise
