#pragma once

#include <QGraphicsScene>
#include <QGraphicsView>
#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QWidget>

namespace reprise {

/// The overview in the corner: the whole scene rendered once into a pixmap (so panning never
/// repaints hundreds of items twice), the visible part outlined; a click centres the view there.
class DagOverview : public QWidget {
public:
    DagOverview(QGraphicsView* view, QWidget* parent)
        : QWidget(parent)
        , m_view(view)
    {
        setFixedSize(180, 110);
        setCursor(Qt::PointingHandCursor);
        setAccessibleName(QObject::tr("Pipeline overview"));
    }

    void render(QGraphicsScene* scene)
    {
        m_pixmap = QPixmap(size() * devicePixelRatioF());
        m_pixmap.setDevicePixelRatio(devicePixelRatioF());
        m_pixmap.fill(QColor(255, 255, 255, 230));
        QPainter painter(&m_pixmap);
        m_target = QRectF(QPointF(0, 0), QSizeF(size()));
        const QRectF source = scene->sceneRect();
        const double scale = std::min(width() / source.width(), height() / source.height());
        m_target = QRectF(0, 0, source.width() * scale, source.height() * scale);
        m_target.moveCenter(rect().center());
        scene->render(&painter, m_target, source);
        m_source = source;
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter painter(this);
        painter.drawPixmap(0, 0, m_pixmap);
        painter.setPen(QColor(0x99, 0x99, 0x99));
        painter.drawRect(rect().adjusted(0, 0, -1, -1));
        if (m_source.isEmpty())
            return;
        const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
        painter.setPen(QPen(QColor(0x1f, 0x6f, 0xeb), 1.5));
        painter.setBrush(QColor(0x1f, 0x6f, 0xeb, 30));
        painter.drawRect(toOverview(visible).intersected(m_target));
    }

    void mousePressEvent(QMouseEvent* event) override
    {
        if (m_source.isEmpty() || m_target.isEmpty())
            return;
        const QPointF p = event->position();
        m_view->centerOn(m_source.left() + (p.x() - m_target.left()) / m_target.width() * m_source.width(),
            m_source.top() + (p.y() - m_target.top()) / m_target.height() * m_source.height());
    }

private:
    QRectF toOverview(const QRectF& scene) const
    {
        const double sx = m_target.width() / m_source.width(), sy = m_target.height() / m_source.height();
        return QRectF(m_target.left() + (scene.left() - m_source.left()) * sx,
            m_target.top() + (scene.top() - m_source.top()) * sy, scene.width() * sx, scene.height() * sy);
    }

    QGraphicsView* m_view;
    QPixmap m_pixmap;
    QRectF m_source;
    QRectF m_target;
};

} // namespace reprise
