#pragma once

#include "analysis/dag_layout.h"
#include "analysis/pipeline_graph.h"

#include <QGraphicsScene>

namespace reprise {

/// The graphics of a laid-out pipeline: one item per node (steps as status-coloured cards with
/// name, status, duration and a cached badge; artifacts as small tags with a short hash), one path
/// per edge with an arrowhead and the artifact as label. All text is plain text.
class DagScene : public QGraphicsScene {
    Q_OBJECT
public:
    /// Data role of node items holding the node's index in the graph.
    static constexpr int kNodeIndex = 0;
    /// Data role of node items holding the title the card shows (the label, escaped as plain text).
    static constexpr int kNodeText = 1;

    explicit DagScene(QObject* parent = nullptr);

    /// Replaces the contents. `graph` and `layout` must belong together.
    void setGraph(const PipelineGraph& graph, const DagLayout& layout);
    const PipelineGraph& graph() const { return m_graph; }
    const DagLayout& layout() const { return m_layout; }
    int nodeItemCount() const { return int(m_nodeItems.size()); }
    int edgeItemCount() const { return m_edgeCount; }
    QGraphicsItem* nodeItem(int node) const { return m_nodeItems.value(node); }
    /// Index of the selected node, or -1.
    int selectedNode() const;
    void selectNode(int node);
    /// Adapts detail to the view's scale (edge labels only where they are readable).
    void setZoom(double scale);

private:
    PipelineGraph m_graph;
    DagLayout m_layout;
    QList<QGraphicsItem*> m_nodeItems;
    QList<QGraphicsItem*> m_labels;
    int m_edgeCount = 0;
};

/// Fill colour of a node: its diff state when diffing, else its status.
QColor nodeColour(const PipelineNode& node);

} // namespace reprise
