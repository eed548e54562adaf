#pragma once

#include "analysis/curve_loading.h"

#include <QByteArray>
#include <functional>

namespace reprise {

/// One chart's worth of an export: its metric, the x range shown, and the curves in it.
struct CsvCurves {
    QString metric;
    double xLow = 0;
    double xHigh = 0;
    std::vector<MetricCurve> curves;
};

/// The CSV header: run_id,run,metric,x,value.
QByteArray curveCsvHeader();

/// Every point of every curve with x in [xLow, xHigh], one row each after the header: the run id, the
/// curve's label and the metric quoted (RFC 4180: inner quotes doubled; commas and line breaks stay
/// inside the quotes), then x and the value with 17 significant digits ("nan", "inf", "-inf" as such).
/// `sink` receives the text in chunks of about `chunkBytes`; it returns false to stop (a failed write).
/// Returns whether every chunk was taken.
bool writeCurveCsv(const std::vector<CsvCurves>& charts, const std::function<bool(const QByteArray&)>& sink,
    qsizetype chunkBytes = qsizetype(1) << 20);

/// The whole CSV text at once (small exports, tests).
QByteArray curveCsv(const std::vector<CsvCurves>& charts);

/// Writes the CSV to `path` in chunks: an empty string, or a message naming the file and what to do.
/// On a worker thread.
QString exportCurveCsv(const QString& path, const std::vector<CsvCurves>& charts);

} // namespace reprise
