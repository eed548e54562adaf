#pragma once

#include <QByteArray>
#include <QImage>
#include <QList>
#include <QSize>
#include <QString>

namespace reprise {

class MetricChart;

/// How charts are exported: the file's format, the picture's size (logical pixels; points in a PDF)
/// and, for a PNG, the device pixels per logical pixel (2 for slides and high-density screens).
struct ChartExportOptions {
    enum class Format { Png, Svg, Pdf };
    Format format = Format::Png;
    QSize size { 1200, 800 };
    double scale = 1;
};

/// The format a file name asks for by its suffix (PNG when it names none of svg or pdf).
ChartExportOptions::Format exportFormatOf(const QString& path);

/// Charts painted for export: SVG or PDF as the file's bytes, a PNG as the image (encoded later, off
/// the GUI thread).
struct ChartPicture {
    QByteArray bytes;
    QImage image;
};

/// Paints `charts` in a grid of `columns` columns (rows share the height), each chart laid out anew
/// at its cell's size with its own legend, on white. `title` is the SVG/PDF document title (plain
/// text). GUI thread.
ChartPicture paintCharts(
    const QList<MetricChart*>& charts, int columns, const ChartExportOptions& options, const QString& title);

} // namespace reprise
