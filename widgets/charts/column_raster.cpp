#include "charts/column_raster.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace reprise {

namespace {

    /// Every channel of a premultiplied pixel times factor/255 (two channels per multiply).
    QRgb scaled(QRgb pixel, quint32 factor)
    {
        quint32 redBlue = (pixel & 0xff00ffU) * factor;
        redBlue = ((redBlue + ((redBlue >> 8) & 0xff00ffU) + 0x800080U) >> 8) & 0xff00ffU;
        quint32 alphaGreen = ((pixel >> 8) & 0xff00ffU) * factor;
        alphaGreen = (alphaGreen + ((alphaGreen >> 8) & 0xff00ffU) + 0x800080U) & 0xff00ff00U;
        return redBlue | alphaGreen;
    }

} // namespace

void rasterColumnSpans(std::vector<QRgb>& columns, QSize size, const std::vector<std::vector<ColumnSpan>>& spans,
    const std::vector<QRgb>& pixels, int fromColumn, int toColumn)
{
    // Screens and PNGs: the spans written straight into the plot area's pixels. QPainter's line
    // rasteriser spends ~5 ns a pixel on a cosmetic line; a plain loop spends well under one, and
    // ten curves of noise each filling the plot's height are millions of pixels a frame. The pixels
    // are column by column (a span is contiguous memory, where image rows put each of its pixels on
    // a cache line of its own); the caller turns them into the image's rows once.
    const int height = size.height();
    fromColumn = std::max(fromColumn, 0);
    toColumn = std::min(toColumn, size.width());
    if (fromColumn >= toColumn || height <= 0)
        return;
    // Each curve's spans in this band (spans come in column order).
    auto spansFrom = [&](const std::vector<ColumnSpan>& curve) {
        return std::lower_bound(curve.begin(), curve.end(), fromColumn,
            [](const ColumnSpan& span, int column) { return span.column < column; });
    };
    auto rows = [&](const ColumnSpan& s) {
        return std::pair { std::clamp(int(std::floor(s.top)), 0, height - 1),
            std::clamp(int(std::floor(s.bottom)), 0, height - 1) };
    };
    const bool opaque = std::all_of(pixels.begin(), pixels.end(), [](QRgb p) { return qAlpha(p) == 255; });
    if (!opaque) {
        for (std::size_t i = 0; i < spans.size(); ++i) {
            const quint32 alpha = quint32(qAlpha(pixels[i]));
            for (auto s = spansFrom(spans[i]); s != spans[i].end() && s->column < toColumn; ++s) {
                const auto [top, bottom] = rows(*s);
                QRgb* p = columns.data() + qsizetype(s->column) * height + top;
                for (int row = top; row <= bottom; ++row, ++p)
                    *p = pixels[i] + scaled(*p, 255 - alpha);
            }
        }
        return;
    }
    // Opaque curves: the last curve over a pixel decides it. Painted last curve first, a pixel is
    // written only while still transparent, and the rows a column already has from one run of
    // written pixels are skipped unread: fifty curves of noise over the same rows write each pixel
    // once instead of up to fifty times.
    struct Run {
        int top = 0, bottom = -1; ///< rows known written, empty when bottom < top
    };
    std::vector<Run> written(std::size_t(toColumn - fromColumn));
    for (std::size_t i = spans.size(); i-- > 0;) {
        const QRgb pixel = pixels[i];
        for (auto s = spansFrom(spans[i]); s != spans[i].end() && s->column < toColumn; ++s) {
            const auto [top, bottom] = rows(*s);
            QRgb* column = columns.data() + qsizetype(s->column) * height;
            Run& run = written[std::size_t(s->column - fromColumn)];
            auto fill = [&](int from, int to) { // rows [from, to], where still transparent
                for (int row = from; row <= to; ++row) {
                    if (column[row] == 0)
                        column[row] = pixel;
                }
            };
            if (run.bottom < run.top) {
                std::fill(column + top, column + bottom + 1, pixel); // nothing written in this column yet
                run = { top, bottom };
                continue;
            }
            fill(top, std::min(bottom, run.top - 1));
            fill(std::max(top, run.bottom + 1), bottom);
            if (top <= run.bottom + 1 && bottom >= run.top - 1)
                run = { std::min(top, run.top), std::max(bottom, run.bottom) };
            else if (bottom - top > run.bottom - run.top)
                run = { top, bottom };
        }
    }
}

} // namespace reprise
