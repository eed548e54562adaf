#include "compare/chart_grid.h"

#include <QApplication>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QPainter>
#include <QScrollArea>
#include <QVBoxLayout>

namespace reprise {

ChartGrid::ChartGrid(QWidget* parent)
    : QWidget(parent)
    , m_scroll(new QScrollArea(this))
    , m_grid(new QWidget(this))
    , m_gridLayout(new QGridLayout(m_grid))
{
    m_gridLayout->setContentsMargins(2, 2, 2, 2); // the charts' own frames are margin enough
    m_gridLayout->setSpacing(6);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(m_grid);
    // The charts take the keyboard, not the area scrolling them (a Tab stop that showed nothing and
    // scrolled on arrows); a chart reached with Tab is scrolled into view.
    m_scroll->setFocusPolicy(Qt::NoFocus);
    connect(qApp, &QApplication::focusChanged, this, [this](QWidget*, QWidget* now) {
        if (now && m_grid->isAncestorOf(now))
            m_scroll->ensureWidgetVisible(now, 0, 0);
    });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_scroll);
}

void ChartGrid::setCurves(CurvesPerKey curvesPerKey, const QStringList& keys, bool keepRange)
{
    bool reuse = keepRange && m_charts.size() == keys.size();
    for (qsizetype k = 0; reuse && k < keys.size(); ++k)
        reuse = m_charts[k]->property("metricKey").toString() == keys[k];
    if (!reuse) {
        clear();
        for (qsizetype k = 0; k < keys.size(); ++k) {
            auto* chart = new MetricChart(keys[k], m_grid);
            chart->setProperty("metricKey", keys[k]);
            chart->chart()->legend()->hide(); // the shared legend above names the runs
            chart->setLogY(m_logY);
            chart->setAxisTitles(m_xTitle, keys[k]);
            for (const QString& id : std::as_const(m_hidden))
                chart->setCurveVisible(id, false);
            m_charts << chart;
        }
        // Linked x: zooming or panning one chart moves the others.
        for (MetricChart* source : std::as_const(m_charts)) {
            connect(source, &MetricChart::xRangeChanged, this, [this, source](double lo, double hi) {
                for (MetricChart* other : std::as_const(m_charts)) {
                    if (other != source)
                        other->setXRange(lo, hi);
                }
            });
        }
        layoutCharts();
    }
    // Redrawn once every chart has drawn its first decimated picture.
    auto pending = std::make_shared<int>(int(m_charts.size()));
    const quint64 ticket = ++m_generation;
    for (qsizetype k = 0; k < m_charts.size(); ++k) {
        MetricChart* chart = m_charts[k];
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(chart, &MetricChart::redrawn, this, [this, pending, ticket, connection] {
            disconnect(*connection);
            if (ticket == m_generation && *pending > 0 && --*pending == 0)
                Q_EMIT redrawn();
        });
        chart->setCurves(std::move(curvesPerKey[std::size_t(k)]), reuse);
    }
}

void ChartGrid::setMissing(const std::vector<QStringList>& missing)
{
    for (qsizetype k = 0; k < m_charts.size() && std::size_t(k) < missing.size(); ++k)
        m_charts[k]->setMissing(missing[std::size_t(k)]);
}

void ChartGrid::setXTitle(const QString& title)
{
    m_xTitle = title;
    for (MetricChart* chart : std::as_const(m_charts))
        chart->setAxisTitles(title, chart->property("metricKey").toString());
}

void ChartGrid::clear()
{
    ++m_generation;
    qDeleteAll(m_charts);
    m_charts.clear();
}

void ChartGrid::setLogY(bool log)
{
    m_logY = log;
    for (MetricChart* chart : std::as_const(m_charts))
        chart->setLogY(log);
}

void ChartGrid::setSingleChart(bool single)
{
    m_single = single;
    layoutCharts();
}

void ChartGrid::setRunVisible(const QString& runId, bool visible)
{
    if (visible)
        m_hidden.remove(runId);
    else
        m_hidden.insert(runId);
    for (MetricChart* chart : std::as_const(m_charts))
        chart->setCurveVisible(runId, visible);
}

void ChartGrid::layoutCharts()
{
    const int columns = this->columns();
    for (MetricChart* chart : std::as_const(m_charts))
        m_gridLayout->removeWidget(chart);
    for (int c = 0; c < 2; ++c)
        m_gridLayout->setColumnStretch(c, c < columns ? 1 : 0);
    for (qsizetype k = 0; k < m_charts.size(); ++k) {
        // An odd last chart takes the whole row: not a half-width chart beside a hole.
        const bool lastAlone = columns == 2 && k == m_charts.size() - 1 && m_charts.size() % 2 == 1;
        m_gridLayout->addWidget(m_charts[k], int(k) / columns, int(k) % columns, 1, lastAlone ? 2 : 1);
    }
    sizeRows();
}

void ChartGrid::sizeRows()
{
    if (m_charts.isEmpty())
        return;
    // Rows share the height they are given (no scrolling while each keeps kMinRowHeight); past that
    // they keep kMinRowHeight and the grid scrolls. One chart each ("one chart") fills the view.
    const int columns = this->columns();
    const int rows = int((m_charts.size() + columns - 1) / columns);
    const int spacing = m_gridLayout->verticalSpacing();
    const QMargins margins = m_gridLayout->contentsMargins();
    const int available = m_scroll->viewport()->height() - margins.top() - margins.bottom();
    const int shown = m_single ? 1 : std::max(1, std::min(rows, (available + spacing) / (kMinRowHeight + spacing)));
    const int height = std::max(kMinRowHeight, (available - (shown - 1) * spacing) / shown);
    for (MetricChart* chart : std::as_const(m_charts))
        chart->setFixedHeight(height);
}

void ChartGrid::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    sizeRows();
}

int ChartGrid::columns() const { return m_single || m_charts.size() < 2 ? 1 : 2; }

ChartPicture ChartGrid::paint(const ChartExportOptions& options, const QString& title) const
{
    return paintCharts(m_charts, columns(), options, title);
}

std::vector<CsvCurves> ChartGrid::visibleData() const
{
    std::vector<CsvCurves> out;
    for (MetricChart* chart : std::as_const(m_charts)) {
        std::vector<ChartCurve> visible;
        for (const ChartCurve& c : chart->curves()) {
            if (!m_hidden.contains(c.runId))
                visible.push_back(c);
        }
        out.push_back({ chart->property("metricKey").toString(), chart->visibleLow(), chart->visibleHigh(),
            metricCurves(visible) });
    }
    return out;
}

} // namespace reprise
