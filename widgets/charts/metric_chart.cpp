#include "charts/metric_chart.h"

#include "analysis/axis_ticks.h"

#include <QCategoryAxis>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QScatterSeries>
#include <QWheelEvent>
#include <QtConcurrent>
#include <algorithm>
#include <cmath>

namespace reprise {

QColor runColour(const QString& runId)
{
    // FNV-1a of the id (qHash is seeded per process, which would change colours between sessions),
    // spread over the hue circle by the golden ratio so neighbours rarely look alike.
    quint64 hash = 1469598103934665603ULL;
    for (char c : runId.toUtf8()) {
        hash ^= quint8(c);
        hash *= 1099511628211ULL;
    }
    const double turn = std::fmod(double(hash % 1000003) * 0.618033988749895, 1.0);
    return QColor::fromHsl(int(turn * 360) % 360, 170, 110);
}

namespace {

    struct Drawn {
        DecimatedSeries raw;
        DecimatedSeries smooth;
    };

    QList<QPointF> points(const DecimatedSeries& d, bool logY, int& dropped)
    {
        QList<QPointF> out;
        out.reserve(qsizetype(d.x.size()));
        for (std::size_t i = 0; i < d.x.size(); ++i) {
            if (logY && d.y[i] <= 0) {
                ++dropped;
                continue;
            }
            out.append(QPointF(d.x[i], d.y[i]));
        }
        return out;
    }

} // namespace

MetricChart::MetricChart(const QString& title, QWidget* parent)
    : QChartView(parent)
    , m_title(title)
    , m_nonFinite(new QScatterSeries)
{
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::HorizontalRubberBand);
    setMouseTracking(true);
    chart()->setTitle(title);
    chart()->legend()->setAlignment(Qt::AlignBottom);
    chart()->setAnimationOptions(QChart::NoAnimation);
    chart()->setMargins(QMargins(4, 4, 4, 4));
    m_nonFinite->setName(tr("NaN / ±inf"));
    m_nonFinite->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    m_nonFinite->setMarkerSize(7);
    m_nonFinite->setColor(QColor(0xc0, 0x39, 0x2b));
    m_nonFinite->setBorderColor(QColor(0xc0, 0x39, 0x2b));
    chart()->addSeries(m_nonFinite);
    setAccessibleName(title);
}

void MetricChart::setCurves(std::vector<ChartCurve> curves)
{
    ++m_generation;
    for (QLineSeries* s : m_raw)
        chart()->removeSeries(s), delete s;
    for (QLineSeries* s : m_smooth)
        chart()->removeSeries(s), delete s;
    m_raw.clear();
    m_smooth.clear();
    m_curves = std::move(curves);
    bool any = false;
    for (const ChartCurve& c : m_curves) {
        auto* raw = new QLineSeries;
        raw->setName(c.label);
        QColor faint = c.colour;
        if (c.smoothed)
            faint.setAlpha(70);
        // A 1-pixel cosmetic pen takes QPainter's fast line path; wider pens go through the
        // stroker, which measured several times slower for thousands of segments.
        QPen rawPen(faint, 1);
        rawPen.setCosmetic(true);
        raw->setPen(rawPen);
        chart()->addSeries(raw);
        m_raw.push_back(raw);
        QLineSeries* smooth = nullptr;
        if (c.smoothed) {
            smooth = new QLineSeries;
            smooth->setName(c.label);
            smooth->setPen(QPen(c.colour, 2));
            chart()->addSeries(smooth);
        }
        m_smooth.push_back(smooth);
        if (c.x && !c.x->empty()) {
            m_dataLo = any ? std::min(m_dataLo, c.x->front()) : c.x->front();
            m_dataHi = any ? std::max(m_dataHi, c.x->back()) : c.x->back();
            any = true;
        }
        raw->setVisible(!m_hidden.contains(c.runId));
        if (smooth)
            smooth->setVisible(!m_hidden.contains(c.runId));
    }
    // One legend entry per run: the smoothed line's, else the raw one's; clicking toggles the run.
    for (std::size_t i = 0; i < m_curves.size(); ++i) {
        if (m_smooth[i])
            chart()->legend()->markers(m_raw[i]).first()->setVisible(false);
        QLineSeries* shown = m_smooth[i] ? m_smooth[i] : m_raw[i];
        for (QLegendMarker* marker : chart()->legend()->markers(shown)) {
            const QString id = m_curves[i].runId;
            connect(marker, &QLegendMarker::clicked, this, [this, id] { setCurveVisible(id, m_hidden.contains(id)); });
        }
    }
    if (m_xAxis) {
        for (QAbstractSeries* s : chart()->series()) {
            if (s->attachedAxes().isEmpty()) {
                s->attachAxis(m_xAxis);
                s->attachAxis(m_yAxis);
            }
        }
    }
    if (!any) {
        m_dataLo = 0;
        m_dataHi = 1;
    }
    if (m_dataHi <= m_dataLo)
        m_dataHi = m_dataLo + 1;
    m_lo = m_dataLo;
    m_hi = m_dataHi;
    redraw();
}

void MetricChart::setCurveVisible(const QString& runId, bool visible)
{
    if (visible)
        m_hidden.remove(runId);
    else
        m_hidden.insert(runId);
    for (std::size_t i = 0; i < m_curves.size(); ++i) {
        if (m_curves[i].runId != runId)
            continue;
        m_raw[i]->setVisible(visible);
        if (m_smooth[i])
            m_smooth[i]->setVisible(visible);
    }
    redraw();
}

void MetricChart::setLogY(bool log)
{
    m_logY = log;
    redraw();
}

void MetricChart::setXRange(double lo, double hi)
{
    if (hi <= lo)
        return;
    m_lo = lo;
    m_hi = hi;
    redraw();
}

void MetricChart::resetZoom() { userRangeChanged(m_dataLo, m_dataHi); }

void MetricChart::userRangeChanged(double lo, double hi)
{
    if (!(hi > lo))
        return;
    m_lo = lo;
    m_hi = hi;
    Q_EMIT xRangeChanged(lo, hi);
    redraw();
}

std::vector<int> MetricChart::drawnPointCounts() const
{
    std::vector<int> counts;
    for (std::size_t i = 0; i < m_raw.size(); ++i)
        counts.push_back(int(m_raw[i]->count()) + (m_smooth[i] ? int(m_smooth[i]->count()) : 0));
    return counts;
}

void MetricChart::redraw()
{
    const quint64 ticket = ++m_generation;
    const int columns = std::max(100, int(chart()->plotArea().width()));
    std::vector<ChartCurve> curves;
    for (const ChartCurve& c : m_curves)
        curves.push_back(m_hidden.contains(c.runId) ? ChartCurve {} : c);
    const double lo = m_lo, hi = m_hi;
    QtConcurrent::run([curves = std::move(curves), lo, hi, columns] {
        std::vector<Drawn> out(curves.size());
        for (std::size_t i = 0; i < curves.size(); ++i) {
            const ChartCurve& c = curves[i];
            if (!c.x)
                continue;
            out[i].raw = decimate(*c.x, *c.y, *c.pyramid, lo, hi, columns);
            if (c.smoothed)
                out[i].smooth = decimate(*c.x, *c.smoothed, *c.smoothedPyramid, lo, hi, columns);
        }
        return out;
    }).then(this, [this, ticket](const std::vector<Drawn>& drawn) {
        if (ticket != m_generation || drawn.size() != m_raw.size())
            return;
        double yLo = std::numeric_limits<double>::infinity(), yHi = -yLo;
        std::size_t source = 0;
        bool decimated = false;
        int dropped = 0;
        QList<double> nonFinite;
        for (std::size_t i = 0; i < drawn.size(); ++i) {
            const QList<QPointF> raw = points(drawn[i].raw, m_logY, dropped);
            m_raw[i]->replace(raw);
            if (m_smooth[i])
                m_smooth[i]->replace(points(drawn[i].smooth, m_logY, dropped));
            for (const QPointF& p : raw) {
                yLo = std::min(yLo, p.y());
                yHi = std::max(yHi, p.y());
            }
            source += drawn[i].raw.sourcePoints;
            decimated = decimated || drawn[i].raw.decimated;
            for (double x : drawn[i].raw.nonFiniteX)
                nonFinite << x;
        }
        if (!std::isfinite(yLo)) {
            yLo = m_logY ? 0.1 : 0;
            yHi = m_logY ? 10 : 1;
        }
        if (yHi <= yLo) {
            const double pad = yLo == 0 ? 1 : std::abs(yLo) * 0.05;
            yLo = m_logY ? yLo / 2 : yLo - pad;
            yHi = m_logY ? yHi * 2 : yHi + pad;
        } else if (!m_logY) {
            const double pad = (yHi - yLo) * 0.04;
            yLo -= pad;
            yHi += pad;
        }
        QList<QPointF> marks;
        for (double x : nonFinite)
            marks << QPointF(x, yLo);
        m_nonFinite->replace(marks);
        m_nonFinite->setVisible(!marks.isEmpty());
        applyAxes(yLo, yHi);
        QStringList notes;
        if (decimated)
            notes << tr("%L1 points, drawn at pixel resolution").arg(source);
        if (!nonFinite.isEmpty())
            notes << tr("NaN/inf marked ■");
        if (dropped > 0)
            notes << tr("%L1 values ≤ 0 not shown on the log axis").arg(dropped);
        m_note = notes.join(QStringLiteral(" · "));
        const QString title = m_note.isEmpty() ? m_title : m_title + QStringLiteral("  —  ") + m_note;
        if (chart()->title() != title) // a new title re-lays out the whole chart
            chart()->setTitle(title);
        Q_EMIT redrawn();
    });
}

void MetricChart::applyAxes(double yLo, double yHi)
{
    // Axes are made once (and again only when the y scale kind changes); a redraw only moves their
    // range and labels, which is far cheaper for QtCharts than replacing them.
    const bool logAxis = m_yAxis && qobject_cast<QLogValueAxis*>(m_yAxis);
    if (!m_xAxis || logAxis != m_logY) {
        for (QAbstractAxis* axis : chart()->axes())
            chart()->removeAxis(axis), delete axis;
        m_xAxis = new QCategoryAxis;
        m_xAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
        chart()->addAxis(m_xAxis, Qt::AlignBottom);
        if (m_logY) {
            auto* log = new QLogValueAxis;
            log->setBase(10);
            log->setLabelFormat(QStringLiteral("%g"));
            m_yAxis = log;
        } else {
            auto* linear = new QCategoryAxis;
            linear->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
            m_yAxis = linear;
        }
        chart()->addAxis(m_yAxis, Qt::AlignLeft);
        for (QAbstractSeries* s : chart()->series()) {
            s->attachAxis(m_xAxis);
            s->attachAxis(m_yAxis);
        }
    }
    auto setTicks = [](QCategoryAxis* axis, double lo, double hi, int target) {
        for (const QString& label : axis->categoriesLabels())
            axis->remove(label);
        const std::vector<double> ticks = niceTicks(lo, hi, target);
        const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 0;
        for (double v : ticks) {
            if (v >= lo && v <= hi)
                axis->append(compactNumber(v, step), v);
        }
        axis->setRange(lo, hi);
    };
    setTicks(m_xAxis, m_lo, m_hi, std::max(4, int(chart()->plotArea().width() / 110)));
    if (auto* log = qobject_cast<QLogValueAxis*>(m_yAxis))
        log->setRange(std::max(yLo, 1e-300), yHi);
    else
        setTicks(static_cast<QCategoryAxis*>(m_yAxis), yLo, yHi, std::max(6, int(chart()->plotArea().height() / 35)));
}

QString MetricChart::readoutAt(double x) const
{
    QStringList lines;
    for (std::size_t i = 0; i < m_curves.size(); ++i) {
        const ChartCurve& c = m_curves[i];
        if (!c.x || c.x->empty() || m_hidden.contains(c.runId))
            continue;
        const auto& xs = *c.x;
        auto it = std::lower_bound(xs.begin(), xs.end(), x);
        std::size_t k = std::size_t(it - xs.begin());
        if (k == xs.size() || (k > 0 && std::abs(xs[k - 1] - x) <= std::abs(xs[k] - x)))
            k = k == 0 ? 0 : k - 1;
        const double v = (c.smoothed ? *c.smoothed : *c.y)[k];
        lines
            << QStringLiteral("%1: %2 @ %3").arg(c.label, compactNumber(v, std::abs(v) / 1e4), compactNumber(xs[k], 1));
    }
    return lines.join(u'\n');
}

void MetricChart::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier)) {
        m_panning = true;
        m_panFrom = event->pos();
        event->accept();
        return;
    }
    QChartView::mousePressEvent(event);
}

void MetricChart::mouseMoveEvent(QMouseEvent* event)
{
    const QRectF plot = chart()->plotArea();
    if (m_panning) {
        const double dx = (event->pos().x() - m_panFrom.x()) / plot.width() * (m_hi - m_lo);
        m_panFrom = event->pos();
        userRangeChanged(m_lo - dx, m_hi - dx);
        return;
    }
    QChartView::mouseMoveEvent(event);
    if (!plot.contains(event->pos()) || m_curves.empty()) {
        leaveEvent(nullptr);
        return;
    }
    const double x = m_lo + (event->pos().x() - plot.left()) / plot.width() * (m_hi - m_lo);
    if (!m_cursor) {
        m_cursor = new QGraphicsLineItem;
        m_cursor->setPen(QPen(QColor(0x55, 0x55, 0x55), 1, Qt::DashLine));
        scene()->addItem(m_cursor);
        m_readout = new QGraphicsSimpleTextItem;
        m_readout->setBrush(QColor(0x22, 0x22, 0x22));
        scene()->addItem(m_readout);
    }
    m_cursor->setLine(event->pos().x(), plot.top(), event->pos().x(), plot.bottom());
    m_readout->setText(readoutAt(x));
    const double textX = event->pos().x() + 8 + m_readout->boundingRect().width() > plot.right()
        ? event->pos().x() - 8 - m_readout->boundingRect().width()
        : event->pos().x() + 8;
    m_readout->setPos(textX, plot.top() + 4);
    m_cursor->show();
    m_readout->show();
}

void MetricChart::leaveEvent(QEvent* event)
{
    if (m_cursor) {
        m_cursor->hide();
        m_readout->hide();
    }
    if (event)
        QChartView::leaveEvent(event);
}

void MetricChart::mouseReleaseEvent(QMouseEvent* event)
{
    if (m_panning) {
        m_panning = false;
        return;
    }
    // The rubber band zooms the chart's own axis; read the result back as our range.
    QChartView::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton) {
        const auto axes = chart()->axes(Qt::Horizontal);
        if (!axes.isEmpty()) {
            if (auto* x = qobject_cast<QValueAxis*>(axes.first()); x && (x->min() != m_lo || x->max() != m_hi))
                userRangeChanged(x->min(), x->max());
        }
    }
}

void MetricChart::mouseDoubleClickEvent(QMouseEvent*) { resetZoom(); }

void MetricChart::wheelEvent(QWheelEvent* event)
{
    const QRectF plot = chart()->plotArea();
    const double at = std::clamp((event->position().x() - plot.left()) / plot.width(), 0.0, 1.0);
    const double factor = std::pow(0.999, event->angleDelta().y());
    const double span = (m_hi - m_lo) * factor;
    const double center = m_lo + at * (m_hi - m_lo);
    userRangeChanged(center - at * span, center + (1 - at) * span);
    event->accept();
}

void MetricChart::resizeEvent(QResizeEvent* event)
{
    QChartView::resizeEvent(event);
    if (!m_curves.empty())
        redraw(); // a new width is a new number of pixel columns
}

} // namespace reprise
