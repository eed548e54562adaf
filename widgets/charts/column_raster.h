#pragma once

#include <QColor>
#include <QSize>
#include <vector>

namespace reprise {

/// A dense curve in one pixel column: the rows it covers there (from its first/min/max/last points
/// and the joint from the column before), in device pixels from the plot's top-left corner.
struct ColumnSpan {
    int column;
    float top, bottom;
};

/// Writes columns [fromColumn, toColumn) of every curve's spans (each curve's in column order),
/// `pixels[i]` (premultiplied) for curve i, into `columns`: the plot area's `size` device pixels,
/// column after column, transparent before. The result is that of painting the curves one after
/// another in order. Columns of different calls may be written from different threads.
void rasterColumnSpans(std::vector<QRgb>& columns, QSize size, const std::vector<std::vector<ColumnSpan>>& spans,
    const std::vector<QRgb>& pixels, int fromColumn, int toColumn);

} // namespace reprise
