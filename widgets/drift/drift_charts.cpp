#include "drift/drift_charts.h"

#include "analysis/drift_stats.h"
#include "drift/drift_headers.h"
#include "text/display_text.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QMouseEvent>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace reprise {

DriftTrendChart::DriftTrendChart(QWidget* parent)
    : QChartView(parent)
{
    setRenderHint(QPainter::Antialiasing);
    setMouseTracking(true);
    viewport()->setMouseTracking(true);
}

void DriftTrendChart::clearTrend()
{
    m_points.clear();
    chart()->removeAllSeries();
    for (QAbstractAxis* axis : chart()->axes())
        chart()->removeAxis(axis);
    chart()->setTitle({});
}

void DriftTrendChart::setTrend(const QString& featureHtml, std::vector<DriftTrendPoint> points, double threshold,
    bool pValues, double from, double to)
{
    clearTrend();
    points.erase(
        std::remove_if(points.begin(), points.end(), [](const DriftTrendPoint& p) { return !std::isfinite(p.value); }),
        points.end());
    std::stable_sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    m_points = std::move(points);
    auto* line = new QLineSeries;
    line->setName(tr("statistic"));
    auto* marks = new QScatterSeries;
    marks->setName(tr("drifted"));
    marks->setMarkerSize(9);
    marks->setColor(QColor(0xe5, 0x39, 0x35));
    marks->setBorderColor(QColor(0xe5, 0x39, 0x35));
    auto* reruns = new QScatterSeries;
    reruns->setName(tr("rerun"));
    reruns->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    reruns->setMarkerSize(9);
    reruns->setColor(Qt::white);
    reruns->setBorderColor(QColor(0x6a, 0x1b, 0x9a));
    double maxValue = threshold;
    for (const DriftTrendPoint& p : std::as_const(m_points)) {
        const QPointF at(p.time * 1000, p.value);
        maxValue = std::max(maxValue, p.value);
        if (p.rerun) {
            reruns->append(at);
            continue;
        }
        line->append(at);
        if (p.drifted)
            marks->append(at);
    }
    if (from >= to && !m_points.empty()) {
        from = m_points.front().time;
        to = m_points.back().time;
    }
    // A little room either side so the first and last marks are not cut by the plot's edge.
    const double pad = std::max((to - from) * 0.03, 43200.0);
    from -= pad;
    to += pad;
    auto* limit = new QLineSeries;
    limit->setName(tr("threshold"));
    limit->append(from * 1000, threshold);
    limit->append(to * 1000, threshold);
    QPen dashed(QColor(0x80, 0x80, 0x80));
    dashed.setStyle(Qt::DashLine);
    limit->setPen(dashed);
    QChart* c = chart();
    c->addSeries(line);
    c->addSeries(limit);
    c->addSeries(marks);
    if (reruns->count() > 0)
        c->addSeries(reruns);
    else
        delete reruns;
    auto* x = new QDateTimeAxis;
    x->setRange(QDateTime::fromMSecsSinceEpoch(qint64(from * 1000)), QDateTime::fromMSecsSinceEpoch(qint64(to * 1000)));
    x->setFormat(to - from > 3 * 86400.0 ? QStringLiteral("yyyy-MM-dd") : QStringLiteral("MM-dd HH:mm"));
    x->setTitleText(tr("run start"));
    auto* y = new QValueAxis;
    y->setRange(0, maxValue * 1.15 + 1e-9);
    y->setTitleText(pValues ? tr("−log10 p-value") : tr("distance"));
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries* s : c->series()) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    c->setTitle(tr("%1 over time").arg(featureHtml));
    updateTicks();
}

void DriftTrendChart::updateTicks()
{
    auto* x = qobject_cast<QDateTimeAxis*>(chart()->axes(Qt::Horizontal).value(0));
    if (!x)
        return;
    // As many dates as fit side by side with a gap, at least two.
    const int label = fontMetrics().horizontalAdvance(QStringLiteral("2026-10-17")) * 5 / 4;
    const int width = int(chart()->plotArea().width() > 0 ? chart()->plotArea().width() : viewport()->width() * 0.8);
    x->setTickCount(std::clamp(width / std::max(1, label), 2, 12));
}

void DriftTrendChart::resizeEvent(QResizeEvent* event)
{
    QChartView::resizeEvent(event);
    updateTicks();
}

QString DriftTrendChart::textAt(const QPoint& pos) const
{
    const QList<QAbstractSeries*> series = chart()->series();
    if (m_points.empty() || series.isEmpty())
        return {};
    const DriftTrendPoint* nearest = nullptr;
    double best = 12 * 12; // within 12 pixels
    for (const DriftTrendPoint& p : m_points) {
        const QPointF scene = chart()->mapToPosition(QPointF(p.time * 1000, p.value), series.first());
        const QPointF d = QPointF(mapFromScene(scene)) - QPointF(pos);
        const double distance = d.x() * d.x() + d.y() * d.y();
        if (distance <= best) {
            best = distance;
            nearest = &p;
        }
    }
    if (!nearest)
        return {};
    const QString when = QDateTime::fromMSecsSinceEpoch(qint64(nearest->time * 1000)).toString(u"yyyy-MM-dd HH:mm");
    return nearest->run + (nearest->rerun ? tr(" (rerun)") : QString()) + u'\n' + when + u'\n' + nearest->reading;
}

void DriftTrendChart::mouseMoveEvent(QMouseEvent* event)
{
    QChartView::mouseMoveEvent(event);
    const QString text = textAt(event->position().toPoint());
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), plainToolTip(text), viewport());
}

void DriftDistributionChart::clearDistributions()
{
    chart()->removeAllSeries();
    for (QAbstractAxis* axis : chart()->axes())
        chart()->removeAxis(axis);
    chart()->setTitle({});
}

void DriftDistributionChart::showDistributions(
    const QString& featureHtml, const FeatureSample& a, const FeatureSample& b, bool ecdf)
{
    clearDistributions();
    if (ecdf && a.numeric && b.numeric) {
        // Empirical cumulative distributions as step lines on a shared value axis.
        QChart* chart = this->chart();
        double lo = std::min(a.numbers.front(), b.numbers.front()), hi = std::max(a.numbers.back(), b.numbers.back());
        for (const auto& [sample, label, colour] :
            { std::tuple { &a.numbers, tr("reference"), QColor(0x42, 0x85, 0xf4) },
                std::tuple { &b.numbers, tr("compared"), QColor(0xe5, 0x39, 0x35) } }) {
            auto* line = new QLineSeries;
            line->setName(label);
            line->setColor(colour);
            const auto& xs = *sample;
            // At most ~400 steps: the curve is drawn at screen resolution, every jump kept in order.
            const size_t step = std::max<size_t>(1, xs.size() / 400);
            line->append(lo, 0);
            for (size_t i = 0; i < xs.size(); i += step) {
                const double y = double(i) / double(xs.size());
                line->append(xs[i], y);
                line->append(xs[i], double(std::min(i + step, xs.size())) / double(xs.size()));
            }
            line->append(hi, 1);
            chart->addSeries(line);
        }
        auto* x = new QValueAxis;
        x->setRange(lo, hi > lo ? hi : lo + 1);
        auto* y = new QValueAxis;
        y->setRange(0, 1);
        y->setTitleText(tr("share of rows ≤ x"));
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        for (QAbstractSeries* s : chart->series()) {
            s->attachAxis(x);
            s->attachAxis(y);
        }
        chart->setTitle(featureHtml + tr(" (ECDF)")); // QtCharts renders titles as HTML
        return;
    }
    QStringList labels;
    std::vector<double> pa, pb;
    if (a.numeric && b.numeric) {
        std::vector<double> edges;
        binnedShares(a.numbers, b.numbers, pa, pb, &edges);
        for (size_t k = 0; k + 1 < edges.size(); ++k)
            labels << driftNumber(edges[k]);
    } else {
        QMap<QString, double> ca = a.categoryCounts, cb = b.categoryCounts;
        QStringList keys = ca.keys() + cb.keys();
        keys.removeDuplicates();
        keys.sort();
        double ta = 0, tb = 0;
        for (double v : ca)
            ta += v;
        for (double v : cb)
            tb += v;
        for (const QString& k : keys.mid(0, 30)) {
            labels << htmlSafeText(k); // category axis labels are HTML too
            pa.push_back(ca.value(k) / std::max(ta, 1.0));
            pb.push_back(cb.value(k) / std::max(tb, 1.0));
        }
    }
    auto* setA = new QBarSet(tr("reference"));
    auto* setB = new QBarSet(tr("compared"));
    setA->setColor(QColor(0x42, 0x85, 0xf4));
    setB->setColor(QColor(0xe5, 0x39, 0x35));
    for (double v : pa)
        *setA << v * 100;
    for (double v : pb)
        *setB << v * 100;
    auto* series = new QBarSeries;
    series->append(setA);
    series->append(setB);
    QChart* chart = this->chart();
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(labels);
    x->setLabelsAngle(labels.size() > 8 ? -60 : 0);
    auto* y = new QValueAxis;
    y->setTitleText(tr("% of rows"));
    y->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    chart->setTitle(featureHtml);
}

} // namespace reprise
