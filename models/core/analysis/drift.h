#pragma once

#include "analysis/feature_profile.h"
#include "store/run_types.h"

#include <QHash>
#include <QMap>
#include <optional>
#include <vector>

namespace reprise {

enum class DriftTest { Auto, KolmogorovSmirnov, ChiSquared, ZTest, Wasserstein, JensenShannon, Psi };
QString toString(DriftTest test);
/// "ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi" (the names Evidently uses).
std::optional<DriftTest> parseDriftTest(const QString& name);
bool isPValueTest(DriftTest test);

/// The test Evidently picks by default: reference of at most 1000 rows → KS for numeric features
/// with more than 5 distinct values, else chi-squared (more than 2 categories) or the Z-test (2);
/// larger references → normalised Wasserstein for numeric features with more than 5 distinct values,
/// else Jensen–Shannon.
DriftTest defaultDriftTest(qint64 referenceRows, bool numeric, int distinctValues);
/// Default thresholds: p < 0.05 for the p-value tests, ≥ 0.1 for the distances.
double defaultThreshold(DriftTest test);

struct FeatureDrift {
    QString feature;
    DriftTest test = DriftTest::Auto;
    double statistic = 0; ///< the test statistic or distance
    double pValue = -1; ///< for p-value tests
    double threshold = 0;
    bool drifted = false;
    /// 0..1 for colouring: 0.5 at the threshold, 1 at "far beyond" (threshold² for p-values,
    /// twice the threshold for distances).
    double score = 0;
    QString problem; ///< why there is no result for this feature (then the numbers mean nothing)
    bool ok() const { return problem.isEmpty(); }
};

struct DatasetDrift {
    QString label; ///< "run-name: dataset"
    std::vector<FeatureDrift> features; ///< in the reference's feature order
    int driftedCount = 0;
    int testedCount = 0;
    double driftedShare = 0;
    bool drifted = false;
};

struct DriftOptions {
    QMap<QString, DriftTest> testOverrides; ///< per feature
    QMap<DriftTest, double> thresholdOverrides;
    double datasetShare = 0.5; ///< a dataset drifts when at least this share of its features do
};

/// A reference dataset decoded once, to compare many datasets against.
struct DriftReference {
    explicit DriftReference(const DatasetRecord& dataset);
    QString name;
    qint64 rows = 0;
    std::vector<std::pair<QString, std::optional<FeatureSample>>> features; ///< in the dataset's order
    QHash<QString, QString> problems; ///< feature -> why its stored profile is unusable
};

/// Compares every feature of `current` with the same feature of `reference`. Features missing on
/// one side, empty, of mixed types or with unusable samples get a problem text instead of a score.
/// The test is chosen by the reference's row count (not its sample's size).
DatasetDrift computeDrift(
    const DriftReference& reference, const DatasetRecord& current, const DriftOptions& options = {});
DatasetDrift computeDrift(
    const DatasetRecord& reference, const DatasetRecord& current, const DriftOptions& options = {});
/// One feature, from decoded samples; `reference.count` decides the default test.
FeatureDrift featureDrift(const FeatureSample& reference, const FeatureSample& current, const DriftOptions& options);

} // namespace reprise
