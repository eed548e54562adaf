#include "compare/parallel_coordinates.h"

#include "analysis/axis_ticks.h"
#include "charts/run_palette.h"
#include "text/display_text.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <cmath>

namespace reprise {

ParallelCoordinates::ParallelCoordinates(QWidget* parent)
    : BrushablePlot(parent)
{
    setMouseTracking(false);
    setAccessibleName(tr("Parallel coordinates of params and a metric"));
    setToolTip(tr("Drag along an axis to brush a range; double-click the axis to clear it"));
}

void ParallelCoordinates::setTable(PlotTable table)
{
    m_table = std::move(table);
    // Brushes on fields that are gone would hide every run.
    for (auto it = m_brushes.begin(); it != m_brushes.end();)
        it = m_table.field(it->first) ? std::next(it) : m_brushes.erase(it);
    if (!m_table.field(m_colourMetric)) {
        m_colourMetric.clear();
        for (const PlotField& f : m_table.fields) {
            if (f.kind == PlotField::Kind::Metric) {
                m_colourMetric = f.name;
                break;
            }
        }
    }
    update();
}

void ParallelCoordinates::setColourMetric(const QString& metric)
{
    m_colourMetric = metric;
    update();
}

void ParallelCoordinates::setBrush(const QString& name, double lo, double hi)
{
    if (lo > hi)
        m_brushes.erase(name);
    else
        m_brushes[name] = { lo, hi };
    update();
}

void ParallelCoordinates::clearBrushes()
{
    m_brushes.clear();
    update();
}

std::vector<const PlotField*> ParallelCoordinates::axes() const
{
    std::vector<const PlotField*> out;
    for (const PlotField& f : m_table.fields) {
        if (f.kind == PlotField::Kind::Param)
            out.push_back(&f);
    }
    if (const PlotField* metric = m_table.field(m_colourMetric))
        out.push_back(metric);
    return out;
}

QStringList ParallelCoordinates::axisNames() const
{
    QStringList names;
    for (const PlotField* f : axes())
        names << f->name;
    return names;
}

QRectF ParallelCoordinates::plotRect() const { return QRectF(rect()).adjusted(60, 34, -60, -26); }

double ParallelCoordinates::axisX(std::size_t i, std::size_t count) const
{
    const QRectF r = plotRect();
    return count < 2 ? r.center().x() : r.left() + r.width() * double(i) / double(count - 1);
}

int ParallelCoordinates::axisAt(double x) const
{
    const std::size_t count = axes().size();
    for (std::size_t i = 0; i < count; ++i) {
        if (std::abs(axisX(i, count) - x) < 14)
            return int(i);
    }
    return -1;
}

bool ParallelCoordinates::passes(std::size_t row) const
{
    for (const auto& [name, range] : m_brushes) {
        const PlotField* f = m_table.field(name);
        const double v = f ? f->values[row] : 0;
        if (!f || !std::isfinite(v) || v < range.first || v > range.second)
            return false;
    }
    return true;
}

QStringList ParallelCoordinates::brushedRunIds() const
{
    QStringList ids;
    for (std::size_t row = 0; row < m_table.runIds.size(); ++row) {
        if (passes(row))
            ids << m_table.runIds[row];
    }
    return ids;
}

void ParallelCoordinates::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    p.setRenderHint(QPainter::Antialiasing);
    const auto fields = axes();
    if (fields.size() < 2 || m_table.runIds.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
            tr("Parallel coordinates need runs whose params differ and a metric they logged."));
        return;
    }
    const QRectF r = plotRect();
    const PlotField* colour = m_table.field(m_colourMetric);
    auto yOf = [&](const PlotField* f, double v) { return r.bottom() - f->fraction(v, f->logSuggested) * r.height(); };
    // Lines: filtered-out runs faint grey first, then the brushed ones in the metric's colour,
    // then the highlighted (selected) ones on top, thicker.
    for (int pass = 0; pass < 3; ++pass) {
        for (std::size_t row = 0; row < m_table.runIds.size(); ++row) {
            const bool in = passes(row);
            const bool highlighted = m_highlighted.contains(m_table.runIds[row]);
            if ((pass == 0) != !in || (pass == 2) != (in && highlighted))
                continue;
            // A selected run in its own colour, the one it has in the charts and their legend.
            QColor c = pass == 2 ? runColour(m_table.runIds[row])
                : in && colour   ? rampColour(colour->fraction(colour->values[row], colour->logSuggested))
                                 : QColor(0xcc, 0xcc, 0xcc);
            c.setAlpha(pass == 0 ? 60 : pass == 1 ? 110 : 255); // the selected runs stand out
            p.setPen(QPen(c, pass == 2 ? 2.5 : 1));
            QPainterPath path;
            bool open = false;
            for (std::size_t i = 0; i < fields.size(); ++i) {
                const double v = fields[i]->values[row];
                if (!std::isfinite(v)) {
                    open = false; // a run without this field: the line breaks here
                    continue;
                }
                const QPointF pt(axisX(i, fields.size()), yOf(fields[i], v));
                if (open)
                    path.lineTo(pt);
                else
                    path.moveTo(pt);
                open = true;
            }
            if (pass == 2) {
                // A halo in the background's colour sets a selected run apart from the ramp's lines.
                const QPen line = p.pen();
                p.setPen(QPen(palette().color(QPalette::Base), 6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
                p.drawPath(path);
                p.setPen(line);
            }
            p.drawPath(path);
        }
    }
    // Axes with their names, ends and brushes.
    const QColor text = palette().color(QPalette::WindowText);
    QFontMetrics fm(font());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const PlotField* f = fields[i];
        const double x = axisX(i, fields.size());
        p.setPen(QPen(text, 1));
        p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
        QFont bold = font();
        bold.setBold(f->kind == PlotField::Kind::Metric);
        p.setFont(bold);
        const QString title = visibleText(f->name) + (f->logSuggested ? QStringLiteral(" (log)") : QString());
        p.drawText(QRectF(x - 70, 4, 140, 18), Qt::AlignCenter, fm.elidedText(title, Qt::ElideMiddle, 140));
        p.setFont(font());
        auto label = [&](double value, double y) {
            const QString s = f->categorical() ? visibleText(f->categories.value(qsizetype(std::lround(value))))
                                               : compactNumber(value, std::abs(value) / 1e3);
            p.drawText(
                QRectF(x + 4, y - 8, 70, 16), Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(s, Qt::ElideRight, 70));
        };
        if (f->categorical()) {
            for (qsizetype c = 0; c < f->categories.size(); ++c)
                label(double(c), yOf(f, double(c)));
        } else {
            label(f->max, r.top());
            label(f->min, r.bottom());
        }
        if (auto it = m_brushes.find(f->name); it != m_brushes.end()) {
            const double top = yOf(f, std::min(it->second.second, f->categorical() ? 1e9 : f->max));
            const double bottom = yOf(f, std::max(it->second.first, f->categorical() ? -1e9 : f->min));
            QRectF band(x - 7, std::max(r.top(), std::min(top, bottom)), 14, std::abs(bottom - top));
            p.fillRect(band.intersected(r), QColor(0x30, 0x80, 0xd0, 90));
            p.setPen(QPen(QColor(0x30, 0x80, 0xd0), 1));
            p.drawRect(band.intersected(r));
        }
    }
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(QRectF(0, height() - 20, width(), 18), Qt::AlignCenter,
        tr("%1 of %2 runs in the brushes · colour: %3")
            .arg(brushedRunIds().size())
            .arg(m_table.runIds.size())
            .arg(visibleText(m_colourMetric)));
}

bool ParallelCoordinates::brushStarts(QPointF at)
{
    m_dragAxis = axisAt(at.x());
    return m_dragAxis >= 0;
}

void ParallelCoordinates::brushMoved(QPointF from, QPointF to)
{
    const auto fields = axes();
    if (m_dragAxis < 0 || m_dragAxis >= int(fields.size()))
        return;
    const PlotField* f = fields[std::size_t(m_dragAxis)];
    const QRectF r = plotRect();
    auto valueAtY
        = [&](double y) { return f->valueAt(std::clamp((r.bottom() - y) / r.height(), 0.0, 1.0), f->logSuggested); };
    const double a = valueAtY(from.y()), b = valueAtY(to.y());
    setBrush(f->name, std::min(a, b), std::max(a, b));
}

std::optional<QStringList> ParallelCoordinates::brushEnded(QPointF from, QPointF to)
{
    if (std::abs(to.y() - from.y()) < 3) {
        // A click, not a drag: clears that axis's brush.
        const auto fields = axes();
        if (m_dragAxis >= 0 && m_dragAxis < int(fields.size()))
            m_brushes.erase(fields[std::size_t(m_dragAxis)]->name);
    }
    m_dragAxis = -1;
    return brushedRunIds();
}

void ParallelCoordinates::mouseDoubleClickEvent(QMouseEvent* event)
{
    const int axis = axisAt(event->position().x());
    const auto fields = axes();
    if (axis >= 0 && axis < int(fields.size())) {
        m_brushes.erase(fields[std::size_t(axis)]->name);
        update();
        Q_EMIT runsBrushed(brushedRunIds());
    }
}

} // namespace reprise
