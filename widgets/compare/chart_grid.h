#pragma once

#include "analysis/curve_csv.h"
#include "charts/chart_export.h"
#include "compare/chart_curves.h"

#include <QImage>
#include <QSet>
#include <QWidget>

class QGridLayout;
class QScrollArea;

namespace reprise {

/// The compare view's charts: one MetricChart per metric key, as small multiples in a two-column grid
/// or one large chart each, scrolled. Their x axes are linked (zooming or panning one moves all), and a
/// run hidden here is hidden in every chart. GUI thread only.
class ChartGrid : public QWidget {
    Q_OBJECT
public:
    explicit ChartGrid(QWidget* parent = nullptr);

    /// Shows `curvesPerKey` (one entry per key of `keys`). With `keepRange`, charts of the same keys are
    /// kept and updated in place, keeping their zoom (live data); otherwise they are made anew.
    /// `redrawn` follows once every chart has drawn its first decimated picture.
    void setCurves(CurvesPerKey curvesPerKey, const QStringList& keys, bool keepRange);
    /// Per chart (in key order), the labels of the runs that did not log its metric.
    void setMissing(const std::vector<QStringList>& missing);
    /// The x axis' title of every chart (their y title is their metric).
    void setXTitle(const QString& title);
    /// Drops every chart.
    void clear();
    QList<MetricChart*> charts() const { return m_charts; }

    void setLogY(bool log);
    void setSingleChart(bool single);
    void setRunVisible(const QString& runId, bool visible);
    bool isRunVisible(const QString& runId) const { return !m_hidden.contains(runId); }

    /// The charts as one picture for export (see paintCharts()): in the grid's columns, each with its
    /// legend of full run names. GUI thread.
    ChartPicture paint(const ChartExportOptions& options, const QString& title) const;
    /// Columns of the grid as laid out now.
    int columns() const;
    /// Every chart's visible (not hidden) curves and its x range, for a CSV export.
    std::vector<CsvCurves> visibleData() const;

Q_SIGNALS:
    /// Every chart of the last setCurves() has drawn.
    void redrawn();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    /// Rows shorter than this scroll instead (a chart needs room for its axes and a readable curve).
    static constexpr int kMinRowHeight = 200;

    void layoutCharts();
    /// Every row the same height: the view's height shared by the rows, at least kMinRowHeight.
    void sizeRows();

    QList<MetricChart*> m_charts;
    QSet<QString> m_hidden;
    bool m_logY = false;
    bool m_single = false;
    QString m_xTitle;
    quint64 m_generation = 0;
    QScrollArea* m_scroll;
    QWidget* m_grid;
    QGridLayout* m_gridLayout;
};

} // namespace reprise
