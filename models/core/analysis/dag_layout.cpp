#include "analysis/dag_layout.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <set>

namespace reprise {

namespace {

    /// Orders nodes topologically (smallest index first among the ready ones, for determinism).
    /// Returns the order, or the nodes of one cycle if there is one.
    std::pair<std::vector<int>, std::vector<int>> topologicalOrder(int n, const std::vector<std::vector<int>>& succ)
    {
        std::vector<int> indegree(static_cast<size_t>(n), 0);
        for (const auto& targets : succ) {
            for (int v : targets)
                ++indegree[size_t(v)];
        }
        std::priority_queue<int, std::vector<int>, std::greater<>> ready;
        for (int v = 0; v < n; ++v) {
            if (indegree[size_t(v)] == 0)
                ready.push(v);
        }
        std::vector<int> order;
        order.reserve(static_cast<size_t>(n));
        while (!ready.empty()) {
            const int u = ready.top();
            ready.pop();
            order.push_back(u);
            for (int v : succ[size_t(u)]) {
                if (--indegree[size_t(v)] == 0)
                    ready.push(v);
            }
        }
        if (int(order.size()) == n)
            return { order, {} };
        // Every remaining node has a remaining predecessor; walking backwards must revisit a node.
        std::vector<std::vector<int>> pred(static_cast<size_t>(n));
        for (int u = 0; u < n; ++u) {
            for (int v : succ[size_t(u)])
                pred[size_t(v)].push_back(u);
        }
        int start = 0;
        while (indegree[size_t(start)] == 0)
            ++start;
        std::vector<int> seenAt(static_cast<size_t>(n), -1);
        std::vector<int> walk;
        int v = start;
        while (seenAt[size_t(v)] < 0) {
            seenAt[size_t(v)] = int(walk.size());
            walk.push_back(v);
            for (int u : pred[size_t(v)]) {
                if (indegree[size_t(u)] > 0) {
                    v = u;
                    break;
                }
            }
        }
        std::vector<int> cycle(walk.begin() + seenAt[size_t(v)], walk.end());
        std::reverse(cycle.begin(), cycle.end());
        // Start at the smallest node so the same cycle is always named the same way.
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        return { {}, cycle };
    }

    /// Crossings between two adjacent layers: inversions among edges sorted by upper position.
    long long crossingsBetween(
        const std::vector<int>& upper, const std::vector<std::vector<int>>& succ, const std::vector<int>& pos)
    {
        std::vector<std::pair<int, int>> ends;
        for (int u : upper) {
            for (int v : succ[size_t(u)])
                ends.emplace_back(pos[size_t(u)], pos[size_t(v)]);
        }
        std::sort(ends.begin(), ends.end());
        // Count inversions of the lower ends with a Fenwick tree.
        int maxPos = 0;
        for (const auto& e : ends)
            maxPos = std::max(maxPos, e.second);
        std::vector<int> tree(size_t(maxPos) + 2, 0);
        long long crossings = 0;
        for (size_t i = 0; i < ends.size(); ++i) {
            const int p = ends[i].second + 1;
            int greaterOrEqual = int(i);
            for (int k = p; k > 0; k -= k & -k)
                greaterOrEqual -= tree[size_t(k)];
            crossings += greaterOrEqual;
            for (int k = p; k < int(tree.size()); k += k & -k)
                ++tree[size_t(k)];
        }
        return crossings;
    }

    /// Least-squares positions for `desired` that keep the order and minimum distances
    /// (pool-adjacent-violators on the offsets-removed values).
    std::vector<double> isotonicPlace(const std::vector<double>& desired, const std::vector<double>& minDistance)
    {
        const size_t n = desired.size();
        std::vector<double> offset(n, 0.0);
        for (size_t i = 1; i < n; ++i)
            offset[i] = offset[i - 1] + minDistance[i - 1];
        struct Block {
            double sum;
            int count;
            double mean() const { return sum / count; }
        };
        std::vector<Block> blocks;
        for (size_t i = 0; i < n; ++i) {
            blocks.push_back({ desired[i] - offset[i], 1 });
            while (blocks.size() > 1 && blocks[blocks.size() - 2].mean() > blocks.back().mean()) {
                Block last = blocks.back();
                blocks.pop_back();
                blocks.back().sum += last.sum;
                blocks.back().count += last.count;
            }
        }
        std::vector<double> out;
        out.reserve(n);
        for (const Block& b : blocks) {
            for (int k = 0; k < b.count; ++k)
                out.push_back(b.mean() + offset[out.size()]);
        }
        return out;
    }

} // namespace

Result<DagLayout> layoutDag(const DagLayoutInput& input, const DagLayoutOptions& options)
{
    const int n = int(input.sizes.size());
    DagLayout layout;
    // Distinct edges without self-loops, in input order.
    std::set<std::pair<int, int>> seen;
    std::vector<std::pair<int, int>> edges;
    for (const auto& e : input.edges) {
        if (e.first < 0 || e.second < 0 || e.first >= n || e.second >= n)
            return Error { QStringLiteral("pipeline graph: an edge refers to node %1, but there are %2 nodes")
                               .arg(std::max(e.first, e.second))
                               .arg(n),
                {} };
        if (e.first == e.second) {
            ++layout.ignoredSelfLoops;
            continue;
        }
        if (seen.insert(e).second)
            edges.push_back(e);
    }
    std::vector<std::vector<int>> succ(static_cast<size_t>(n));
    for (const auto& [u, v] : edges)
        succ[size_t(u)].push_back(v);
    for (auto& targets : succ)
        std::sort(targets.begin(), targets.end());

    auto [topo, cycle] = topologicalOrder(n, succ);
    if (!cycle.empty()) {
        QStringList names;
        for (int v : cycle)
            names << input.names.value(v, QStringLiteral("#%1").arg(v));
        names << names.first();
        return Error { QStringLiteral("the pipeline has a cycle: ") + names.join(QStringLiteral(" → ")),
            QStringLiteral("a step cannot depend on its own outputs; check the inputs and outputs of these steps") };
    }

    // Longest-path layering.
    layout.layer.assign(static_cast<size_t>(n), 0);
    for (int u : topo) {
        for (int v : succ[size_t(u)])
            layout.layer[size_t(v)] = std::max(layout.layer[size_t(v)], layout.layer[size_t(u)] + 1);
    }
    layout.layerCount = n == 0 ? 0 : *std::max_element(layout.layer.begin(), layout.layer.end()) + 1;

    // The proper layered graph: a dummy node per layer crossed by a long edge.
    std::vector<int> layerOf = layout.layer;
    std::vector<std::vector<int>> down(static_cast<size_t>(n)), up(static_cast<size_t>(n));
    std::vector<std::vector<int>> chains(edges.size()); // per edge: its dummies, in order
    for (size_t e = 0; e < edges.size(); ++e) {
        auto [u, v] = edges[e];
        int previous = u;
        for (int l = layerOf[size_t(u)] + 1; l < layerOf[size_t(v)]; ++l) {
            const int dummy = int(layerOf.size());
            layerOf.push_back(l);
            down.emplace_back();
            up.emplace_back();
            down[size_t(previous)].push_back(dummy);
            up[size_t(dummy)].push_back(previous);
            chains[e].push_back(dummy);
            previous = dummy;
        }
        down[size_t(previous)].push_back(v);
        up[size_t(v)].push_back(previous);
    }
    const int total = int(layerOf.size());
    layout.dummyCount = total - n;

    // Initial order: by topological position of the node (dummies follow their edge's source).
    std::vector<double> rank(static_cast<size_t>(total), 0.0);
    for (size_t i = 0; i < topo.size(); ++i)
        rank[size_t(topo[i])] = double(i);
    for (size_t e = 0; e < edges.size(); ++e) {
        for (size_t k = 0; k < chains[e].size(); ++k)
            rank[size_t(chains[e][k])] = rank[size_t(edges[e].first)] + 0.5 + double(e) * 1e-6;
    }
    std::vector<std::vector<int>> layers(static_cast<size_t>(layout.layerCount));
    for (int v = 0; v < total; ++v)
        layers[size_t(layerOf[size_t(v)])].push_back(v);
    for (auto& nodes : layers)
        std::stable_sort(nodes.begin(), nodes.end(), [&](int a, int b) { return rank[size_t(a)] < rank[size_t(b)]; });

    std::vector<int> pos(static_cast<size_t>(total), 0);
    auto updatePositions = [&] {
        for (const auto& nodes : layers) {
            for (size_t i = 0; i < nodes.size(); ++i)
                pos[size_t(nodes[i])] = int(i);
        }
    };
    auto countAll = [&] {
        long long c = 0;
        for (size_t l = 0; l + 1 < layers.size(); ++l)
            c += crossingsBetween(layers[l], down, pos);
        return c;
    };
    updatePositions();
    long long best = countAll();
    std::vector<std::vector<int>> bestLayers = layers;

    // Barycenter sweeps, alternating down and up; keep the best order seen.
    int sinceImprovement = 0;
    for (int sweep = 0; sweep < options.maxSweeps && best > 0 && sinceImprovement < 4; ++sweep) {
        const bool goingDown = sweep % 2 == 0;
        const int from = goingDown ? 1 : layout.layerCount - 2;
        const int to = goingDown ? layout.layerCount : -1;
        const int stepBy = goingDown ? 1 : -1;
        for (int l = from; l != to; l += stepBy) {
            auto& nodes = layers[size_t(l)];
            std::vector<double> barycenter(nodes.size());
            for (size_t i = 0; i < nodes.size(); ++i) {
                const auto& neighbours = goingDown ? up[size_t(nodes[i])] : down[size_t(nodes[i])];
                if (neighbours.empty()) {
                    barycenter[i] = double(i); // no pull: stay
                    continue;
                }
                double sum = 0;
                for (int w : neighbours)
                    sum += pos[size_t(w)];
                barycenter[i] = sum / double(neighbours.size());
            }
            std::vector<size_t> idx(nodes.size());
            std::iota(idx.begin(), idx.end(), 0);
            std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return barycenter[a] < barycenter[b]; });
            std::vector<int> reordered;
            reordered.reserve(nodes.size());
            for (size_t i : idx)
                reordered.push_back(nodes[i]);
            nodes = std::move(reordered);
            for (size_t i = 0; i < nodes.size(); ++i)
                pos[size_t(nodes[i])] = int(i);
        }
        const long long c = countAll();
        if (c < best) {
            best = c;
            bestLayers = layers;
            sinceImprovement = 0;
        } else {
            ++sinceImprovement;
        }
    }
    layers = std::move(bestLayers);
    updatePositions();
    layout.crossings = int(best);

    // Horizontal: each layer as wide as its widest node, nodes centred in it.
    std::vector<double> layerX(static_cast<size_t>(layout.layerCount), 0.0),
        layerWidth(static_cast<size_t>(layout.layerCount), 0.0);
    for (int v = 0; v < n; ++v)
        layerWidth[size_t(layout.layer[size_t(v)])]
            = std::max(layerWidth[size_t(layout.layer[size_t(v)])], input.sizes[size_t(v)].width());
    for (int l = 1; l < layout.layerCount; ++l)
        layerX[size_t(l)] = layerX[size_t(l - 1)] + layerWidth[size_t(l - 1)] + options.layerGap;

    // Vertical: stack, then pull towards neighbours while keeping order and gaps.
    auto height = [&](int v) { return v < n ? input.sizes[size_t(v)].height() : 0.0; };
    std::vector<double> centre(static_cast<size_t>(total), 0.0);
    for (const auto& nodes : layers) {
        double y = 0;
        for (int v : nodes) {
            centre[size_t(v)] = y + height(v) / 2;
            y += height(v) + options.nodeGap;
        }
    }
    for (int pass = 0; pass < 8; ++pass) {
        const bool goingDown = pass % 2 == 0;
        for (int i = 0; i < layout.layerCount; ++i) {
            const int l = goingDown ? i : layout.layerCount - 1 - i;
            const auto& nodes = layers[size_t(l)];
            if (nodes.empty())
                continue;
            std::vector<double> desired(nodes.size()), minDistance(nodes.size(), 0.0);
            for (size_t k = 0; k < nodes.size(); ++k) {
                const int v = nodes[k];
                // Dummies follow both sides so long edges stay straight; nodes follow the side swept from.
                double sum = 0;
                int count = 0;
                const bool both = v >= n;
                if (goingDown || both) {
                    for (int w : up[size_t(v)]) {
                        sum += centre[size_t(w)];
                        ++count;
                    }
                }
                if (!goingDown || both) {
                    for (int w : down[size_t(v)]) {
                        sum += centre[size_t(w)];
                        ++count;
                    }
                }
                desired[k] = count ? sum / count : centre[size_t(v)];
                if (k + 1 < nodes.size())
                    minDistance[k] = height(v) / 2 + height(nodes[k + 1]) / 2
                        + (v >= n || nodes[k + 1] >= n ? options.nodeGap / 2 : options.nodeGap);
            }
            const std::vector<double> placed = isotonicPlace(desired, minDistance);
            for (size_t k = 0; k < nodes.size(); ++k)
                centre[size_t(nodes[k])] = placed[k];
        }
    }
    double top = 0;
    bool any = false;
    for (int v = 0; v < total; ++v) {
        const double t = centre[size_t(v)] - height(v) / 2;
        top = any ? std::min(top, t) : t;
        any = true;
    }
    layout.position.resize(static_cast<size_t>(n));
    layout.order.resize(static_cast<size_t>(n));
    double right = 0, bottom = 0;
    for (int v = 0; v < n; ++v) {
        const QSizeF s = input.sizes[size_t(v)];
        const int l = layout.layer[size_t(v)];
        // Rounded to whole units: the same input gives bit-identical coordinates.
        const double x = std::round(layerX[size_t(l)] + (layerWidth[size_t(l)] - s.width()) / 2);
        const double y = std::round(centre[size_t(v)] - s.height() / 2 - top);
        layout.position[size_t(v)] = QPointF(x, y);
        layout.order[size_t(v)] = pos[size_t(v)];
        right = std::max(right, x + s.width());
        bottom = std::max(bottom, y + s.height());
    }
    layout.size = QSizeF(right, bottom);
    layout.sizes = input.sizes;

    layout.edges.reserve(edges.size());
    for (size_t e = 0; e < edges.size(); ++e) {
        auto [u, v] = edges[e];
        DagLayoutEdge route { u, v, {} };
        const QPointF from = layout.position[size_t(u)];
        const QSizeF fromSize = input.sizes[size_t(u)];
        route.points.push_back(QPointF(from.x() + fromSize.width(), from.y() + fromSize.height() / 2));
        for (int d : chains[e]) {
            const int l = layerOf[size_t(d)];
            route.points.push_back(QPointF(
                std::round(layerX[size_t(l)] + layerWidth[size_t(l)] / 2), std::round(centre[size_t(d)] - top)));
        }
        const QPointF to = layout.position[size_t(v)];
        route.points.push_back(QPointF(to.x(), to.y() + input.sizes[size_t(v)].height() / 2));
        layout.edges.push_back(std::move(route));
    }
    return layout;
}

} // namespace reprise
