#include "charts/chart_readout.h"

#include "analysis/axis_ticks.h"
#include "charts/metric_chart.h"
#include "text/display_text.h"

#include <QDateTime>
#include <QFontMetricsF>
#include <QPainter>
#include <QPalette>
#include <algorithm>
#include <cmath>

namespace reprise {

namespace {

    constexpr int kMaxRows = 20; ///< more runs than that: the best ones and "… n more"
    constexpr double kPad = 6, kGap = 12;

    QString number(double v) { return std::isfinite(v) ? QString::number(v, 'g', 6) : QString::number(v); }

    QString wallText(double seconds)
    {
        return QDateTime::fromMSecsSinceEpoch(qint64(std::llround(seconds * 1000)))
            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }

    /// The index of xs' element nearest to x (xs sorted, not empty).
    std::size_t nearest(const std::vector<double>& xs, double x)
    {
        auto it = std::lower_bound(xs.begin(), xs.end(), x);
        std::size_t k = std::size_t(it - xs.begin());
        if (k == xs.size() || (k > 0 && std::abs(xs[k - 1] - x) <= std::abs(xs[k] - x)))
            k = k == 0 ? 0 : k - 1;
        return k;
    }

    QStringList headers()
    {
        return { QObject::tr("Run"), QObject::tr("Smoothed"), QObject::tr("Value"), QObject::tr("Step"),
            QObject::tr("Time") };
    }

} // namespace

QString Readout::text() const
{
    QStringList lines { headers().join(u'\t') };
    for (const Row& r : rows) {
        lines << QStringList { r.label + (r.runs > 0 ? QObject::tr(" (n=%1)").arg(r.runs) : QString()),
            r.hasSmoothed ? number(r.smoothed) : QStringLiteral("—"), number(r.value), number(r.step),
            r.hasWallTime ? wallText(r.wallTime) : QStringLiteral("—") }
                     .join(u'\t');
    }
    return lines.join(u'\n');
}

Readout readoutOf(const std::vector<ChartCurve>& curves, const QSet<QString>& hidden, double x, bool perRun)
{
    Readout out;
    for (std::size_t i = 0; i < curves.size(); ++i) {
        const ChartCurve& c = curves[i];
        if (!c.x || c.x->empty() || hidden.contains(c.runId))
            continue;
        // One point per run: the run under the cursor alone.
        if (perRun && std::abs(c.x->front() - x) > 0.5)
            continue;
        const std::size_t k = nearest(*c.x, x);
        Readout::Row row;
        row.label = visibleText(c.label);
        row.colour = c.colour;
        row.value = (*c.y)[k];
        row.hasSmoothed = c.isSmoothed();
        row.smoothed = row.hasSmoothed ? c.smoothedAt(k) : row.value;
        row.step = c.steps ? (*c.steps)[k] : (*c.x)[k];
        row.hasWallTime = c.wall && k < c.wall->size();
        row.wallTime = row.hasWallTime ? (*c.wall)[k] : 0;
        row.runs = c.runs && k < c.runs->size() ? (*c.runs)[k] : 0;
        row.at = QPointF((*c.x)[k], row.hasSmoothed ? row.smoothed : row.value);
        out.rows.push_back(std::move(row));
    }
    // Highest first (what is shown: the smoothed value when there is one); NaN last.
    std::stable_sort(out.rows.begin(), out.rows.end(), [](const Readout::Row& a, const Readout::Row& b) {
        const double va = a.hasSmoothed ? a.smoothed : a.value, vb = b.hasSmoothed ? b.smoothed : b.value;
        if (std::isnan(va) || std::isnan(vb))
            return !std::isnan(va) && std::isnan(vb);
        return va > vb;
    });
    return out;
}

QStringList ReadoutBox::cells(const Readout::Row& r) const
{
    return { r.label + (r.runs > 0 ? QObject::tr(" (n=%1)").arg(r.runs) : QString()),
        r.hasSmoothed ? compactNumber(r.smoothed, std::abs(r.smoothed) / 1e5) : QStringLiteral("—"),
        compactNumber(r.value, std::abs(r.value) / 1e5), compactNumber(r.step, 1),
        r.hasWallTime ? wallText(r.wallTime) : QStringLiteral("—") };
}

void ReadoutBox::show(const Readout& readout, const std::vector<QPointF>& points, double cursorX, const QRectF& plot,
    const QRectF& view, const QPalette& palette)
{
    prepareGeometryChange();
    m_readout = readout;
    if (m_readout.rows.size() > std::size_t(kMaxRows))
        m_readout.rows.resize(std::size_t(kMaxRows));
    m_points = points;
    m_text = palette.color(QPalette::ToolTipText);
    m_base = palette.color(QPalette::ToolTipBase);
    m_base.setAlpha(235);
    m_frame = palette.color(QPalette::Mid);
    QFont bold = m_font;
    bold.setBold(true);
    const QFontMetricsF metrics(m_font), boldMetrics(bold);
    m_lineHeight = metrics.height() + 2;
    m_columns.assign(5, 0);
    const QStringList head = headers();
    for (int c = 0; c < 5; ++c)
        m_columns[std::size_t(c)] = boldMetrics.horizontalAdvance(head[c]) + 1;
    for (const Readout::Row& row : m_readout.rows) {
        const QStringList cell = cells(row);
        for (int c = 0; c < 5; ++c)
            m_columns[std::size_t(c)] = std::max(m_columns[std::size_t(c)], metrics.horizontalAdvance(cell[c]));
    }
    m_columns[0] = std::min(m_columns[0] + 14, 280.0); // the swatch, and long names elided
    double width = 2 * kPad + kGap * 4;
    for (double w : m_columns)
        width += w;
    const double height = 2 * kPad + m_lineHeight * double(m_readout.rows.size() + 1);
    // Beside the cursor line, never across it: right of it when there is room, else left.
    const double left = cursorX + kGap + width <= view.right() ? cursorX + kGap : cursorX - kGap - width;
    const double top = std::max(view.top(), std::min(plot.top() + 4, view.bottom() - height));
    m_box = QRectF(std::max(view.left(), left), top, width, height);
    if (m_box.left() <= cursorX && m_box.right() >= cursorX)
        m_box.moveRight(cursorX - kGap); // no room either side: the line stays visible on the right
    m_bounds = m_box.united(plot).adjusted(-6, -6, 6, 6);
    QGraphicsItem::show();
    update();
}

void ReadoutBox::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    for (std::size_t i = 0; i < m_points.size() && i < m_readout.rows.size(); ++i) {
        painter->setPen(QPen(m_base, 1.5));
        painter->setBrush(m_readout.rows[i].colour);
        painter->drawEllipse(m_points[i], 4, 4);
    }
    painter->setPen(QPen(m_frame, 1));
    painter->setBrush(m_base);
    painter->drawRoundedRect(m_box, 4, 4);
    painter->setFont(m_font);
    const QFontMetricsF metrics(m_font);
    auto drawRow = [&](const QStringList& cell, double y, const QColor* swatch) {
        double x = m_box.left() + kPad;
        for (int c = 0; c < 5; ++c) {
            const double w = m_columns[std::size_t(c)];
            QRectF r(x, y, w, m_lineHeight);
            if (c == 0 && swatch) {
                painter->fillRect(QRectF(x, y + m_lineHeight / 2 - 4, 8, 8), *swatch);
                r.setLeft(x + 14);
            }
            const QString text = c == 0 ? metrics.elidedText(cell[c], Qt::ElideMiddle, r.width()) : cell[c];
            painter->drawText(r, (c == 0 ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter, text);
            x += w + kGap;
        }
    };
    painter->setPen(m_text);
    QFont bold = painter->font();
    bold.setBold(true);
    painter->save();
    painter->setFont(bold);
    drawRow(headers(), m_box.top() + kPad, nullptr);
    painter->restore();
    for (std::size_t i = 0; i < m_readout.rows.size(); ++i) {
        const Readout::Row& row = m_readout.rows[i];
        drawRow(cells(row), m_box.top() + kPad + m_lineHeight * double(i + 1), &row.colour);
    }
    painter->restore();
}

} // namespace reprise
