#pragma once

#include <QString>
#include <QStringList>
#include <vector>

namespace reprise {

/// Two-sample statistics for data drift, each a pure function checked against SciPy in the tests.
/// Samples need not be sorted; NaN values must have been removed by the caller.

struct TestResult {
    double statistic = 0;
    double pValue = -1; ///< -1 for distances, which have no p-value
};

/// Two-sided two-sample Kolmogorov–Smirnov test as scipy.stats.ks_2samp(method="auto") computes it for
/// samples of at most 10,000 values: the statistic rounded to the lattice of the two sample sizes and
/// the exact p-value (the lattice-path recursion for unequal sizes, the closed form for equal ones).
TestResult ksTwoSample(std::vector<double> reference, std::vector<double> current);

/// Pearson's chi-squared test of observed counts against expected counts (scipy.stats.chisquare):
/// df = k - 1. An expected count of zero with observations gives an infinite statistic, p = 0.
TestResult chiSquared(const std::vector<double>& observed, const std::vector<double>& expected);

/// Two-proportion Z-test, two-sided: z = (p1 - p2) / sqrt(P(1-P)(1/n1 + 1/n2)), p = 2(1 - Φ(|z|)).
TestResult twoProportionZ(double successes1, double n1, double successes2, double n2);

/// First Wasserstein distance between the two empirical distributions (scipy.stats.wasserstein_distance).
double wasserstein(const std::vector<double>& u, const std::vector<double>& v);

/// Jensen–Shannon distance (natural log) between two discrete distributions
/// (scipy.spatial.distance.jensenshannon): both are normalised to sum 1 first.
double jensenShannon(const std::vector<double>& p, const std::vector<double>& q);

/// Population stability index: Σ (p - q) ln(p / q); zero shares must have been replaced first.
double populationStabilityIndex(const std::vector<double>& p, const std::vector<double>& q);

/// Survival function of the chi-squared distribution (regularised upper incomplete gamma Q(k/2, x/2)).
double chiSquaredSurvival(double x, double degreesOfFreedom);
/// 1 - Φ(x) for the standard normal, accurate in the tail.
double normalSurvival(double x);

/// Shares of two numeric samples over shared bins: Sturges' rule on the combined data
/// (numpy.histogram_bin_edges(bins="sturges")), last bin closed as numpy.histogram does.
void binnedShares(const std::vector<double>& reference, const std::vector<double>& current,
    std::vector<double>& referenceShares, std::vector<double>& currentShares, std::vector<double>* edges = nullptr);

/// Replaces zero shares by 0.0001 (a small share that keeps ln and division finite), as Evidently does.
void fillZeroShares(std::vector<double>& shares);

} // namespace reprise
