#pragma once

#include "store/run_types.h"

#include <optional>
#include <vector>

namespace reprise {

/// At most this many values of a feature are kept in its profile (a deterministic sample when
/// there are more), so any two datasets can be compared later.
constexpr int kProfileSampleLimit = 10000;

/// Profile of a numeric feature: count, missing, mean/std/min/p25/p50/p75/max and a sample, sorted
/// ascending (sorted once here, so drift statistics never sort again).
FeatureProfile profileNumeric(const QString& name, std::vector<double> values, qint64 missing);
/// Sorted values as stored in feature_profiles.sample_values: little-endian float64.
QByteArray encodeSampleValues(const std::vector<double>& sortedValues);
/// Profile of a categorical feature: count, missing, counts per category (exact), distinct, sample.
FeatureProfile profileCategorical(const QString& name, const QStringList& values, qint64 missing);

/// A profile's sample, decoded.
struct FeatureSample {
    QString feature;
    bool numeric = false;
    qint64 count = 0;
    qint64 missing = 0;
    std::vector<double> numbers; ///< numeric: sorted ascending
    QStringList categories; ///< categorical: one entry per sampled value
    QMap<QString, double> categoryCounts; ///< categorical: exact counts from the statistics
};

/// Decodes a stored profile; nullopt with `why` set when the stored JSON is unusable.
std::optional<FeatureSample> decodeProfile(const FeatureProfile& profile, QString* why = nullptr);

} // namespace reprise
