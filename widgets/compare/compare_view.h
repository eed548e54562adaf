#pragma once

#include "analysis/plot_table.h"
#include "compare/charts_page.h"
#include "store/run_types.h"

#include <QWidget>

class QListWidget;
class QTabWidget;
class QTableWidget;

namespace reprise {

class ImportancePanel;
class ParallelCoordinates;
class ParallelPage;
class ParamsPage;
class ScatterPage;
class ScatterPlot;

/// Compare runs, in four pages. Charts (ChartsPage): one chart per chosen metric key in a grid of small
/// multiples (or one large chart), x axes linked, a stable colour per run with a shared legend that
/// toggles runs, TensorBoard smoothing over the faint raw curves, step / wall time / relative time on x,
/// linear or log y, runs grouped by a param into mean ± band. Params (ParamsPage): the selected runs'
/// params side by side, differing rows highlighted. Parallel coordinates and a scatter (ParallelPage,
/// ScatterPage) over the browser's filtered runs, whose brushing selects runs back in the browser.
/// Histories are loaded on a worker thread from the database; closing the view while a load runs is safe.
class CompareView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxRuns = ChartsPage::kMaxRuns;
    using XAxis = CurveAxis;
    using Band = BandKind;

    explicit CompareView(QWidget* parent = nullptr);

    /// Runs to compare (their metric keys come from the records); histories are read from `database`.
    /// The same runs again (live data) keep the keys and the zoom.
    void setRuns(const QString& database, const QList<RunRecord>& runs);
    void clear(const QString& message);
    /// Reads the histories again, keeping keys and zoom (new points of running runs).
    void refresh();
    /// Stops a load in progress (runs not read yet are skipped) and says so; nothing when idle.
    void cancel();
    /// Chooses the metric keys to chart.
    void setKeys(const QStringList& keys);
    void setSmoothing(double weight);
    void setLogY(bool log);
    void setXAxis(XAxis axis);
    void setSingleChart(bool single);
    /// Groups runs by a param: "" for no grouping, "param:NAME" for runs with the same NAME, or
    /// "except:NAME" for runs whose params are equal except NAME (the seeds of one config).
    void setGroupBy(const QString& grouping);
    /// The runs the browser's filter shows (of the selected runs' projects): grouping draws each selected
    /// run's group with every one of these runs in it, not only the selected ones.
    void setGroupPool(const QList<RunLocation>& runs) { m_charts->setGroupPool(runs); }
    QString groupBy() const { return m_charts->groupBy(); }
    void setBand(Band band);
    void setRunVisible(const QString& runId, bool visible);
    /// Runs for the parallel coordinates and the scatter (the browser's filtered runs).
    void setPlotTable(PlotTable table);
    void setOnlyDifferences(bool only);
    /// Brings a page to the front: "charts", "params", "parallel" or "scatter".
    void showPage(const QString& page);

    /// All charts as one PNG or SVG (by the name's suffix), legends included. Painted here, encoded
    /// and written on a worker thread; `exported` reports.
    void exportCharts(const QString& path);
    /// All charts at `options`' size and format (PNG scale), each with a legend of what it draws.
    void exportCharts(const QString& path, const ChartExportOptions& options);
    /// The charts as a PNG image on the clipboard.
    void copyCharts();
    /// Every point of the visible (not hidden) curves inside the charts' x range, as CSV:
    /// run_id,run,metric,x,value. Written on a worker thread; `exported` reports.
    void exportCsv(const QString& path);
    /// Asks the user what and where (see ChartsPage::chooseExport()), then exports.
    void chooseExport(const QString& kind) { m_charts->chooseExport(kind); }
    double smoothing() const { return m_charts->smoothing(); }

    QList<MetricChart*> charts() const { return m_charts->charts(); }
    QStringList availableKeys() const { return m_charts->availableKeys(); }
    QStringList chosenKeys() const { return m_charts->chosenKeys(); }
    QStringList groupings() const { return m_charts->groupings(); }
    QString message() const { return m_charts->message(); }
    bool isBusy() const { return m_charts->isBusy(); }
    QTableWidget* paramsTable() const;
    ParallelCoordinates* parallelCoordinates() const;
    ScatterPlot* scatter() const;
    QListWidget* legend() const { return m_charts->legend(); }
    /// Shows whether the window is in focus mode (the button's state; the metric list collapses).
    void setFocusMode(bool on) { m_charts->setFocusMode(on); }
    bool isFocusMode() const { return m_charts->isFocusMode(); }

Q_SIGNALS:
    /// The charts show the current runs and keys (or a message says why not).
    void ready();
    /// Brushing in the parallel coordinates or the scatter chose these runs.
    void runsBrushed(const QStringList& runIds);
    /// An export ended (an empty message on success).
    void exported(const QString& path, const QString& error);
    /// The Focus button asks for the charts to take the whole window (true) or to give it back. The
    /// window collapses or restores its other panes and calls setFocusMode().
    void focusModeRequested(bool on);

private:
    QStringList selectedIds() const;
    void highlightSelection();

    QList<RunRecord> m_runs;
    QTabWidget* m_tabs;
    ChartsPage* m_charts;
    ParamsPage* m_params;
    ParallelPage* m_parallel;
    ImportancePanel* m_importance;
    ScatterPage* m_scatter;
};

} // namespace reprise
