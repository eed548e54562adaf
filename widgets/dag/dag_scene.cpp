#include "dag/dag_scene.h"

#include "store/run_format.h"
#include "text/display_text.h"

#include <QFontMetricsF>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QHash>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>
#include <cmath>
#include <optional>

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
            m_subtitle = cardSubtitle(node);
            setData(DagScene::kNodeSubtitle, m_subtitle);
            m_cached = !m_artifact && node.step.cached;
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
            // The scene's font, the one the card was sized with.
            QFont font = scene() ? scene()->font() : painter->font();
            const double badge = QFontMetricsF(font).horizontalAdvance(QObject::tr("cached")) + 16;
            font.setBold(!m_artifact);
            painter->setFont(font);
            const QFontMetricsF metrics(font);
            // The title, then the subtitle's lines (status · duration, and the change when diffing).
            const QRectF text = r.adjusted(8, 4, -8, -4);
            const QStringList lines = m_subtitle.split(u'\n');
            const double line = text.height() / double(1 + lines.size());
            painter->drawText(QRectF(text.left(), text.top(), text.width(), line), Qt::AlignLeft | Qt::AlignVCenter,
                metrics.elidedText(m_title, Qt::ElideMiddle, text.width() - (m_cached ? badge + 6 : 0)));
            font.setBold(false);
            painter->setFont(font);
            painter->setPen(QColor(0x44, 0x44, 0x44));
            for (int i = 0; i < lines.size(); ++i) {
                painter->drawText(QRectF(text.left(), text.top() + line * (i + 1), text.width(), line),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    QFontMetricsF(font).elidedText(lines[i], Qt::ElideRight, text.width()));
            }
            if (m_cached) {
                const double h = QFontMetricsF(font).height() + 2;
                const QRectF pill(r.right() - badge - 6, r.top() + 5, badge, h);
                painter->setPen(Qt::NoPen);
                painter->setBrush(QColor(0x5b, 0x6b, 0x7b));
                painter->drawRoundedRect(pill, h / 2, h / 2);
                painter->setPen(Qt::white);
                painter->drawText(pill, Qt::AlignCenter, QObject::tr("cached"));
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

    /// Where things already are, to place edge labels where nothing is: shapes in a coarse grid of
    /// cells, so a query looks at the shapes near it only (thousands of edges stay fast).
    class Occupancy {
    public:
        void add(const QPainterPath& shape)
        {
            const int index = int(m_shapes.size());
            m_shapes.push_back(shape);
            m_bounds.push_back(shape.boundingRect());
            forCells(m_bounds.back(), [&](quint64 cell) {
                m_cells[cell].push_back(index);
                return true;
            });
        }
        void add(const QRectF& rect)
        {
            QPainterPath path;
            path.addRect(rect);
            add(path);
        }
        bool isFree(const QRectF& rect) const
        {
            return forCells(rect, [&](quint64 cell) {
                for (int i : m_cells.value(cell)) {
                    if (m_bounds[size_t(i)].intersects(rect) && m_shapes[size_t(i)].intersects(rect))
                        return false;
                }
                return true;
            });
        }

    private:
        static constexpr double kCell = 160;
        template <typename Visit> bool forCells(const QRectF& r, Visit visit) const
        {
            const auto x0 = qint64(std::floor(r.left() / kCell)), x1 = qint64(std::floor(r.right() / kCell));
            const auto y0 = qint64(std::floor(r.top() / kCell)), y1 = qint64(std::floor(r.bottom() / kCell));
            for (qint64 x = x0; x <= x1; ++x) {
                for (qint64 y = y0; y <= y1; ++y) {
                    if (!visit((quint64(quint32(qint32(x))) << 32) | quint32(qint32(y))))
                        return false;
                }
            }
            return true;
        }
        std::vector<QPainterPath> m_shapes;
        std::vector<QRectF> m_bounds;
        QHash<quint64, std::vector<int>> m_cells;
    };

} // namespace

QString cardSubtitle(const PipelineNode& node)
{
    if (node.kind == PipelineNode::Kind::Artifact)
        return visibleText(shortHash(node.artifact.hash));
    const double seconds = node.step.endTime - node.step.startTime;
    QString subtitle = visibleText(node.step.status)
        + (std::isnan(seconds) ? QString() : QStringLiteral(" · ") + formatDuration(seconds));
    if (node.change != StepChange::None)
        subtitle += u'\n' + toString(node.change); // a line of its own: cards stay narrow
    return subtitle;
}

QSizeF cardSize(const PipelineNode& node, const QFont& font)
{
    const bool step = node.kind == PipelineNode::Kind::Step;
    QFont titleFont(font);
    titleFont.setBold(step);
    const QFontMetricsF plain(font), title(titleFont);
    const double badge = step && node.step.cached ? plain.horizontalAdvance(QObject::tr("cached")) + 22 : 0;
    double text = title.horizontalAdvance(visibleText(node.label)) + badge;
    const QStringList lines = cardSubtitle(node).split(u'\n');
    for (const QString& line : lines)
        text = std::max(text, plain.horizontalAdvance(line));
    // 8 px of padding either side and a little air; very long names are elided rather than stretching the graph.
    const double width = std::ceil(std::clamp(text + 22, step ? 120.0 : 100.0, 420.0));
    const double height
        = std::ceil(std::max(step ? 58.0 : 34.0, double(1 + lines.size()) * (title.height() + 3) + (step ? 14 : 8)));
    return { width, height };
}

QString edgeLabelText(const PipelineEdge& edge)
{
    // "data/train.parquet cfda21ef" → "train.parquet" over "cfda21ef": narrow, so layers stay close.
    const QString name = edge.label.section(u'/', -1);
    const qsizetype space = name.lastIndexOf(u' ');
    return space > 0 ? visibleText(name.left(space)) + u'\n' + visibleText(name.mid(space + 1)) : visibleText(name);
}

double edgeLabelGap(const PipelineGraph& graph, const QFont& font)
{
    const QFontMetricsF metrics(font);
    double widest = 0;
    for (const PipelineEdge& e : graph.edges)
        for (const QString& line : edgeLabelText(e).split(u'\n'))
            widest = std::max(widest, e.label.isEmpty() ? 0.0 : metrics.horizontalAdvance(line));
    return std::clamp(widest + 64, 100.0, 300.0);
}

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
    Occupancy taken;
    QPainterPathStroker stroker;
    stroker.setWidth(6); // the drawn line and a little air either side
    std::vector<QPainterPath> paths(layout.edges.size());
    for (size_t e = 0; e < layout.edges.size(); ++e) {
        const auto& points = layout.edges[e].points;
        if (points.size() < 2)
            continue;
        paths[e] = edgePath(points);
        auto* path = addPath(paths[e], edgePen);
        path->setZValue(-1);
        taken.add(stroker.createStroke(paths[e]));
        // Arrowhead at the target.
        const QPointF tip = points.back();
        QPolygonF head;
        head << tip << tip + QPointF(-9, -4.5) << tip + QPointF(-9, 4.5);
        addPolygon(head, Qt::NoPen, QColor(0x70, 0x70, 0x70))->setZValue(-1);
        taken.add(head.boundingRect().adjusted(-2, -2, 2, 2));
        ++m_edgeCount;
    }
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const QSizeF size = i < layout.sizes.size() ? layout.sizes[i] : cardSize(graph.nodes[i], font());
        auto* item = new NodeItem(graph.nodes[i], size);
        item->setPos(layout.position[i]);
        item->setData(kNodeIndex, int(i));
        addItem(item);
        m_nodeItems << item;
        taken.add(QRectF(layout.position[i], size).adjusted(-3, -3, 3, 3));
    }
    // Edge labels: one per source and artifact (an output read by several steps is named once), beside
    // one of its edges where nothing else is: tried along the edge from its middle outwards, above then
    // below. Drawn over an opaque ground at the scene's own font size.
    QRectF bounds(QPointF(0, 0), layout.size);
    QHash<QString, bool> named;
    const QFontMetricsF metrics(font());
    for (size_t e = 0; e < graph.edges.size() && e < paths.size(); ++e) {
        const PipelineEdge& edge = graph.edges[e];
        if (edge.label.isEmpty() || paths[e].isEmpty())
            continue;
        const QString text = edgeLabelText(edge);
        const QString key = QString::number(edge.from) + u'\n' + text;
        if (named.contains(key))
            continue;
        named.insert(key, true);
        std::vector<size_t> group; // every edge of this source with this label
        for (size_t f = e; f < graph.edges.size() && f < paths.size(); ++f) {
            if (graph.edges[f].from == edge.from && !paths[f].isEmpty() && edgeLabelText(graph.edges[f]) == text)
                group.push_back(f);
        }
        const QStringList lines = text.split(u'\n');
        double textWidth = 0;
        for (const QString& line : lines)
            textWidth = std::max(textWidth, metrics.horizontalAdvance(line));
        const QSizeF box(textWidth + 8, metrics.lineSpacing() * double(lines.size()) + 2);
        std::optional<QRectF> spot;
        // From the middle of the edge outwards, close to the line first, then a little further off it.
        for (int k = 0; k < 21 && !spot; ++k) {
            const double t = 0.5 + (k % 2 ? 1 : -1) * 0.04 * ((k + 1) / 2);
            for (double gap : { 3.0, 10.0, 20.0 }) {
                for (size_t f = 0; f < group.size() && !spot; ++f) {
                    const QPointF at = paths[group[f]].pointAtPercent(t);
                    for (const QRectF& r :
                        { QRectF(QPointF(at.x() - box.width() / 2, at.y() - gap - box.height()), box),
                            QRectF(QPointF(at.x() - box.width() / 2, at.y() + gap), box) }) {
                        if (!spot && taken.isFree(r))
                            spot = r;
                    }
                }
            }
        }
        const QPointF middle = paths[e].pointAtPercent(0.5);
        const QRectF place
            = spot.value_or(QRectF(QPointF(middle.x() - box.width() / 2, middle.y() - 3 - box.height()), box));
        taken.add(place);
        bounds = bounds.united(place);
        auto* ground = addRect(QRectF(QPointF(0, 0), box), Qt::NoPen, QColor(255, 255, 255, 235));
        ground->setPos(place.topLeft());
        ground->setZValue(-0.5);
        auto* label = new QGraphicsSimpleTextItem(text, ground);
        label->setFont(font());
        label->setBrush(QColor(0x33, 0x33, 0x33));
        label->setPos(4, 1);
        label->setToolTip(plainToolTip(visibleText(edge.label))); // the full path
        ground->setToolTip(label->toolTip());
        m_labels << ground;
    }
    setSceneRect(bounds.adjusted(-20, -20, 20, 20));
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
