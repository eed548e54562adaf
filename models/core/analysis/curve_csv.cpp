#include "analysis/curve_csv.h"

#include "analysis/export_file.h"

#include <algorithm>

namespace reprise {

namespace {

    QByteArray quoted(const QString& text)
    {
        QString q = text;
        q.replace(u'"', QStringLiteral("\"\""));
        return (u'"' + q + u'"').toUtf8();
    }

} // namespace

QByteArray curveCsvHeader() { return QByteArrayLiteral("run_id,run,metric,x,value\n"); }

bool writeCurveCsv(
    const std::vector<CsvCurves>& charts, const std::function<bool(const QByteArray&)>& sink, qsizetype chunkBytes)
{
    QByteArray buffer = curveCsvHeader();
    for (const CsvCurves& chart : charts) {
        for (const MetricCurve& c : chart.curves) {
            if (!c.x || !c.y)
                continue;
            const QByteArray prefix = quoted(c.runId) + ',' + quoted(c.label) + ',' + quoted(chart.metric) + ',';
            const auto& xs = *c.x;
            const auto& ys = *c.y;
            auto i = std::size_t(std::lower_bound(xs.begin(), xs.end(), chart.xLow) - xs.begin());
            for (; i < xs.size() && i < ys.size() && xs[i] <= chart.xHigh; ++i) {
                buffer += prefix;
                buffer += QByteArray::number(xs[i], 'g', 17);
                buffer += ',';
                buffer += QByteArray::number(ys[i], 'g', 17);
                buffer += '\n';
                if (buffer.size() > chunkBytes) {
                    if (!sink(buffer))
                        return false;
                    buffer.clear();
                }
            }
        }
    }
    return buffer.isEmpty() || sink(buffer);
}

QByteArray curveCsv(const std::vector<CsvCurves>& charts)
{
    QByteArray all;
    writeCurveCsv(charts, [&](const QByteArray& chunk) {
        all += chunk;
        return true;
    });
    return all;
}

QString exportCurveCsv(const QString& path, const std::vector<CsvCurves>& charts)
{
    ExportFile file(path);
    QString error = file.open();
    if (!error.isEmpty())
        return error;
    writeCurveCsv(charts, [&](const QByteArray& chunk) {
        error = file.write(chunk);
        return error.isEmpty();
    });
    return error.isEmpty() ? file.finish() : error;
}

} // namespace reprise
