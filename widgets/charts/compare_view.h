#pragma once

#include "analysis/plot_table.h"
#include "cancel_flag.h"
#include "charts/metric_chart.h"
#include "store/run_types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QScrollArea;
class QSlider;
class QTabWidget;
class QTableWidget;
class QToolButton;

namespace reprise {

class ParallelCoordinates;
class ScatterPlot;

/// Compare runs. Charts: one chart per chosen metric key in a grid of small multiples (or one large
/// chart), x axes linked (zooming or panning one moves all), a stable colour per run with a shared
/// legend that toggles runs, TensorBoard smoothing over the faint raw curves, step / wall time /
/// relative time on x, linear or log y, runs grouped by a param into mean ± band. Params: the
/// selected runs' params side by side, differing rows highlighted. Parallel coordinates and a
/// scatter over the browser's filtered runs, whose brushing selects runs back in the browser.
/// Histories are loaded on a worker thread from the database; smoothing and grouping are derived
/// from the loaded histories without reading again; stale results are dropped.
class CompareView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxRuns = 50;
    enum class XAxis { Step, WallTime, RelativeTime };
    enum class Band { StandardDeviation, MinMax };

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
    /// Every point of the visible (not hidden) curves inside the charts' x range, as CSV:
    /// run_id,run,metric,x,value. Written on a worker thread; `exported` reports.
    void exportCsv(const QString& path);

    QList<MetricChart*> charts() const { return m_charts; }
    QStringList availableKeys() const { return m_allKeys; }
    QStringList chosenKeys() const { return m_keys; }
    QStringList groupings() const;
    QString message() const;
    bool isBusy() const { return m_busy; }
    QTableWidget* paramsTable() const { return m_params; }
    ParallelCoordinates* parallelCoordinates() const { return m_parallel; }
    ScatterPlot* scatter() const { return m_scatter; }
    QListWidget* legend() const { return m_legend; }

Q_SIGNALS:
    /// The charts show the current runs and keys (or a message says why not).
    void ready();
    /// Brushing in the parallel coordinates or the scatter chose these runs.
    void runsBrushed(const QStringList& runIds);
    /// An export ended (an empty message on success).
    void exported(const QString& path, const QString& error);

private:
    /// Drops the charts (not the runs: the params table still compares them) and says why.
    void clearCharts(const QString& message);
    void reload(bool keepRange);
    void derive(bool keepRange);
    void build(std::vector<std::vector<ChartCurve>> curvesPerKey, bool keepRange);
    void fillKeyList();
    void fillLegend(const std::vector<std::vector<ChartCurve>>& curvesPerKey);
    void fillParams();
    void fillGroupings();
    void fillScatterFields();
    void layoutCharts();
    /// Asks where to write, then exports: `kind` is png, svg or csv.
    void chooseExport(const QString& kind);
    void reportExport(const QString& path, const QString& error);

    QString m_database;
    QList<RunRecord> m_runs;
    QStringList m_allKeys;
    QStringList m_keys;
    double m_smoothing = 0.6;
    double m_loadedSmoothing = 0; ///< the smoothing computed with m_loaded
    bool m_logY = false;
    bool m_single = false;
    XAxis m_xAxis = XAxis::Step;
    QString m_groupBy;
    Band m_band = Band::StandardDeviation;
    QSet<QString> m_hidden;
    quint64 m_generation = 0;
    bool m_busy = false;
    CancelFlag m_cancel; ///< of the load in flight
    bool m_onlyDifferences = false;
    /// Histories as read (per key, one curve per run, no smoothing): smoothing and grouping derive from these.
    std::shared_ptr<const std::vector<std::vector<ChartCurve>>> m_loaded;
    QList<MetricChart*> m_charts;

    QLabel* m_message;
    QTabWidget* m_tabs;
    QLineEdit* m_keyFilter;
    QListWidget* m_keyList;
    QSlider* m_smoothingSlider;
    QLabel* m_smoothingLabel;
    QCheckBox* m_log;
    QComboBox* m_xChooser;
    QComboBox* m_layoutChooser;
    QComboBox* m_groupChooser;
    QComboBox* m_bandChooser;
    QToolButton* m_export;
    QListWidget* m_legend;
    QScrollArea* m_scroll;
    QWidget* m_grid;
    QGridLayout* m_gridLayout;
    QTableWidget* m_params;
    QCheckBox* m_onlyDifferencesBox;
    ParallelCoordinates* m_parallel;
    QComboBox* m_parallelMetric;
    ScatterPlot* m_scatter;
    QComboBox* m_scatterX;
    QComboBox* m_scatterY;
    QComboBox* m_scatterColour;
    QCheckBox* m_scatterLogX;
    QCheckBox* m_scatterLogY;
};

} // namespace reprise
