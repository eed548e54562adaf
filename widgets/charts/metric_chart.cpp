#include "charts/metric_chart.h"

#include "analysis/axis_ticks.h"
#include "charts/chart_readout.h"
#include "compute_pool.h"
#include "text/display_text.h"
#include "when_finished.h"

#include <QCategoryAxis>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QGraphicsTextItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QPainter>
#include <QScatterSeries>
#include <QWheelEvent>
#include <QtConcurrent>
#include <algorithm>
#include <cmath>

namespace reprise {

namespace {

    /// Curve i's picture for [lo, hi] at `columns` pixel columns. On a worker thread.
    DrawnCurve decimateCurve(const ChartCurve& c, double lo, double hi, int columns)
    {
        DrawnCurve d;
        d.colour = c.colour;
        if (!c.x)
            return d;
        d.raw = decimate(*c.x, *c.y, *c.pyramid, lo, hi, columns);
        if (c.smoothed)
            d.smooth = decimate(*c.x, std::span<const float>(*c.smoothed), *c.smoothedPyramid, lo, hi, columns);
        else if (c.smoothedWide)
            d.smooth = decimate(*c.x, *c.smoothedWide, *c.smoothedPyramid, lo, hi, columns);
        if (c.bandLow && c.bandHigh) {
            d.bandLow = decimate(*c.x, *c.bandLow, *c.bandLowPyramid, lo, hi, columns);
            d.bandHigh = decimate(*c.x, *c.bandHigh, *c.bandHighPyramid, lo, hi, columns);
        }
        return d;
    }

    void widen(double& lo, double& hi, const DecimatedSeries& s, bool logY, int& dropped)
    {
        for (double y : s.y) {
            if (logY && y <= 0) {
                ++dropped;
                continue;
            }
            lo = std::min(lo, y);
            hi = std::max(hi, y);
        }
    }

} // namespace

MetricChart::MetricChart(const QString& title, QWidget* parent)
    : QChartView(parent)
    , m_plainTitle(title)
    , m_title(htmlSafeText(title)) // QtCharts renders titles and legend labels as HTML
    , m_nonFinite(new QScatterSeries)
    , m_layer(new CurveLayer)
{
    // Follow the desktop's light or dark palette (QtCharts' default theme is always light).
    if (palette().color(QPalette::Window).lightness() < 128)
        chart()->setTheme(QChart::ChartThemeDark);
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::HorizontalRubberBand);
    setMouseTracking(true);
    chart()->setTitle(m_title);
    chart()->legend()->setAlignment(Qt::AlignBottom);
    chart()->setAnimationOptions(QChart::NoAnimation);
    chart()->setMargins(QMargins(4, 4, 4, 4));
    m_nonFinite->setName(tr("NaN / ±inf"));
    m_nonFinite->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    m_nonFinite->setMarkerSize(7);
    m_nonFinite->setColor(QColor(0xc0, 0x39, 0x2b));
    m_nonFinite->setBorderColor(QColor(0xc0, 0x39, 0x2b));
    chart()->addSeries(m_nonFinite);
    // The curves are painted by a layer over the plot area, under the readout.
    m_layer->setZValue(chart()->zValue() + 5);
    scene()->addItem(m_layer);
    // What the chart leaves out, said under it in plain text.
    m_footnote = new QGraphicsTextItem;
    m_footnote->setDefaultTextColor(palette().color(QPalette::PlaceholderText));
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_footnote->setFont(small);
    m_footnote->setZValue(chart()->zValue() + 6);
    scene()->addItem(m_footnote);
    connect(chart(), &QChart::plotAreaChanged, this,
        [this] { m_layer->setFrame(chart()->plotArea(), m_lo, m_hi, m_yLo, m_yHi, m_logY); });
    setAccessibleName(visibleText(title));
}

void MetricChart::setCurves(std::vector<ChartCurve> curves, bool keepRange)
{
    ++m_generation;
    const bool wasZoomed = keepRange && (m_lo > m_dataLo || m_hi < m_dataHi);
    for (QLineSeries* s : m_legend)
        chart()->removeSeries(s), delete s;
    m_legend.clear();
    m_curves = std::move(curves);
    // One point per run (a final score): each run gets its own place along x, as a dot.
    bool anyData = false, allSingle = true;
    for (const ChartCurve& c : m_curves) {
        if (c.x && !c.x->empty()) {
            anyData = true;
            allSingle = allSingle && c.x->size() == 1;
        }
    }
    m_perRun = anyData && allSingle;
    if (m_perRun) {
        for (std::size_t i = 0; i < m_curves.size(); ++i) {
            ChartCurve& c = m_curves[i];
            if (!c.x || c.x->empty())
                continue;
            if (!c.steps)
                c.steps = c.x;
            c.x = std::make_shared<const std::vector<double>>(1, double(i));
        }
    }
    // A group's mean over fewer runs once some of them end: said under the chart, from where.
    m_fewerRuns.clear();
    for (const ChartCurve& c : m_curves) {
        if (!c.runs || !c.x || c.runs->empty())
            continue;
        const int most = *std::max_element(c.runs->begin(), c.runs->end());
        const auto last = std::find(c.runs->rbegin(), c.runs->rend(), most);
        const std::size_t from = std::size_t(c.runs->rend() - last); // the step after the last full one
        if (from < c.runs->size() && from < c.x->size())
            m_fewerRuns
                << tr("%1: mean over fewer runs from %2").arg(visibleText(c.label), compactNumber((*c.x)[from], 1));
    }
    bool any = false;
    for (const ChartCurve& c : m_curves) {
        // An empty series per curve: its legend entry names the run in its colour and toggles it.
        auto* entry = new QLineSeries;
        entry->setName(htmlSafeText(c.label));
        entry->setPen(QPen(c.colour, 2));
        chart()->addSeries(entry);
        m_legend.push_back(entry);
        const QString id = c.runId;
        for (QLegendMarker* marker : chart()->legend()->markers(entry))
            connect(marker, &QLegendMarker::clicked, this, [this, id] { setCurveVisible(id, m_hidden.contains(id)); });
        if (c.x && !c.x->empty()) {
            m_dataLo = any ? std::min(m_dataLo, c.x->front()) : c.x->front();
            m_dataHi = any ? std::max(m_dataHi, c.x->back()) : c.x->back();
            any = true;
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
    if (m_perRun) {
        m_dataLo = -0.5;
        m_dataHi = double(m_curves.size()) - 0.5;
    }
    if (m_dataHi <= m_dataLo)
        m_dataHi = m_dataLo + 1;
    if (!wasZoomed) {
        m_lo = m_dataLo;
        m_hi = m_dataHi;
    }
    updateLegendStyle();
    redraw();
}

void MetricChart::updateLegendStyle()
{
    for (std::size_t i = 0; i < m_curves.size() && i < m_legend.size(); ++i) {
        const bool hidden = m_hidden.contains(m_curves[i].runId);
        for (QLegendMarker* marker : chart()->legend()->markers(m_legend[i])) {
            QFont font = marker->font();
            font.setStrikeOut(hidden);
            marker->setFont(font);
            marker->setLabelBrush(hidden ? QColor(0x99, 0x99, 0x99) : palette().color(QPalette::WindowText));
        }
    }
}

void MetricChart::setCurveVisible(const QString& runId, bool visible)
{
    if (visible)
        m_hidden.remove(runId);
    else
        m_hidden.insert(runId);
    updateLegendStyle();
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

std::vector<int> MetricChart::drawnPointCounts() const { return m_layer->pointCounts(); }

const DrawnCurve& MetricChart::drawn(std::size_t i) const { return m_layer->curves().at(i); }

void MetricChart::redraw()
{
    const quint64 ticket = ++m_generation;
    const int columns = std::max(100, int(chart()->plotArea().width()));
    std::vector<ChartCurve> curves = curvesToDraw();
    const double lo = m_lo, hi = m_hi;
    // The watcher, not then(this, …): the chart may be closed while its curves are being decimated.
    whenFinished(QtConcurrent::run([curves = std::move(curves), lo, hi, columns] {
        // Curves in parallel: on the compute pool, since this task already holds a global thread.
        return QtConcurrent::blockingMapped<std::vector<DrawnCurve>>(
            computePool(), curves, [&](const ChartCurve& c) { return decimateCurve(c, lo, hi, columns); });
    }),
        this, [this, ticket](std::vector<DrawnCurve> drawn) {
            if (ticket == m_generation && drawn.size() == m_curves.size())
                apply(std::move(drawn));
        });
}

std::vector<ChartCurve> MetricChart::curvesToDraw() const
{
    std::vector<ChartCurve> curves;
    for (const ChartCurve& c : m_curves) {
        if (m_hidden.contains(c.runId)) {
            ChartCurve hidden; // nothing to decimate, but keeps its place and colour
            hidden.colour = c.colour;
            curves.push_back(std::move(hidden));
        } else {
            curves.push_back(c);
        }
    }
    return curves;
}

DrawnCurve MetricChart::decimated(const ChartCurve& c, double lo, double hi, int columns)
{
    return decimateCurve(c, lo, hi, columns);
}

void MetricChart::apply(std::vector<DrawnCurve> drawn)
{
    double yLo = std::numeric_limits<double>::infinity(), yHi = -yLo;
    std::size_t source = 0;
    bool decimated = false;
    int dropped = 0;
    QList<QPointF> marks;
    for (std::size_t i = 0; i < drawn.size(); ++i) {
        DrawnCurve& d = drawn[i];
        d.visible = !m_hidden.contains(m_curves[i].runId);
        widen(yLo, yHi, d.raw, m_logY, dropped);
        int ignored = 0;
        widen(yLo, yHi, d.bandLow, m_logY, ignored);
        widen(yLo, yHi, d.bandHigh, m_logY, ignored);
        source += d.raw.sourcePoints;
        decimated = decimated || d.raw.decimated;
    }
    if (!std::isfinite(yLo)) {
        yLo = m_logY ? 0.1 : 0;
        yHi = m_logY ? 10 : 1;
    }
    if (m_logY) {
        // Whole decades within 1e-200..1e200: QLogValueAxis recursed without end on ranges
        // near the limits of a double (its log/pow round trip never settles there).
        yLo = std::pow(10.0, std::clamp(std::floor(std::log10(yLo)), -200.0, 199.0));
        yHi = std::pow(10.0, std::clamp(std::ceil(std::log10(yHi)), std::log10(yLo) + 1, 200.0));
    } else {
        // A margin of 4% each side (halved operands: a range of ±1.797e308 must not overflow),
        // kept inside the finite doubles.
        const double pad = yHi > yLo ? (yHi / 2 - yLo / 2) * 0.08 : (yLo == 0 ? 1 : std::abs(yLo) * 0.05);
        const double most = std::numeric_limits<double>::max();
        yLo = std::max(-most, yLo - pad);
        yHi = std::min(most, yHi + pad);
    }
    for (const DrawnCurve& d : drawn) {
        for (double x : d.raw.nonFiniteX)
            marks << QPointF(x, yLo);
    }
    if (marks != m_nonFinite->points())
        m_nonFinite->replace(marks);
    m_nonFinite->setVisible(!marks.isEmpty()); // no legend entry for what is not there
    m_yLo = yLo;
    m_yHi = yHi;
    applyAxes(yLo, yHi);
    // Lay the chart out now (new tick labels may change the plot area): left to the event
    // loop, the layout comes after a first paint and costs a second one.
    if (chart()->layout())
        chart()->layout()->activate();
    m_layer->setCurves(std::move(drawn));
    m_layer->setFrame(chart()->plotArea(), m_lo, m_hi, m_yLo, m_yHi, m_logY);
    QStringList notes;
    if (decimated && !m_exporting) // a picture for a paper does not report its own resolution
        notes << tr("%L1 points, drawn at pixel resolution").arg(source);
    if (!marks.isEmpty())
        notes << tr("NaN/inf marked ■");
    if (dropped > 0)
        notes << tr("%L1 values ≤ 0 not shown on the log axis").arg(dropped);
    m_note = notes.join(QStringLiteral(" · "));
    updateFootnote();
    Q_EMIT redrawn();
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
        m_xAxis->setTitleText(htmlSafeText(m_xTitle));
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
        m_yAxis->setTitleText(htmlSafeText(m_yTitle));
        QFont titleFont = m_yAxis->titleFont();
        titleFont.setPointSizeF(font().pointSizeF() * 0.9);
        titleFont.setBold(false);
        m_yAxis->setTitleFont(titleFont);
        m_xAxis->setTitleFont(titleFont);
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
    if (m_perRun) {
        // A run's label at its place, cut to the room it has (the legend and readout name it in full).
        for (const QString& label : m_xAxis->categoriesLabels())
            m_xAxis->remove(label);
        const QFontMetrics metrics(m_xAxis->labelsFont());
        const int room = std::max(30, int(chart()->plotArea().width() / std::max<double>(1, m_hi - m_lo)) - 6);
        QSet<QString> used;
        for (std::size_t i = 0; i < m_curves.size(); ++i) {
            if (double(i) < m_lo || double(i) > m_hi)
                continue;
            QString label = htmlSafeText(metrics.elidedText(visibleText(m_curves[i].label), Qt::ElideRight, room));
            while (used.contains(label))
                label += u' '; // category labels must differ
            used.insert(label);
            m_xAxis->append(label, double(i));
        }
        m_xAxis->setRange(m_lo, m_hi);
        m_xAxis->setTitleText(tr("run"));
    } else {
        m_xAxis->setTitleText(htmlSafeText(m_xTitle));
        setTicks(m_xAxis, m_lo, m_hi, std::max(4, int(chart()->plotArea().width() / 110)));
    }
    if (auto* log = qobject_cast<QLogValueAxis*>(m_yAxis))
        log->setRange(std::max(yLo, 1e-300), yHi);
    else
        setTicks(static_cast<QCategoryAxis*>(m_yAxis), yLo, yHi, std::max(6, int(chart()->plotArea().height() / 35)));
}

QString MetricChart::readoutAt(double x) const { return readoutOf(m_curves, m_hidden, x, m_perRun).text(); }

QRectF MetricChart::readoutBox() const { return m_readout ? m_readout->box() : QRectF(); }

bool MetricChart::marksNonFinite() const { return !m_nonFinite->points().isEmpty(); }

void MetricChart::setMissing(const QStringList& labels)
{
    m_missing = labels;
    updateFootnote();
}

void MetricChart::setAxisTitles(const QString& x, const QString& y)
{
    m_xTitle = x;
    m_yTitle = y;
    if (m_xAxis)
        m_xAxis->setTitleText(htmlSafeText(x));
    if (m_yAxis)
        m_yAxis->setTitleText(htmlSafeText(y));
}

QString MetricChart::footnote() const
{
    QStringList lines;
    if (!m_missing.isEmpty()) {
        QStringList names;
        for (const QString& label : m_missing)
            names << visibleText(label);
        lines << tr("not logged by: %1").arg(names.join(QStringLiteral(", ")));
    }
    lines << m_fewerRuns;
    if (!m_note.isEmpty())
        lines << m_note;
    return lines.join(u'\n');
}

void MetricChart::updateFootnote()
{
    const QString text = footnote();
    if (m_footnote->toPlainText() != text)
        m_footnote->setPlainText(text);
    m_footnote->setTextWidth(std::max(50, width() - 12));
    const double height = text.isEmpty() ? 0 : m_footnote->boundingRect().height();
    m_footnote->setPos(6, height > 0 ? this->height() - height - 2 : this->height());
    const QMargins margins(4, 4, 4, 4 + int(std::ceil(height)));
    if (chart()->margins() != margins)
        chart()->setMargins(margins);
}

void MetricChart::showReadout(double viewX)
{
    const QRectF plot = chart()->plotArea();
    const double x = m_lo + (viewX - plot.left()) / plot.width() * (m_hi - m_lo);
    const Readout readout = readoutOf(m_curves, m_hidden, x, m_perRun);
    if (readout.rows.empty()) {
        m_readout->hide();
        return;
    }
    std::vector<QPointF> points;
    for (const Readout::Row& row : readout.rows)
        points.push_back(m_layer->toScene(row.at.x(), row.at.y()));
    m_readout->show(readout, points, viewX, plot, QRectF(rect()), palette());
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
    if (!m_cursor) {
        m_cursor = new QGraphicsLineItem;
        m_cursor->setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
        m_cursor->setZValue(chart()->zValue() + 7);
        scene()->addItem(m_cursor);
        m_readout = new ReadoutBox;
        m_readout->setZValue(chart()->zValue() + 8);
        scene()->addItem(m_readout);
    }
    m_cursor->setLine(event->pos().x(), plot.top(), event->pos().x(), plot.bottom());
    m_cursor->show();
    showReadout(event->pos().x());
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
    updateFootnote();
    if (!m_curves.empty())
        redraw(); // a new width is a new number of pixel columns
}

} // namespace reprise
