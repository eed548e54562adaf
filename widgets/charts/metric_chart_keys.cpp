// MetricChart's keyboard: a chart reached with Tab zooms, pans and copies without the mouse, and a
// focus ring shows which chart the keys act on (a chart is a graphics view: the style draws no focus
// for it, so without the ring nothing on screen said where the keyboard was).

#include "charts/metric_chart.h"

#include <QKeyEvent>
#include <QPainter>

namespace reprise {

namespace {
    /// The share of the visible span an arrow key moves the view by (Shift: a whole span).
    constexpr double kPanStep = 0.1;
    constexpr double kZoomStep = 2.0;
} // namespace

void MetricChart::zoomBy(double factor)
{
    const double span = (m_hi - m_lo) * factor;
    const double center = (m_lo + m_hi) / 2;
    // Zooming out stops at everything there is (the wheel may go further; a key press should not
    // leave the curves a sliver in the middle).
    if (factor > 1 && span >= m_dataHi - m_dataLo)
        resetZoom();
    else
        userRangeChanged(center - span / 2, center + span / 2);
}

void MetricChart::panBy(double spans)
{
    const double by = (m_hi - m_lo) * spans;
    userRangeChanged(m_lo + by, m_hi + by);
}

void MetricChart::keyPressEvent(QKeyEvent* event)
{
    const double pan = event->modifiers().testFlag(Qt::ShiftModifier) ? 1.0 : kPanStep;
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(1 / kZoomStep);
        break;
    case Qt::Key_Minus:
        zoomBy(kZoomStep);
        break;
    case Qt::Key_Left:
        panBy(-pan);
        break;
    case Qt::Key_Right:
        panBy(pan);
        break;
    case Qt::Key_Home:
    case Qt::Key_0:
        resetZoom();
        break;
    default:
        if (event->matches(QKeySequence::Copy)) {
            copyToClipboard();
            break;
        }
        QChartView::keyPressEvent(event);
        return;
    }
    event->accept();
}

void MetricChart::focusInEvent(QFocusEvent* event)
{
    QChartView::focusInEvent(event);
    viewport()->update();
}

void MetricChart::focusOutEvent(QFocusEvent* event)
{
    QChartView::focusOutEvent(event);
    viewport()->update();
}

void MetricChart::paintEvent(QPaintEvent* event)
{
    QChartView::paintEvent(event);
    if (!hasFocus())
        return;
    QPainter painter(viewport());
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
    painter.setBrush(Qt::NoBrush);
    painter.drawRoundedRect(QRectF(viewport()->rect()).adjusted(1, 1, -1, -1), 3, 3);
}

} // namespace reprise
