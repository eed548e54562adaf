#include "charts/chart_export.h"

#include "charts/curve_layer.h"
#include "charts/metric_chart.h"
#include "compute_pool.h"
#include "text/display_text.h"

#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QGraphicsLayout>
#include <QGraphicsTextItem>
#include <QGuiApplication>
#include <QMenu>
#include <QPainter>
#include <QPdfWriter>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QTextLayout>
#include <QtConcurrent>
#include <cmath>

namespace reprise {

namespace {

    struct LegendEntry {
        QString text;
        QColor colour;
        bool square = false; ///< a mark (NaN / ±inf), not a line
    };

    /// One entry laid out: its text wrapped to the room it has.
    struct PlacedEntry {
        const LegendEntry* entry;
        QPointF at;
        std::shared_ptr<QTextLayout> text;
        QSizeF size;
    };

    constexpr double kMarker = 18, kMarkerGap = 6, kEntryGap = 16, kLineGap = 4;

    /// Entries placed left to right, a new row when the next does not fit; a name longer than the
    /// width wraps (at spaces when it can, anywhere when it must), never cut. Returns the height.
    double layoutLegend(const std::vector<LegendEntry>& entries, const QFont& font, QPaintDevice* device, double width,
        std::vector<PlacedEntry>& placed)
    {
        placed.clear();
        const QFontMetricsF metrics(font, device);
        double x = 0, y = 0, rowHeight = 0;
        const double textRoom = std::max(40.0, width - kMarker - kMarkerGap);
        for (const LegendEntry& e : entries) {
            auto layout = std::make_shared<QTextLayout>(e.text, font, device);
            QTextOption option;
            option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
            layout->setTextOption(option);
            layout->beginLayout();
            double height = 0, textWidth = 0;
            for (QTextLine line = layout->createLine(); line.isValid(); line = layout->createLine()) {
                line.setLineWidth(textRoom);
                line.setPosition(QPointF(0, height));
                height += line.height();
                textWidth = std::max(textWidth, line.naturalTextWidth());
            }
            layout->endLayout();
            const QSizeF size(kMarker + kMarkerGap + std::ceil(textWidth), std::max(height, metrics.height()));
            if (x > 0 && x + size.width() > width) {
                x = 0;
                y += rowHeight + kLineGap;
                rowHeight = 0;
            }
            placed.push_back({ &e, QPointF(x, y), layout, size });
            x += size.width() + kEntryGap;
            rowHeight = std::max(rowHeight, size.height());
        }
        return entries.empty() ? 0 : y + rowHeight;
    }

    void paintLegend(QPainter* painter, const std::vector<PlacedEntry>& placed, QPointF origin, const QFont& font)
    {
        const QFontMetricsF metrics(font, painter->device());
        for (const PlacedEntry& p : placed) {
            const QPointF at = origin + p.at;
            const double midY = at.y() + metrics.height() / 2;
            if (p.entry->square) {
                painter->fillRect(QRectF(at.x() + kMarker / 2 - 3.5, midY - 3.5, 7, 7), p.entry->colour);
            } else {
                painter->setPen(QPen(p.entry->colour, 2.5, Qt::SolidLine, Qt::RoundCap));
                painter->drawLine(QPointF(at.x() + 1, midY), QPointF(at.x() + kMarker - 1, midY));
            }
            painter->setPen(QColor(0x20, 0x20, 0x20));
            p.text->draw(painter, QPointF(at.x() + kMarker + kMarkerGap, at.y()));
        }
    }

    std::vector<LegendEntry> legendEntries(const MetricChart& chart)
    {
        std::vector<LegendEntry> out;
        for (const ChartCurve& c : chart.curves()) {
            // Only what is drawn: a hidden run or one without points in this chart has no entry.
            if (chart.isCurveHidden(c.runId) || !c.x || c.x->empty())
                continue;
            out.push_back({ visibleText(c.label), c.colour, false });
        }
        if (chart.marksNonFinite())
            out.push_back({ QObject::tr("NaN / ±inf"), QColor(0xc0, 0x39, 0x2b), true });
        return out;
    }

    QFont legendFont()
    {
        QFont font = QApplication::font();
        font.setPointSizeF(font.pointSizeF() * 0.95);
        return font;
    }

} // namespace

QStringList MetricChart::exportLegend() const
{
    QStringList out;
    for (const LegendEntry& e : legendEntries(*this))
        out << e.text;
    return out;
}

void MetricChart::redrawNow()
{
    ++m_generation; // a decimation still running for this chart is dropped
    const int columns = std::max(100, int(chart()->plotArea().width()));
    const std::vector<ChartCurve> curves = curvesToDraw();
    const double lo = m_lo, hi = m_hi;
    apply(QtConcurrent::blockingMapped<std::vector<DrawnCurve>>(
        computePool(), curves, [&](const ChartCurve& c) { return decimated(c, lo, hi, columns); }));
}

void MetricChart::renderTo(QPainter* painter, const QRectF& target, bool light) const
{
    const QFont font = legendFont();
    const std::vector<LegendEntry> entries = legendEntries(*this);
    std::vector<PlacedEntry> placed;
    const double legendHeight = layoutLegend(entries, font, painter->device(), target.width() - 16, placed);
    const QSizeF chartSize(target.width(), std::max(80.0, target.height() - legendHeight - (legendHeight > 0 ? 8 : 0)));

    // A copy laid out for the target's size: the chart on screen keeps its own size and state.
    MetricChart copy(m_plainTitle);
    copy.m_exporting = true;
    copy.setAttribute(Qt::WA_DontShowOnScreen);
    if (light) {
        copy.chart()->setTheme(QChart::ChartThemeLight);
        copy.m_footnote->setDefaultTextColor(QColor(0x55, 0x55, 0x55));
    }
    copy.chart()->legend()->hide(); // ours, below: full names, only what is drawn
    copy.chart()->setBackgroundRoundness(0);
    QFont titleFont = copy.chart()->titleFont();
    titleFont.setPointSizeF(QApplication::font().pointSizeF() * 1.2);
    titleFont.setBold(true);
    copy.chart()->setTitleFont(titleFont);
    copy.m_hidden = m_hidden;
    copy.m_logY = m_logY;
    copy.setAxisTitles(m_xTitle, m_yTitle);
    copy.m_missing = m_missing;
    copy.resize(chartSize.toSize());
    copy.show();
    copy.setCurves(m_curves);
    copy.m_lo = m_lo;
    copy.m_hi = m_hi;
    if (copy.chart()->layout())
        copy.chart()->layout()->activate();
    copy.redrawNow();
    copy.redrawNow(); // again: the first one's axes may have changed the plot area

    painter->save();
    painter->fillRect(target, light ? QColor(Qt::white) : copy.palette().color(QPalette::Window));
    copy.scene()->render(painter, QRectF(target.topLeft(), chartSize), QRectF(QPointF(0, 0), chartSize));
    paintLegend(painter, placed, QPointF(target.left() + 8, target.top() + chartSize.height() + 4), font);
    painter->restore();
}

QImage MetricChart::picture(QSize size, double scale) const
{
    const double s = std::clamp(scale, 0.25, 8.0);
    QImage image((QSizeF(size) * s).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(s);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    renderTo(&painter, QRectF(QPointF(0, 0), QSizeF(size)), true);
    return image;
}

void MetricChart::copyToClipboard() const
{
    QGuiApplication::clipboard()->setImage(picture(size(), std::max(1.0, devicePixelRatioF())));
}

void MetricChart::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu menu(this);
    menu.addAction(tr("Copy Chart"), this, &MetricChart::copyToClipboard);
    menu.addAction(tr("Reset Zoom"), this, &MetricChart::resetZoom);
    menu.exec(event->globalPos());
}

ChartExportOptions::Format exportFormatOf(const QString& path)
{
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive))
        return ChartExportOptions::Format::Svg;
    if (path.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive))
        return ChartExportOptions::Format::Pdf;
    return ChartExportOptions::Format::Png;
}

ChartPicture paintCharts(
    const QList<MetricChart*>& charts, int columns, const ChartExportOptions& options, const QString& title)
{
    ChartPicture picture;
    const QSize size = options.size.expandedTo(QSize(100, 100));
    const int cols = std::max(1, std::min<int>(columns, int(charts.size())));
    const int rows = std::max(1, int((charts.size() + cols - 1) / cols));
    auto paintAll = [&](QPainter& painter) {
        painter.fillRect(QRectF(QPointF(0, 0), QSizeF(size)), Qt::white);
        const double w = double(size.width()) / cols, h = double(size.height()) / rows;
        for (qsizetype k = 0; k < charts.size(); ++k)
            charts[k]->renderTo(&painter, QRectF(double(k % cols) * w, double(k / cols) * h, w, h), true);
    };
    switch (options.format) {
    case ChartExportOptions::Format::Svg: {
        QBuffer buffer(&picture.bytes);
        QSvgGenerator generator;
        generator.setOutputDevice(&buffer);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setTitle(htmlSafeText(title)); // written into the XML as it is
        QPainter painter(&generator);
        paintAll(painter);
        break;
    }
    case ChartExportOptions::Format::Pdf: {
        QBuffer buffer(&picture.bytes);
        buffer.open(QIODevice::WriteOnly);
        QPdfWriter writer(&buffer);
        writer.setTitle(title);
        writer.setCreator(QStringLiteral("Reprise"));
        writer.setResolution(72); // one logical pixel is one point
        writer.setPageLayout(
            QPageLayout(QPageSize(QSizeF(size), QPageSize::Point), QPageLayout::Portrait, QMarginsF()));
        QPainter painter(&writer);
        paintAll(painter);
        break;
    }
    case ChartExportOptions::Format::Png: {
        const double scale = std::clamp(options.scale, 0.25, 8.0);
        picture.image = QImage((QSizeF(size) * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
        picture.image.setDevicePixelRatio(scale);
        picture.image.fill(Qt::white);
        QPainter painter(&picture.image);
        painter.setRenderHint(QPainter::Antialiasing);
        paintAll(painter);
        break;
    }
    }
    return picture;
}

} // namespace reprise
