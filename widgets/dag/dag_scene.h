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
    /// Data role of node items holding the lines under the title (cardSubtitle()).
    static constexpr int kNodeSubtitle = 2;

    explicit DagScene(QObject* parent = nullptr);

    /// Replaces the contents. `graph` and `layout` must belong together; nodes are drawn at the layout's
    /// sizes (cardSize()). Edge labels are placed beside their edge where no edge, node or other label
    /// is, at the scene's font size, on an opaque ground.
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
    QList<QGraphicsItem*> m_labels; ///< one per distinct (source, artifact) label
    int m_edgeCount = 0;
};

/// Fill colour of a node: its diff state when diffing, else its status.
QColor nodeColour(const PipelineNode& node);

/// The lines under a card's title: "finished · 2m 14s" (and "changed" on a line of its own when diffing)
/// for steps, the short hash for artifacts.
QString cardSubtitle(const PipelineNode& node);
/// The size of a node's card in `font`: wide enough for its title (bold for steps), its cached badge and
/// its second line, within bounds (longer titles are elided in the middle). Any thread.
QSizeF cardSize(const PipelineNode& node, const QFont& font);
/// What an edge's label shows: the artifact's file name over its short hash (two lines).
QString edgeLabelText(const PipelineEdge& edge);
/// Horizontal space between layers that fits the widest edge label in `font`. Any thread.
double edgeLabelGap(const PipelineGraph& graph, const QFont& font);

} // namespace reprise
