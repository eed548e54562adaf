#include "stats/random_forest.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>

namespace reprise {

namespace {

    /// splitmix64 (fixed, so the forest is the same with every standard library).
    struct Random {
        std::uint64_t state;
        std::uint64_t next()
        {
            std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            return z ^ (z >> 31);
        }
        /// Uniform in [0, n), for n far below 2^53.
        std::size_t below(std::size_t n)
        {
            return std::min(n - 1, std::size_t(double(next() >> 11) * 0x1.0p-53 * double(n)));
        }
    };

    /// The start of tree `t`'s random stream: hashed, not stepped. Seeds one step apart along the
    /// splitmix sequence would give the trees the same draws shifted by one, so nearly the same
    /// bootstrap sample each (a forest of one tree, 100 times).
    std::uint64_t treeSeed(std::uint64_t seed, int t)
    {
        Random hash { seed ^ 0x6a09e667f3bcc909ULL };
        const std::uint64_t base = hash.next();
        Random tree { base ^ (std::uint64_t(t) * 0xd1b54a32d192ed03ULL) };
        return tree.next();
    }

    /// Features as small bin codes, column by column: code = index of the first upper edge ≥ value.
    struct Binned {
        std::size_t rows = 0;
        std::vector<std::uint16_t> codes; ///< features × rows
        std::vector<int> bins; ///< per feature
    };

    Binned binFeatures(const std::vector<double>& x, std::size_t rows, std::size_t features, int maxBins)
    {
        Binned out;
        out.rows = rows;
        out.codes.resize(rows * features);
        out.bins.resize(features);
        std::vector<double> column(rows);
        for (std::size_t f = 0; f < features; ++f) {
            for (std::size_t i = 0; i < rows; ++i)
                column[i] = x[i * features + f];
            std::vector<double> sorted = column;
            std::sort(sorted.begin(), sorted.end());
            std::vector<double> unique = sorted;
            unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
            std::vector<double> edges;
            if (unique.size() <= std::size_t(maxBins)) {
                edges = std::move(unique);
            } else {
                for (int k = 0; k < maxBins; ++k) {
                    const std::size_t at = std::size_t(std::ceil(double(k + 1) * double(rows) / maxBins)) - 1;
                    edges.push_back(sorted[std::min(at, rows - 1)]);
                }
                edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
            }
            out.bins[f] = int(edges.size());
            for (std::size_t i = 0; i < rows; ++i)
                out.codes[f * rows + i]
                    = std::uint16_t(std::lower_bound(edges.begin(), edges.end(), column[i]) - edges.begin());
        }
        return out;
    }

    struct Node {
        int feature = -1; ///< -1: a leaf
        int bin = 0; ///< samples with code <= bin go left
        int left = 0;
        int right = 0;
        double value = 0;
    };

    struct TreeResult {
        std::vector<double> importance;
        std::vector<std::pair<std::uint32_t, double>> oob; ///< (sample, prediction)
    };

    /// Per-bin sums of a node for every feature, features one after another (`offset`).
    struct Histogram {
        std::vector<int> count; ///< distinct samples
        std::vector<double> w; ///< bootstrap weight
        std::vector<double> s; ///< weight × target
    };

    /// One tree on a bootstrap sample; its impurity decreases per feature and its out-of-bag predictions.
    /// Depth first; a node's histograms are built only for the smaller child of each split, the
    /// larger child's being the parent's less the smaller's (in the parent's buffer).
    TreeResult growTree(const Binned& data, std::size_t features, const std::vector<double>& y,
        const ForestOptions& options, std::uint64_t treeSeed, double stopImpurity)
    {
        const std::size_t n = data.rows;
        Random random { treeSeed };
        std::vector<double> weight(n, 0.0);
        for (std::size_t k = 0; k < n; ++k)
            weight[random.below(n)] += 1.0;
        std::vector<std::uint32_t> index;
        index.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            if (weight[i] > 0)
                index.push_back(std::uint32_t(i));
        std::vector<double> weighted(n);
        for (std::size_t i = 0; i < n; ++i)
            weighted[i] = weight[i] * y[i];

        std::vector<std::size_t> offset(features + 1, 0);
        for (std::size_t f = 0; f < features; ++f)
            offset[f + 1] = offset[f] + std::size_t(data.bins[f]);
        const std::size_t totalBins = offset[features];
        std::vector<Histogram> pool;
        std::vector<int> freeBuffers;
        const auto acquire = [&]() -> int {
            if (!freeBuffers.empty()) {
                const int id = freeBuffers.back();
                freeBuffers.pop_back();
                return id;
            }
            pool.push_back(
                { std::vector<int>(totalBins), std::vector<double>(totalBins), std::vector<double>(totalBins) });
            return int(pool.size()) - 1;
        };
        std::vector<double> nodeW, nodeS;
        /// Fills histogram `id` from the samples index[begin, end) whose sums are (m, w, s).
        const auto build = [&](int id, std::size_t begin, std::size_t end, double w, double s) {
            Histogram& h = pool[std::size_t(id)];
            std::fill(h.count.begin(), h.count.end(), 0);
            std::fill(h.w.begin(), h.w.end(), 0.0);
            std::fill(h.s.begin(), h.s.end(), 0.0);
            const std::size_t m = end - begin;
            nodeW.resize(m);
            nodeS.resize(m);
            const std::uint32_t* nodeIndex = index.data() + begin;
            for (std::size_t k = 0; k < m; ++k) {
                nodeW[k] = weight[nodeIndex[k]];
                nodeS[k] = weighted[nodeIndex[k]];
            }
            for (std::size_t f = 0; f < features; ++f) {
                const std::uint16_t* codes = data.codes.data() + f * n;
                const std::size_t o = offset[f];
                if (data.bins[f] == 2) {
                    // A 0/1 column (one-hot, bool): bin 0 summed in registers, bin 1 the rest.
                    int c0 = 0;
                    double w0 = 0, s0 = 0;
                    for (std::size_t k = 0; k < m; ++k) {
                        const int zero = codes[nodeIndex[k]] == 0;
                        c0 += zero;
                        w0 += zero * nodeW[k];
                        s0 += zero * nodeS[k];
                    }
                    h.count[o] = c0;
                    h.w[o] = w0;
                    h.s[o] = s0;
                    h.count[o + 1] = int(m) - c0;
                    h.w[o + 1] = w - w0;
                    h.s[o + 1] = s - s0;
                    continue;
                }
                int* count = h.count.data() + o;
                double* sumW = h.w.data() + o;
                double* sumS = h.s.data() + o;
                for (std::size_t k = 0; k < m; ++k) {
                    const std::uint16_t b = codes[nodeIndex[k]];
                    ++count[b];
                    sumW[b] += nodeW[k];
                    sumS[b] += nodeS[k];
                }
            }
        };

        TreeResult result;
        result.importance.assign(features, 0.0);
        std::vector<Node> nodes;
        struct Task {
            std::size_t begin, end;
            int depth;
            int node;
            double w, s, q;
            int histogram; ///< -1: a leaf for sure (no histogram needed)
        };
        const double minLeaf = std::max(1, options.minSamplesLeaf);
        const auto splittable = [&](std::size_t m, int depth, double w, double s, double q) {
            const double impurity = q / w - (s / w) * (s / w);
            return double(m) >= 2 * minLeaf && impurity > stopImpurity
                && (options.maxDepth <= 0 || depth < options.maxDepth);
        };
        double w0 = 0, s0 = 0, q0 = 0;
        for (const std::uint32_t i : index) {
            w0 += weight[i];
            s0 += weighted[i];
            q0 += weighted[i] * y[i];
        }
        nodes.push_back({});
        int rootHistogram = -1;
        if (splittable(index.size(), 0, w0, s0, q0)) {
            rootHistogram = acquire();
            build(rootHistogram, 0, index.size(), w0, s0);
        }
        std::vector<Task> stack { { 0, index.size(), 0, 0, w0, s0, q0, rootHistogram } };
        while (!stack.empty()) {
            const Task task = stack.back();
            stack.pop_back();
            const std::size_t m = task.end - task.begin;
            nodes[std::size_t(task.node)].value = task.s / task.w;
            if (task.histogram < 0)
                continue;
            const Histogram& h = pool[std::size_t(task.histogram)];
            const double parentProxy = task.s * task.s / task.w;
            double bestProxy = parentProxy + stopImpurity * task.w;
            int bestFeature = -1, bestBin = 0, bestLeftCount = 0;
            double bestLeftW = 0, bestLeftS = 0;
            for (std::size_t f = 0; f < features; ++f) {
                const int bins = data.bins[f];
                const std::size_t o = offset[f];
                int leftCount = 0;
                double leftW = 0, leftS = 0;
                for (int b = 0; b + 1 < bins; ++b) {
                    const int c = h.count[o + std::size_t(b)];
                    leftCount += c;
                    leftW += h.w[o + std::size_t(b)];
                    leftS += h.s[o + std::size_t(b)];
                    if (c == 0 || leftCount < minLeaf)
                        continue;
                    if (double(m) - leftCount < minLeaf)
                        break;
                    const double rightW = task.w - leftW, rightS = task.s - leftS;
                    const double proxy = leftS * leftS / leftW + rightS * rightS / rightW;
                    if (proxy > bestProxy) {
                        bestProxy = proxy;
                        bestFeature = int(f);
                        bestBin = b;
                        bestLeftCount = leftCount;
                        bestLeftW = leftW;
                        bestLeftS = leftS;
                    }
                }
            }
            if (bestFeature < 0) {
                freeBuffers.push_back(task.histogram);
                continue;
            }
            result.importance[std::size_t(bestFeature)] += bestProxy - parentProxy;
            const std::uint16_t* codes = data.codes.data() + std::size_t(bestFeature) * n;
            const auto middle = std::partition(index.begin() + std::ptrdiff_t(task.begin),
                index.begin() + std::ptrdiff_t(task.end), [&](std::uint32_t i) { return codes[i] <= bestBin; });
            const std::size_t split = std::size_t(middle - index.begin());
            (void)bestLeftCount;
            double leftQ = 0;
            for (std::size_t k = task.begin; k < split; ++k)
                leftQ += weighted[index[k]] * y[index[k]];
            const int left = int(nodes.size());
            nodes.push_back({});
            nodes.push_back({});
            Node& node = nodes[std::size_t(task.node)];
            node.feature = bestFeature;
            node.bin = bestBin;
            node.left = left;
            node.right = left + 1;
            Task leftTask { task.begin, split, task.depth + 1, left, bestLeftW, bestLeftS, leftQ, -1 };
            Task rightTask { split, task.end, task.depth + 1, left + 1, task.w - bestLeftW, task.s - bestLeftS,
                task.q - leftQ, -1 };
            const bool leftSplits = splittable(split - task.begin, leftTask.depth, leftTask.w, leftTask.s, leftTask.q);
            const bool rightSplits
                = splittable(task.end - split, rightTask.depth, rightTask.w, rightTask.s, rightTask.q);
            if (!leftSplits && !rightSplits) {
                freeBuffers.push_back(task.histogram);
            } else {
                // The smaller child's histogram is built; the larger's is the parent's less it.
                const bool leftSmaller = split - task.begin <= task.end - split;
                Task& smaller = leftSmaller ? leftTask : rightTask;
                Task& larger = leftSmaller ? rightTask : leftTask;
                const bool smallerSplits = leftSmaller ? leftSplits : rightSplits;
                const bool largerSplits = leftSmaller ? rightSplits : leftSplits;
                const int built = acquire();
                build(built, smaller.begin, smaller.end, smaller.w, smaller.s);
                if (largerSplits) {
                    Histogram& parent = pool[std::size_t(task.histogram)];
                    const Histogram& child = pool[std::size_t(built)];
                    for (std::size_t b = 0; b < totalBins; ++b) {
                        parent.count[b] -= child.count[b];
                        parent.w[b] -= child.w[b];
                        parent.s[b] -= child.s[b];
                    }
                    larger.histogram = task.histogram;
                } else {
                    freeBuffers.push_back(task.histogram);
                }
                if (smallerSplits)
                    smaller.histogram = built;
                else
                    freeBuffers.push_back(built);
            }
            stack.push_back(rightTask);
            stack.push_back(leftTask);
        }

        const double total = std::accumulate(result.importance.begin(), result.importance.end(), 0.0);
        if (total > 0)
            for (double& v : result.importance)
                v /= total;
        for (std::size_t i = 0; i < n; ++i) {
            if (weight[i] > 0)
                continue;
            int at = 0;
            while (nodes[std::size_t(at)].feature >= 0) {
                const Node& node = nodes[std::size_t(at)];
                at = data.codes[std::size_t(node.feature) * n + i] <= node.bin ? node.left : node.right;
            }
            result.oob.emplace_back(std::uint32_t(i), nodes[std::size_t(at)].value);
        }
        return result;
    }

    /// Average ranks (1-based; ties share the mean of their positions), as scipy's rankdata.
    std::vector<double> averageRanks(const std::vector<double>& v)
    {
        std::vector<std::size_t> order(v.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&v](std::size_t a, std::size_t b) { return v[a] < v[b]; });
        std::vector<double> ranks(v.size());
        for (std::size_t i = 0; i < order.size();) {
            std::size_t j = i;
            while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]])
                ++j;
            const double rank = (double(i) + double(j)) / 2 + 1;
            for (std::size_t k = i; k <= j; ++k)
                ranks[order[k]] = rank;
            i = j + 1;
        }
        return ranks;
    }

} // namespace

ForestImportance forestImportance(const std::vector<double>& x, std::size_t rows, std::size_t features,
    const std::vector<double>& yIn, const ForestOptions& options)
{
    ForestImportance out;
    out.importances.assign(features, 0.0);
    out.oobR2 = std::numeric_limits<double>::quiet_NaN();
    if (rows < 2 || features == 0 || options.trees < 1)
        return out;
    // Centred: the impurity arithmetic (q/w − mean²) stays exact for metrics far from 0.
    const double mean = std::accumulate(yIn.begin(), yIn.end(), 0.0) / double(rows);
    std::vector<double> y(rows);
    double variance = 0;
    for (std::size_t i = 0; i < rows; ++i) {
        y[i] = yIn[i] - mean;
        variance += y[i] * y[i];
    }
    variance /= double(rows);
    if (!(variance > 0))
        return out;
    const Binned data = binFeatures(x, rows, features, std::clamp(options.maxBins, 2, 65535));
    const double stopImpurity = variance * 1e-12;

    std::vector<TreeResult> trees(std::size_t(options.trees));
    std::atomic<int> nextTree { 0 };
    const auto work = [&] {
        for (int t = nextTree++; t < options.trees; t = nextTree++)
            trees[std::size_t(t)] = growTree(data, features, y, options, treeSeed(options.seed, t), stopImpurity);
    };
    const int threads = std::clamp(
        options.threads > 0 ? options.threads : int(std::thread::hardware_concurrency()), 1, options.trees);
    std::vector<std::thread> pool;
    for (int k = 1; k < threads; ++k)
        pool.emplace_back(work);
    work();
    for (std::thread& thread : pool)
        thread.join();

    // Combined in tree order: the same sums whatever thread grew which tree.
    std::vector<double> oobSum(rows, 0.0);
    std::vector<int> oobCount(rows, 0);
    for (const TreeResult& tree : trees) {
        for (std::size_t f = 0; f < features; ++f)
            out.importances[f] += tree.importance[f];
        for (const auto& [i, prediction] : tree.oob) {
            oobSum[i] += prediction;
            ++oobCount[i];
        }
    }
    const double total = std::accumulate(out.importances.begin(), out.importances.end(), 0.0);
    if (total > 0)
        for (double& v : out.importances)
            v /= total;
    double residual = 0, spread = 0, oobMean = 0;
    int oob = 0;
    for (std::size_t i = 0; i < rows; ++i)
        if (oobCount[i] > 0) {
            oobMean += y[i];
            ++oob;
        }
    out.oobSamples = oob;
    if (oob > 0) {
        oobMean /= oob;
        for (std::size_t i = 0; i < rows; ++i)
            if (oobCount[i] > 0) {
                const double e = y[i] - oobSum[i] / oobCount[i];
                residual += e * e;
                spread += (y[i] - oobMean) * (y[i] - oobMean);
            }
        if (spread > 0)
            out.oobR2 = 1 - residual / spread;
    }
    return out;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b)
{
    const std::size_t n = a.size();
    if (n < 3 || b.size() != n)
        return std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> ra = averageRanks(a), rb = averageRanks(b);
    const double mean = (double(n) + 1) / 2; // the mean of average ranks is always (n + 1) / 2
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double da = ra[i] - mean, db = rb[i] - mean;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    if (!(saa > 0) || !(sbb > 0))
        return std::numeric_limits<double>::quiet_NaN();
    return std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
}

} // namespace reprise
