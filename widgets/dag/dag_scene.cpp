#include "dag/dag_scene.h"

#include "store/run_format.h"
#include "text/display_text.h"

#include <QFontMetricsF>
#include <QGraphicsPathItem>
#include <QGraphicsSimpleTextItem>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <cmath>

namespace reprise {

QColor nodeColour(const PipelineNode& node)
{
    switch (node.change) {
    case StepChange::Changed:
        return QColor(0xff, 0xe0, 0x8a);
    case StepChange::Added:
        return QColor(0xc9, 0xf2, 0xd0);
    case StepChange::Removed:
        return QColor(0xf8, 0xd0, 0xd0);
    case StepChange::Unchanged:
        return QColor(0xee, 0xee, 0xee);
    case StepChange::None:
        break;
    }
    if (node.kind == PipelineNode::Kind::Artifact)
        return QColor(0xfb, 0xfb, 0xf4);
    const QString& s = node.step.status;
    if (s == QLatin1String("failed"))
        return QColor(0xf8, 0xd0, 0xd0);
    if (s == QLatin1String("running"))
        return QColor(0xcf, 0xe2, 0xff);
    if (s == QLatin1String("skipped"))
        return QColor(0xe6, 0xe6, 0xe6);
    return QColor(0xd4, 0xed, 0xda);
}

namespace {

    /// A node card. Paints itself: cheaper than a group of child items for hundreds of nodes.
    class NodeItem : public QGraphicsItem {
    public:
        NodeItem(const PipelineNode& node, const QSizeF& size)
            : m_size(size)
            , m_fill(nodeColour(node))
            , m_artifact(node.kind == PipelineNode::Kind::Artifact)
            , m_emphasis(node.firstDivergence)
        {
            setFlag(QGraphicsItem::ItemIsSelectable);
            setFlag(QGraphicsItem::ItemIsFocusable);
            m_title = visibleText(node.label);
            setData(DagScene::kNodeText, m_title);
            if (m_artifact) {
                m_subtitle = visibleText(shortHash(node.artifact.hash));
            } else {
                const double seconds = node.step.endTime - node.step.startTime;
                m_subtitle = visibleText(node.step.status)
                    + (std::isnan(seconds) ? QString() : QStringLiteral(" · ") + formatDuration(seconds));
                if (node.change != StepChange::None)
                    m_subtitle += QStringLiteral(" · ") + toString(node.change);
                m_cached = node.step.cached;
            }
            // The label on its own line (escaped as one line), then the reasons for a change.
            QString tip = visibleText(node.label);
            for (const QString& reason : node.reasons)
                tip += u'\n' + visibleText(reason);
            setToolTip(plainToolTip(tip));
        }

        QRectF boundingRect() const override { return QRectF(QPointF(-3, -3), m_size + QSizeF(6, 6)); }

        void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) override
        {
            const QRectF r(QPointF(0, 0), m_size);
            // Zoomed far out, text would be unreadable: a plain card is all that is drawn.
            const double detail = option->levelOfDetailFromTransform(painter->worldTransform());
            if (detail < 0.4) {
                painter->setPen(isSelected() || m_emphasis
                        ? QPen(isSelected() ? QColor(0x1f, 0x6f, 0xeb) : QColor(0xc0, 0x39, 0x2b), 3)
                        : QPen(QColor(0x80, 0x80, 0x80)));
                painter->setBrush(m_fill);
                painter->drawRect(r);
                return;
            }
            QPen pen(isSelected() ? QColor(0x1f, 0x6f, 0xeb)
                    : m_emphasis  ? QColor(0xc0, 0x39, 0x2b)
                                  : QColor(0x80, 0x80, 0x80));
            pen.setWidthF(isSelected() || m_emphasis ? 3 : 1);
            if (m_artifact)
                pen.setStyle(Qt::DashLine);
            painter->setPen(pen);
            painter->setBrush(m_fill);
            painter->drawRoundedRect(r, m_artifact ? 3 : 8, m_artifact ? 3 : 8);
            painter->setPen(Qt::black);
            QFont font = painter->font();
            font.setBold(!m_artifact);
            painter->setFont(font);
            const QFontMetricsF metrics(font);
            const QRectF text = r.adjusted(8, 4, -8, -4);
            painter->drawText(QRectF(text.left(), text.top(), text.width(), text.height() / 2),
                Qt::AlignLeft | Qt::AlignVCenter,
                metrics.elidedText(m_title, Qt::ElideMiddle, text.width() - (m_cached ? 52 : 0)));
            font.setBold(false);
            painter->setFont(font);
            painter->setPen(QColor(0x44, 0x44, 0x44));
            painter->drawText(QRectF(text.left(), text.center().y(), text.width(), text.height() / 2),
                Qt::AlignLeft | Qt::AlignVCenter,
                QFontMetricsF(font).elidedText(m_subtitle, Qt::ElideRight, text.width()));
            if (m_cached) {
                const QRectF badge(r.right() - 56, r.top() + 5, 50, 16);
                painter->setPen(Qt::NoPen);
                painter->setBrush(QColor(0x5b, 0x6b, 0x7b));
                painter->drawRoundedRect(badge, 8, 8);
                painter->setPen(Qt::white);
                painter->drawText(badge, Qt::AlignCenter, QObject::tr("cached"));
            }
        }

    private:
        QSizeF m_size;
        QColor m_fill;
        bool m_artifact;
        bool m_emphasis;
        bool m_cached = false;
        QString m_title;
        QString m_subtitle;
    };

    QPainterPath edgePath(const std::vector<QPointF>& points)
    {
        QPainterPath path(points.front());
        // Horizontal-tangent cubic segments: edges leave and enter nodes straight.
        for (size_t i = 1; i < points.size(); ++i) {
            const QPointF a = points[i - 1], b = points[i];
            const double dx = (b.x() - a.x()) / 2;
            path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b);
        }
        return path;
    }

} // namespace

DagScene::DagScene(QObject* parent)
    : QGraphicsScene(parent)
{
    // A static picture: no index maintenance on every change, fast hit tests are not needed at this size.
    setItemIndexMethod(QGraphicsScene::BspTreeIndex);
}

void DagScene::setGraph(const PipelineGraph& graph, const DagLayout& layout)
{
    clear();
    m_nodeItems.clear();
    m_labels.clear();
    m_edgeCount = 0;
    m_graph = graph;
    m_layout = layout;
    const QPen edgePen(QColor(0x70, 0x70, 0x70), 1.4);
    for (size_t e = 0; e < layout.edges.size(); ++e) {
        const auto& points = layout.edges[e].points;
        if (points.size() < 2)
            continue;
        auto* path = addPath(edgePath(points), edgePen);
        path->setZValue(-1);
        // Arrowhead at the target.
        const QPointF tip = points.back();
        QPolygonF head;
        head << tip << tip + QPointF(-9, -4.5) << tip + QPointF(-9, 4.5);
        addPolygon(head, Qt::NoPen, QColor(0x70, 0x70, 0x70))->setZValue(-1);
        ++m_edgeCount;
        const QString& label = graph.edges[e].label;
        if (!label.isEmpty()) {
            // The file name and short hash, at the middle of the edge (the full path is in the tooltip).
            const QString shortLabel = label.section(u'/', -1);
            auto* text = addSimpleText(visibleText(shortLabel));
            QFont font = text->font();
            font.setPointSizeF(font.pointSizeF() * 0.75);
            text->setFont(font);
            text->setBrush(QColor(0x55, 0x55, 0x55));
            text->setToolTip(plainToolTip(visibleText(label)));
            const QPointF middle = path->path().pointAtPercent(0.5);
            const QRectF bounds = text->boundingRect();
            text->setPos(middle - QPointF(bounds.width() / 2, bounds.height() + 1));
            text->setZValue(-0.5);
            m_labels << text;
        }
    }
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const QSizeF size = graph.nodes[i].kind == PipelineNode::Kind::Step ? QSizeF(170, 58) : QSizeF(130, 34);
        auto* item = new NodeItem(graph.nodes[i], size);
        item->setPos(layout.position[i]);
        item->setData(kNodeIndex, int(i));
        addItem(item);
        m_nodeItems << item;
    }
    setSceneRect(QRectF(QPointF(-20, -20), layout.size + QSizeF(40, 40)));
}

void DagScene::setZoom(double scale)
{
    // Edge labels are hidden when they would be too small to read (and cost most of a repaint).
    const bool visible = scale >= 0.45;
    for (QGraphicsItem* label : std::as_const(m_labels))
        label->setVisible(visible);
}

int DagScene::selectedNode() const
{
    const QList<QGraphicsItem*> items = selectedItems();
    return items.isEmpty() ? -1 : items.first()->data(kNodeIndex).toInt();
}

void DagScene::selectNode(int node)
{
    clearSelection();
    if (QGraphicsItem* item = m_nodeItems.value(node)) {
        item->setSelected(true);
        setFocusItem(item);
    }
}

} // namespace reprise
