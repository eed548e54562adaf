#pragma once

#include "result.h"

#include <QPointF>
#include <QSizeF>
#include <QStringList>
#include <utility>
#include <vector>

namespace reprise {

/// A directed graph to lay out: nodes 0..n-1 with their sizes and names (names only for messages).
struct DagLayoutInput {
    std::vector<QSizeF> sizes;
    std::vector<std::pair<int, int>> edges; ///< from -> to; duplicates and self-loops are ignored
    QStringList names;
};

struct DagLayoutOptions {
    double layerGap = 110; ///< horizontal space between layers (room for edge labels)
    double nodeGap = 22; ///< vertical space between nodes of a layer
    int maxSweeps = 24; ///< crossing-reduction sweeps (down + up count as two)
};

/// One edge's route: from the source's right side through its bend points to the target's left side.
struct DagLayoutEdge {
    int from = 0;
    int to = 0;
    std::vector<QPointF> points;
};

/// Positions for every node, left to right by layer.
struct DagLayout {
    std::vector<int> layer; ///< per node: longest path from a source
    std::vector<int> order; ///< per node: position within its layer, top to bottom
    std::vector<QPointF> position; ///< per node: top-left corner
    std::vector<QSizeF> sizes; ///< per node: its size, as given
    std::vector<DagLayoutEdge> edges; ///< one per distinct edge, in input order
    int layerCount = 0;
    int dummyCount = 0; ///< bend points added for edges spanning several layers
    int crossings = 0; ///< edge crossings between adjacent layers in the final order
    int ignoredSelfLoops = 0;
    QSizeF size; ///< bounding box of all nodes
};

/// Sugiyama-style layered layout, a pure and deterministic function of its input: longest-path
/// layering, dummy nodes on long edges, crossing reduction by barycenter sweeps (the best order
/// seen is kept), then vertical positions that pull each node towards its neighbours while keeping
/// the order and the gaps (isotonic regression per layer, a few passes). Disconnected components
/// and isolated nodes are fine. A cycle is refused with an error naming the nodes on it.
Result<DagLayout> layoutDag(const DagLayoutInput& input, const DagLayoutOptions& options = {});

} // namespace reprise
