#include "compare/brushable_plot.h"

#include <QMouseEvent>
#include <cmath>

namespace reprise {

QColor rampColour(double t)
{
    // Stops of a viridis-like ramp: ordered in lightness, readable for colour-blind people.
    static const QColor stops[] = { QColor(0x44, 0x01, 0x54), QColor(0x3b, 0x52, 0x8b), QColor(0x21, 0x90, 0x8d),
        QColor(0x5d, 0xc8, 0x63), QColor(0xfd, 0xe7, 0x25) };
    if (!std::isfinite(t))
        return QColor(0xaa, 0xaa, 0xaa);
    t = std::clamp(t, 0.0, 1.0) * 4;
    const int i = std::min(3, int(t));
    const double f = t - i;
    const QColor& a = stops[i];
    const QColor& b = stops[i + 1];
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * f),
        float(a.greenF() + (b.greenF() - a.greenF()) * f), float(a.blueF() + (b.blueF() - a.blueF()) * f));
}

BrushablePlot::BrushablePlot(QWidget* parent)
    : QWidget(parent)
{
    setMinimumHeight(220);
}

void BrushablePlot::setHighlighted(const QStringList& runIds)
{
    m_highlighted = runIds;
    update();
}

void BrushablePlot::brushMoved(QPointF, QPointF) { }

QString BrushablePlot::hoverText(QPointF) const { return {}; }

void BrushablePlot::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !brushStarts(event->position())) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_from = event->position();
    m_to = event->position();
}

void BrushablePlot::mouseMoveEvent(QMouseEvent* event)
{
    if (m_from) {
        m_to = event->position();
        brushMoved(*m_from, m_to);
        update();
        return;
    }
    const QString hover = hoverText(event->position());
    if (hover != m_hover) {
        m_hover = hover;
        update();
    }
}

void BrushablePlot::mouseReleaseEvent(QMouseEvent* event)
{
    if (!m_from)
        return;
    const QPointF from = *m_from;
    m_from.reset();
    const std::optional<QStringList> chosen = brushEnded(from, event->position());
    update();
    if (chosen)
        Q_EMIT runsBrushed(*chosen);
}

} // namespace reprise
