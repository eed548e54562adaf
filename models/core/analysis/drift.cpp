#include "analysis/drift.h"

#include "analysis/drift_stats.h"

#include <QHash>
#include <QSet>
#include <algorithm>
#include <cmath>

namespace reprise {

QString toString(DriftTest test)
{
    switch (test) {
    case DriftTest::Auto:
        return QStringLiteral("auto");
    case DriftTest::KolmogorovSmirnov:
        return QStringLiteral("ks");
    case DriftTest::ChiSquared:
        return QStringLiteral("chisquare");
    case DriftTest::ZTest:
        return QStringLiteral("z");
    case DriftTest::Wasserstein:
        return QStringLiteral("wasserstein");
    case DriftTest::JensenShannon:
        return QStringLiteral("jensenshannon");
    case DriftTest::Psi:
        return QStringLiteral("psi");
    }
    return {};
}

std::optional<DriftTest> parseDriftTest(const QString& name)
{
    for (DriftTest t : { DriftTest::Auto, DriftTest::KolmogorovSmirnov, DriftTest::ChiSquared, DriftTest::ZTest,
             DriftTest::Wasserstein, DriftTest::JensenShannon, DriftTest::Psi }) {
        if (toString(t) == name.toLower())
            return t;
    }
    return std::nullopt;
}

bool isPValueTest(DriftTest test)
{
    return test == DriftTest::KolmogorovSmirnov || test == DriftTest::ChiSquared || test == DriftTest::ZTest;
}

DriftTest defaultDriftTest(qint64 referenceRows, bool numeric, int distinctValues)
{
    const bool continuous = numeric && distinctValues > 5;
    if (referenceRows <= 1000) {
        if (continuous)
            return DriftTest::KolmogorovSmirnov;
        return distinctValues > 2 ? DriftTest::ChiSquared : DriftTest::ZTest;
    }
    return continuous ? DriftTest::Wasserstein : DriftTest::JensenShannon;
}

double defaultThreshold(DriftTest test) { return isPValueTest(test) ? 0.05 : 0.1; }

namespace {

    /// Categorical view of a sample: counts per category (numbers become their text).
    QMap<QString, double> categoryCounts(const FeatureSample& s)
    {
        if (!s.numeric)
            return s.categoryCounts;
        QMap<QString, double> counts;
        for (double x : s.numbers)
            counts[QString::number(x, 'g', 17)] += 1;
        return counts;
    }

    double total(const QMap<QString, double>& counts)
    {
        double t = 0;
        for (double v : counts)
            t += v;
        return t;
    }

    int distinctCount(const FeatureSample& s)
    {
        if (!s.numeric)
            return int(s.categoryCounts.size());
        int distinct = 0;
        for (size_t i = 0; i < s.numbers.size(); ++i) {
            if (i == 0 || s.numbers[i] != s.numbers[i - 1])
                ++distinct;
        }
        return distinct;
    }

    /// Both sides' categories, sorted: the union, so a category new on one side counts.
    QStringList unionOfKeys(const QMap<QString, double>& a, const QMap<QString, double>& b)
    {
        QStringList keys = a.keys() + b.keys();
        keys.removeDuplicates();
        keys.sort();
        return keys;
    }

    double score(DriftTest test, double statistic, double pValue, double threshold)
    {
        if (isPValueTest(test)) {
            if (pValue <= 0)
                return 1.0;
            return std::clamp(std::log(pValue) / (2 * std::log(threshold)), 0.0, 1.0);
        }
        return std::clamp(statistic / (2 * threshold), 0.0, 1.0);
    }

} // namespace

FeatureDrift featureDrift(const FeatureSample& reference, const FeatureSample& current, const DriftOptions& options)
{
    FeatureDrift out;
    out.feature = reference.feature;
    const qint64 refValues = reference.numeric ? qint64(reference.numbers.size()) : qint64(reference.categories.size());
    const qint64 curValues = current.numeric ? qint64(current.numbers.size()) : qint64(current.categories.size());
    if (refValues == 0) {
        out.problem = reference.count == 0 ? QStringLiteral("the reference has no rows")
                                           : QStringLiteral("every reference value is missing");
        return out;
    }
    if (curValues == 0) {
        out.problem = current.count == 0 ? QStringLiteral("this dataset has no rows")
                                         : QStringLiteral("every value is missing here");
        return out;
    }
    // Mixed types (numeric on one side only) are compared as categories, which both can be read as.
    const bool numeric = reference.numeric && current.numeric;
    DriftTest test = options.testOverrides.value(reference.feature, DriftTest::Auto);
    if (test == DriftTest::Auto)
        test = defaultDriftTest(reference.count, numeric, distinctCount(reference));
    if (!numeric && (test == DriftTest::KolmogorovSmirnov || test == DriftTest::Wasserstein)) {
        out.problem
            = QStringLiteral("%1 needs numbers on both sides, but this feature is categorical").arg(toString(test));
        return out;
    }
    out.test = test;
    out.threshold = options.thresholdOverrides.value(test, defaultThreshold(test));
    switch (test) {
    case DriftTest::KolmogorovSmirnov: {
        const TestResult r = ksTwoSample(reference.numbers, current.numbers);
        out.statistic = r.statistic;
        out.pValue = r.pValue;
        break;
    }
    case DriftTest::Wasserstein: {
        // Normalised by the reference's (population) standard deviation, at least 0.001.
        double mean = 0;
        for (double x : reference.numbers)
            mean += x;
        mean /= double(reference.numbers.size());
        double squares = 0;
        for (double x : reference.numbers)
            squares += (x - mean) * (x - mean);
        const double std = std::sqrt(squares / double(reference.numbers.size()));
        out.statistic = wasserstein(reference.numbers, current.numbers) / std::max(std, 0.001);
        break;
    }
    case DriftTest::ChiSquared: {
        const QMap<QString, double> a = categoryCounts(reference), b = categoryCounts(current);
        const QStringList keys = unionOfKeys(a, b);
        if (keys.size() < 2) {
            out.statistic = 0;
            out.pValue = 1;
            break;
        }
        const double ta = total(a), tb = total(b);
        std::vector<double> observed, expected;
        for (const QString& k : keys) {
            observed.push_back(b.value(k));
            expected.push_back(a.value(k) * tb / ta);
        }
        const TestResult r = chiSquared(observed, expected);
        out.statistic = r.statistic;
        out.pValue = r.pValue;
        break;
    }
    case DriftTest::ZTest: {
        // The share of the reference's most frequent category on both sides; categories new in the
        // current data count against it, so a new category shows up as drift.
        const QMap<QString, double> a = categoryCounts(reference), b = categoryCounts(current);
        QString top;
        for (auto it = a.begin(); it != a.end(); ++it) {
            if (top.isNull() || it.value() > a.value(top))
                top = it.key();
        }
        const TestResult r = twoProportionZ(a.value(top), total(a), b.value(top), total(b));
        out.statistic = r.statistic;
        out.pValue = r.pValue;
        break;
    }
    case DriftTest::JensenShannon:
    case DriftTest::Psi: {
        std::vector<double> pa, pb;
        if (numeric && distinctCount(reference) > 20) {
            binnedShares(reference.numbers, current.numbers, pa, pb);
        } else {
            const QMap<QString, double> a = categoryCounts(reference), b = categoryCounts(current);
            const double ta = total(a), tb = total(b);
            for (const QString& k : unionOfKeys(a, b)) {
                pa.push_back(a.value(k) / ta);
                pb.push_back(b.value(k) / tb);
            }
        }
        fillZeroShares(pa);
        fillZeroShares(pb);
        out.statistic = test == DriftTest::Psi ? populationStabilityIndex(pa, pb) : jensenShannon(pa, pb);
        break;
    }
    case DriftTest::Auto:
        break;
    }
    if (std::isnan(out.statistic) || (isPValueTest(test) && std::isnan(out.pValue))) {
        out.problem = QStringLiteral("the test could not be computed on these values");
        return out;
    }
    out.drifted = isPValueTest(test) ? out.pValue < out.threshold : out.statistic >= out.threshold;
    out.score = score(test, out.statistic, out.pValue, out.threshold);
    return out;
}

DriftReference::DriftReference(const DatasetRecord& dataset)
    : name(dataset.name)
    , rows(dataset.rows)
{
    for (const FeatureProfile& f : dataset.profiles) {
        QString why;
        auto sample = decodeProfile(f, &why);
        if (sample && rows > 0)
            sample->count = std::max(sample->count, rows); // the test is chosen by rows, not sample size
        if (!sample)
            problems.insert(f.feature, why);
        features.emplace_back(f.feature, std::move(sample));
    }
}

DatasetDrift computeDrift(const DatasetRecord& reference, const DatasetRecord& current, const DriftOptions& options)
{
    return computeDrift(DriftReference(reference), current, options);
}

DatasetDrift computeDrift(const DriftReference& reference, const DatasetRecord& current, const DriftOptions& options)
{
    DatasetDrift result;
    result.label = current.name;
    QHash<QString, const FeatureProfile*> currentByName;
    for (const FeatureProfile& f : current.profiles)
        currentByName.insert(f.feature, &f);
    QSet<QString> seen;
    for (const auto& [name, sample] : reference.features) {
        seen.insert(name);
        FeatureDrift d;
        d.feature = name;
        QString why;
        const FeatureProfile* other = currentByName.value(name);
        if (!sample) {
            d.problem = QStringLiteral("the reference profile is unusable: ") + reference.problems.value(name);
        } else if (!other) {
            d.problem = QStringLiteral("not in this dataset");
        } else if (const auto cur = decodeProfile(*other, &why); !cur) {
            d.problem = QStringLiteral("this profile is unusable: ") + why;
        } else {
            d = featureDrift(*sample, *cur, options);
        }
        result.features.push_back(d);
    }
    for (const FeatureProfile& f : current.profiles) {
        if (seen.contains(f.feature))
            continue;
        FeatureDrift d;
        d.feature = f.feature;
        d.problem = QStringLiteral("not in the reference");
        result.features.push_back(d);
    }
    for (const FeatureDrift& d : result.features) {
        if (!d.ok())
            continue;
        ++result.testedCount;
        result.driftedCount += d.drifted ? 1 : 0;
    }
    result.driftedShare = result.testedCount ? double(result.driftedCount) / result.testedCount : 0;
    result.drifted = result.testedCount > 0 && result.driftedShare >= options.datasetShare;
    return result;
}

} // namespace reprise
