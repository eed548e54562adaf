#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace reprise {

/// A random-forest regressor's settings. The defaults are scikit-learn's RandomForestRegressor with
/// n_estimators=100, min_samples_leaf=5 (its default is 1: leaves of one run only fit noise, and
/// cost time), max_features=1.0, bootstrap=True.
struct ForestOptions {
    int trees = 100;
    int minSamplesLeaf = 5; ///< distinct samples (not bootstrap weight) each side of a split must keep
    int maxDepth = 0; ///< 0: unlimited
    /// Each feature's values fall into at most this many bins (quantiles); a feature with fewer
    /// distinct values keeps one bin per value, so its splits are exact.
    int maxBins = 64;
    std::uint64_t seed = 0; ///< fixed: the same data give the same forest
    int threads = 0; ///< 0: one per core; the result does not depend on it
};

/// What the forest says about its features.
struct ForestImportance {
    /// Mean decrease in impurity (squared error) per feature, as scikit-learn's
    /// feature_importances_: each split's weighted decrease credited to its feature, each tree's
    /// totals normalised to sum 1, averaged over the trees, normalised again. Sums to 1 (all 0
    /// when no tree could split).
    std::vector<double> importances;
    /// R² of the out-of-bag predictions (each sample predicted by the trees that did not see it),
    /// NaN when no sample was out of bag or the target is constant: how well the params explain
    /// the metric at all.
    double oobR2 = 0;
    int oobSamples = 0; ///< samples that were out of bag for at least one tree
};

/// Fits a forest to `x` (row-major: `rows` × `features`) and `y` (`rows` values, finite), and
/// returns its impurity-based importances. Deterministic for a seed, whatever the thread count.
ForestImportance forestImportance(const std::vector<double>& x, std::size_t rows, std::size_t features,
    const std::vector<double>& y, const ForestOptions& options = {});

/// Spearman's rank correlation of two equally long series (average ranks for ties, as
/// scipy.stats.spearmanr): NaN with fewer than 3 pairs or when either series is constant.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

} // namespace reprise
