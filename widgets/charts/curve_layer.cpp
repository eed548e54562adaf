#include "charts/curve_layer.h"

#include "compute_pool.h"

#include <QPaintEngine>
#include <QPainter>
#include <QVarLengthArray>
#include <QtConcurrent>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace reprise {

namespace {

    /// Whether a non-finite point lies before x (since the last call): the line breaks there.
    /// `gap` walks the series' sorted non-finite positions.
    bool passesGap(const DecimatedSeries& series, std::size_t& gap, double x)
    {
        bool broken = false;
        while (gap < series.nonFiniteX.size() && series.nonFiniteX[gap] < x) {
            broken = true;
            ++gap;
        }
        return broken;
    }

} // namespace

void CurveLayer::setFrame(const QRectF& plot, double xLo, double xHi, double yLo, double yHi, bool logY)
{
    if (plot != m_plot)
        prepareGeometryChange();
    m_plot = plot;
    m_xLo = xLo;
    m_xHi = xHi > xLo ? xHi : xLo + 1;
    m_logY = logY;
    m_yLo = logY ? std::log10(std::max(yLo, 1e-300)) : yLo;
    m_yHi = logY ? std::log10(std::max(yHi, 1e-300)) : yHi;
    if (!(m_yHi > m_yLo))
        m_yHi = m_yLo + 1;
    update();
}

void CurveLayer::setCurves(std::vector<DrawnCurve> curves)
{
    m_curves = std::move(curves);
    update();
}

std::vector<int> CurveLayer::pointCounts() const
{
    std::vector<int> counts;
    for (const DrawnCurve& c : m_curves)
        counts.push_back(int(c.raw.x.size() + c.smooth.x.size() + c.bandLow.x.size() + c.bandHigh.x.size()));
    return counts;
}

QPointF CurveLayer::map(double x, double y) const
{
    // Halved operands keep ranges like ±1.7e308 (MLflow's infinities) from overflowing to inf.
    auto fraction = [](double v, double lo, double hi) {
        const double f = (v - lo) / (hi - lo);
        if (std::isfinite(f))
            return f;
        const double halved = (v / 2 - lo / 2) / (hi / 2 - lo / 2);
        return std::isfinite(halved) ? halved : 0.0;
    };
    const double fy = fraction(m_logY ? std::log10(y) : y, m_yLo, m_yHi);
    const double fx = fraction(x, m_xLo, m_xHi);
    // Clamped far outside the plot so a huge value still draws a steep line, not an overflow.
    return { m_plot.left() + std::clamp(fx, -4.0, 5.0) * m_plot.width(),
        m_plot.bottom() - std::clamp(fy, -4.0, 5.0) * m_plot.height() };
}

void CurveLayer::drawSeries(QPainter* painter, const DecimatedSeries& series) const
{
    if (series.decimated) {
        drawDense(painter, series);
        return;
    }
    QPolygonF line;
    line.reserve(qsizetype(series.x.size()));
    auto flush = [&] {
        if (line.size() > 1)
            painter->drawPolyline(line);
        else if (line.size() == 1)
            painter->drawPoint(line.first());
        line.clear();
    };
    std::size_t gap = 0; // next non-finite x that breaks the line
    for (std::size_t i = 0; i < series.x.size(); ++i) {
        const double x = series.x[i];
        const bool broken = passesGap(series, gap, x);
        if (broken || (m_logY && series.y[i] <= 0))
            flush();
        if (!m_logY || series.y[i] > 0)
            line.append(map(x, series.y[i]));
    }
    flush();
}

std::vector<ColumnSpan> CurveLayer::columnSpans(const DecimatedSeries& series, double scale) const
{
    // At pixel resolution a column's first/min/max/last zig-zag covers one vertical span; the
    // joint from the previous column's last point extends it. Painting the spans paints every
    // pixel once, where the zig-zag painted each up to three times.
    std::vector<ColumnSpan> spans;
    spans.reserve(series.x.size() / 3 + 1);
    bool joined = false; // the previous point continues into this one
    double lastY = 0;
    std::size_t gap = 0;
    for (std::size_t i = 0; i < series.x.size(); ++i) {
        const double x = series.x[i];
        const bool broken = passesGap(series, gap, x);
        if (m_logY && series.y[i] <= 0) {
            joined = false;
            continue;
        }
        const QPointF p = (map(x, series.y[i]) - m_plot.topLeft()) * scale;
        const int column = int(std::floor(p.x()));
        const auto y = float(p.y());
        if (spans.empty() || spans.back().column != column || broken) {
            ColumnSpan span { column, y, y };
            if (joined && !broken) {
                span.top = std::min(span.top, float(lastY));
                span.bottom = std::max(span.bottom, float(lastY));
            }
            spans.push_back(span);
        }
        spans.back().top = std::min(spans.back().top, y);
        spans.back().bottom = std::max(spans.back().bottom, y);
        joined = true;
        lastY = y;
    }
    return spans;
}

void CurveLayer::drawDense(QPainter* painter, const DecimatedSeries& series) const
{
    // Vector devices (SVG export): the spans as aliased vertical lines in one call.
    QVarLengthArray<QLineF, 4096> lines;
    for (const ColumnSpan& s : columnSpans(series, 1.0)) {
        const double x = m_plot.left() + s.column + 0.5;
        lines.append(QLineF(x, m_plot.top() + s.top, x, m_plot.top() + s.bottom));
    }
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->drawLines(lines.constData(), int(lines.size()));
    painter->restore();
}

void CurveLayer::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    painter->save();
    painter->setClipRect(m_plot);
    painter->setRenderHint(QPainter::Antialiasing, true);
    for (const DrawnCurve& c : m_curves) {
        if (!c.visible || c.bandLow.x.empty())
            continue;
        // The band: upper edge forward, lower edge back, filled translucent in the curve's colour.
        QPolygonF band;
        for (std::size_t i = 0; i < c.bandHigh.x.size(); ++i)
            band << map(c.bandHigh.x[i], c.bandHigh.y[i]);
        for (std::size_t i = c.bandLow.x.size(); i-- > 0;)
            band << map(c.bandLow.x[i], c.bandLow.y[i]);
        QColor fill = c.colour;
        fill.setAlpha(50);
        painter->setPen(Qt::NoPen);
        painter->setBrush(fill);
        painter->drawPolygon(band);
    }
    painter->setBrush(Qt::NoBrush);
    auto rawColour = [](const DrawnCurve& c) {
        QColor raw = c.colour;
        if (!c.smooth.x.empty())
            raw.setAlpha(70);
        return raw;
    };
    // Dense (decimated) raw curves go through a canvas on raster devices, in curve order.
    const bool raster = painter->paintEngine() && painter->paintEngine()->type() == QPaintEngine::Raster;
    const bool anyDense = std::any_of(
        m_curves.begin(), m_curves.end(), [](const DrawnCurve& c) { return c.visible && c.raw.decimated; });
    if (raster && anyDense && !m_plot.isEmpty()) {
        const qreal ratio = painter->device()->devicePixelRatioF();
        const QSize size = (m_plot.size() * ratio).toSize();
        if (m_canvas.size() != size)
            m_canvas = QImage(size, QImage::Format_ARGB32_Premultiplied);
        m_canvas.setDevicePixelRatio(ratio);
        const int width = size.width(), height = size.height();
        m_columns.assign(std::size_t(std::max(0, width)) * std::size_t(std::max(0, height)), 0); // transparent
        // On every core of the compute pool (this thread too, while it waits): each curve's spans
        // (mapping its points is most of the work), then the pixels in bands of columns, each band
        // painting every curve in curve order (the same pixels as one curve after another), then
        // the columns into the image's rows in bands of rows.
        std::vector<const DrawnCurve*> dense;
        for (const DrawnCurve& c : m_curves) {
            if (c.visible && c.raw.decimated)
                dense.push_back(&c);
        }
        std::vector<std::vector<ColumnSpan>> spans(dense.size());
        std::vector<QRgb> pixels(dense.size());
        std::vector<std::size_t> curves(dense.size());
        std::iota(curves.begin(), curves.end(), std::size_t(0));
        QtConcurrent::blockingMap(computePool(), curves, [&](std::size_t i) {
            spans[i] = columnSpans(dense[i]->raw, ratio);
            pixels[i] = qPremultiply(rawColour(*dense[i]).rgba());
        });
        // Bands of 64 columns: a band's pixels (64 × 500 rows: 128 KB) stay in the core's cache while
        // every curve is painted into them.
        constexpr int kBandColumns = 64;
        std::vector<int> columnBands(std::size_t((width + kBandColumns - 1) / kBandColumns));
        std::iota(columnBands.begin(), columnBands.end(), 0);
        QtConcurrent::blockingMap(computePool(), columnBands, [&](int band) {
            rasterColumnSpans(m_columns, size, spans, pixels, band * kBandColumns, (band + 1) * kBandColumns);
        });
        std::vector<int> bands(std::size_t(std::max(1, computePool()->maxThreadCount())));
        std::iota(bands.begin(), bands.end(), 0);
        const int count = int(bands.size());
        // Columns into rows, a tile at a time so that both sides stay in the cache. The image is
        // detached here, once: scanLine() from several threads could each detach a shared one.
        uchar* const image = m_canvas.bits();
        const qsizetype bytesPerLine = m_canvas.bytesPerLine();
        QtConcurrent::blockingMap(computePool(), bands, [&](int band) {
            constexpr int kTile = 32;
            const int rowsFrom = int(qint64(height) * band / count), rowsTo = int(qint64(height) * (band + 1) / count);
            for (int y0 = rowsFrom; y0 < rowsTo; y0 += kTile) {
                for (int x0 = 0; x0 < width; x0 += kTile) {
                    for (int y = y0; y < std::min(rowsTo, y0 + kTile); ++y) {
                        auto* row = reinterpret_cast<QRgb*>(image + y * bytesPerLine);
                        for (int x = x0; x < std::min(width, x0 + kTile); ++x)
                            row[x] = m_columns[std::size_t(x) * std::size_t(height) + std::size_t(y)];
                    }
                }
            }
        });
        painter->drawImage(m_plot.topLeft(), m_canvas);
    }
    for (const DrawnCurve& c : m_curves) {
        if (!c.visible)
            continue;
        if (!raster || !c.raw.decimated) {
            // A 1-pixel cosmetic pen takes QPainter's fast cosmetic stroker; wider pens go through
            // the general stroker, which measured several times slower for thousands of segments.
            QPen pen(rawColour(c), 1);
            pen.setCosmetic(true);
            painter->setPen(pen);
            drawSeries(painter, c.raw);
        }
        if (!c.smooth.x.empty()) {
            QPen smooth(c.colour, 2);
            smooth.setCapStyle(Qt::RoundCap);
            smooth.setJoinStyle(Qt::RoundJoin);
            painter->setPen(smooth);
            drawSeries(painter, c.smooth);
        }
    }
    // A curve with a single point (a final score) is a dot, not an invisible one-pixel line.
    for (const DrawnCurve& c : m_curves) {
        if (!c.visible || c.raw.x.size() != 1 || c.raw.decimated || !std::isfinite(c.raw.y.front()))
            continue;
        if (m_logY && c.raw.y.front() <= 0)
            continue;
        painter->setPen(QPen(c.colour.darker(130), 1));
        painter->setBrush(c.colour);
        painter->drawEllipse(map(c.raw.x.front(), c.raw.y.front()), 5, 5);
    }
    painter->restore();
}

} // namespace reprise
