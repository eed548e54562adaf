#include "compare/scatter_plot.h"

#include "analysis/axis_ticks.h"
#include "charts/run_palette.h"
#include "text/display_text.h"

#include <QPainter>
#include <cmath>

namespace reprise {

namespace {

    /// Points keep a margin from the frame: a fraction in [0, 1] lands in [0.04, 0.96].
    double toPlot(double fraction) { return 0.04 + 0.92 * fraction; }
    double fromPlot(double position) { return (position - 0.04) / 0.92; }

} // namespace

ScatterPlot::ScatterPlot(QWidget* parent)
    : BrushablePlot(parent)
{
    setMouseTracking(true);
    setAccessibleName(tr("Scatter plot of runs"));
    setToolTip(tr("Drag a rectangle to select the runs inside it"));
}

void ScatterPlot::setTable(PlotTable table)
{
    m_table = std::move(table);
    update();
}

void ScatterPlot::setFields(const QString& x, const QString& y, const QString& colour)
{
    m_x = x;
    m_y = y;
    m_colour = colour;
    update();
}

void ScatterPlot::setLog(bool logX, bool logY)
{
    m_logX = logX;
    m_logY = logY;
    update();
}

QRectF ScatterPlot::plotRect() const { return QRectF(rect()).adjusted(70, 16, -20, -44); }

std::optional<QPointF> ScatterPlot::position(std::size_t row) const
{
    const PlotField* x = m_table.field(m_x);
    const PlotField* y = m_table.field(m_y);
    if (!x || !y)
        return std::nullopt;
    const double fx = x->fraction(x->values[row], m_logX), fy = y->fraction(y->values[row], m_logY);
    // Non-positive values have no place on a log axis: left out, like missing ones.
    if (!std::isfinite(fx) || !std::isfinite(fy) || (m_logX && x->values[row] <= 0) || (m_logY && y->values[row] <= 0))
        return std::nullopt;
    const QRectF r = plotRect();
    return QPointF(r.left() + toPlot(fx) * r.width(), r.bottom() - toPlot(fy) * r.height());
}

int ScatterPlot::pointCount() const
{
    int n = 0;
    for (std::size_t row = 0; row < m_table.runIds.size(); ++row)
        n += position(row) ? 1 : 0;
    return n;
}

QStringList ScatterPlot::runsIn(double x0, double x1, double y0, double y1) const
{
    const PlotField* x = m_table.field(m_x);
    const PlotField* y = m_table.field(m_y);
    QStringList ids;
    if (!x || !y)
        return ids;
    for (std::size_t row = 0; row < m_table.runIds.size(); ++row) {
        const double vx = x->values[row], vy = y->values[row];
        if (vx >= std::min(x0, x1) && vx <= std::max(x0, x1) && vy >= std::min(y0, y1) && vy <= std::max(y0, y1))
            ids << m_table.runIds[row];
    }
    return ids;
}

void ScatterPlot::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    p.setRenderHint(QPainter::Antialiasing);
    const PlotField* x = m_table.field(m_x);
    const PlotField* y = m_table.field(m_y);
    if (!x || !y || m_table.runIds.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("Choose a field for x and a metric for y."));
        return;
    }
    const QRectF r = plotRect();
    const QColor text = palette().color(QPalette::WindowText);
    p.setPen(QPen(text, 1));
    p.drawRect(r);
    QFontMetrics fm(font());
    // Ticks: one per category, else nice 1-2-5 values (powers of ten on a log axis).
    auto ticks = [&](const PlotField* f, bool log) {
        std::vector<std::pair<double, QString>> out;
        if (f->categorical()) {
            for (qsizetype k = 0; k < f->categories.size(); ++k)
                out.emplace_back(f->fraction(double(k), false), visibleText(f->categories[k]));
            return out;
        }
        const double lo = f->min, hi = f->max > f->min ? f->max : f->min + 1;
        const std::vector<double> values = log && lo > 0 ? logTicks(lo, hi) : niceTicks(lo, hi, 5);
        const double step = values.size() > 1 ? values[1] - values[0] : 0;
        for (double v : values) {
            const double fraction = f->max > f->min ? f->fraction(v, log) : 0.5;
            if (fraction >= -0.04 && fraction <= 1.04)
                out.emplace_back(fraction, compactNumber(v, log ? v : step));
        }
        return out;
    };
    for (const auto& [fx, label] : ticks(x, m_logX)) {
        const double px = r.left() + toPlot(fx) * r.width();
        p.drawLine(QPointF(px, r.bottom()), QPointF(px, r.bottom() + 4));
        p.drawText(
            QRectF(px - 50, r.bottom() + 5, 100, 16), Qt::AlignCenter, fm.elidedText(label, Qt::ElideRight, 100));
    }
    for (const auto& [fy, label] : ticks(y, m_logY)) {
        const double py = r.bottom() - toPlot(fy) * r.height();
        p.drawLine(QPointF(r.left() - 4, py), QPointF(r.left(), py));
        p.drawText(QRectF(0, py - 8, r.left() - 6, 16), Qt::AlignRight | Qt::AlignVCenter,
            fm.elidedText(label, Qt::ElideLeft, int(r.left()) - 6));
    }
    p.drawText(QRectF(r.left(), height() - 20, r.width(), 18), Qt::AlignCenter,
        visibleText(m_x) + (m_logX ? QStringLiteral(" (log)") : QString()));
    p.save();
    p.translate(12, r.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-r.height() / 2, -8, r.height(), 16), Qt::AlignCenter,
        visibleText(m_y) + (m_logY ? QStringLiteral(" (log)") : QString()));
    p.restore();
    const PlotField* colour = m_table.field(m_colour);
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t row = 0; row < m_table.runIds.size(); ++row) {
            const bool highlighted = m_highlighted.contains(m_table.runIds[row]);
            if (highlighted != (pass == 1))
                continue;
            const auto pt = position(row);
            if (!pt)
                continue;
            // A selected run in its own colour, the one it has in the charts and their legend.
            const QColor c = highlighted ? runColour(m_table.runIds[row])
                : colour                 ? rampColour(colour->fraction(colour->values[row], colour->logSuggested))
                                         : QColor(0x30, 0x70, 0xc0);
            p.setPen(highlighted ? QPen(text, 2) : QPen(c.darker(130), 1));
            p.setBrush(c);
            p.drawEllipse(*pt, highlighted ? 5.5 : 4, highlighted ? 5.5 : 4);
        }
    }
    if (const auto from = brushFrom()) {
        p.setPen(QPen(QColor(0x30, 0x80, 0xd0), 1));
        p.setBrush(QColor(0x30, 0x80, 0xd0, 50));
        p.drawRect(QRectF(*from, brushTo()).normalized());
    }
    if (!hovered().isEmpty()) {
        p.setPen(text);
        p.drawText(QRectF(r.left() + 6, r.top() + 4, r.width() - 12, 18), Qt::AlignRight, hovered());
    }
}

bool ScatterPlot::brushStarts(QPointF) { return true; }

QString ScatterPlot::hoverText(QPointF at) const
{
    // Hover: the nearest point within 10 px names its run and values.
    QString hover;
    double best = 100;
    const PlotField* x = m_table.field(m_x);
    const PlotField* y = m_table.field(m_y);
    for (std::size_t row = 0; row < m_table.runIds.size(); ++row) {
        const auto pt = position(row);
        if (!pt)
            continue;
        const QPointF d = *pt - at;
        const double dist = QPointF::dotProduct(d, d);
        if (dist < best) {
            best = dist;
            hover = visibleText(QStringLiteral("%1: %2 = %3, %4 = %5")
                                    .arg(m_table.labels.value(qsizetype(row)), m_x, x->text(row), m_y, y->text(row)));
        }
    }
    return hover;
}

std::optional<QStringList> ScatterPlot::brushEnded(QPointF from, QPointF to)
{
    const PlotField* x = m_table.field(m_x);
    const PlotField* y = m_table.field(m_y);
    if (!x || !y)
        return std::nullopt;
    const QRectF r = plotRect();
    const QRectF band = QRectF(from, to).normalized();
    QStringList ids;
    if (band.width() < 3 && band.height() < 3) {
        // A click: the nearest point within 8 px.
        double best = 64;
        for (std::size_t row = 0; row < m_table.runIds.size(); ++row) {
            const auto pt = position(row);
            if (!pt)
                continue;
            const QPointF d = *pt - band.center();
            if (QPointF::dotProduct(d, d) < best) {
                best = QPointF::dotProduct(d, d);
                ids = QStringList { m_table.runIds[row] };
            }
        }
    } else {
        auto xAt = [&](double px) { return x->valueAt(fromPlot((px - r.left()) / r.width()), m_logX); };
        auto yAt = [&](double py) { return y->valueAt(fromPlot((r.bottom() - py) / r.height()), m_logY); };
        ids = runsIn(xAt(band.left()), xAt(band.right()), yAt(band.bottom()), yAt(band.top()));
    }
    if (ids.isEmpty())
        return std::nullopt;
    return ids;
}

} // namespace reprise
