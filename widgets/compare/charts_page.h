#pragma once

#include "cancel_flag.h"
#include "charts/chart_export.h"
#include "compare/chart_curves.h"
#include "store/run_selection.h"

#include <QSet>
#include <QWidget>
#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QSlider;
class QToolButton;

namespace reprise {

class ChartGrid;

/// The Charts page of the compare view: the metric keys to chart (a searchable list), the controls
/// (smoothing, x axis, log y, grid or one chart, grouping and its band, export), the shared legend that
/// toggles runs, and the ChartGrid. Histories are loaded on a worker thread; smoothing and grouping are
/// derived from the loaded histories without reading the database again; stale results are dropped.
class ChartsPage : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxRuns = 50;

    explicit ChartsPage(QWidget* parent = nullptr);
    /// Tells a load in flight to stop reading: nobody waits for its result any more.
    ~ChartsPage() override;

    /// Runs to chart (at most kMaxRuns; their metric keys come from the records); histories are read from
    /// `database`. The same runs again (live data) keep the keys and the zoom.
    void setRuns(const QString& database, const QList<RunRecord>& runs);
    /// No runs: drops the charts and shows `message`.
    void clear(const QString& message);
    void refresh();
    void cancel();
    void setKeys(const QStringList& keys);
    void setSmoothing(double weight);
    void setLogY(bool log);
    void setXAxis(CurveAxis axis);
    void setSingleChart(bool single);
    /// Groups runs (see CompareView::setGroupBy()). The grouping stays when the selection changes.
    void setGroupBy(const QString& grouping);
    QString groupBy() const { return m_groupBy; }
    /// The runs the browser's filter shows (of the selected runs' projects): a grouping draws every one
    /// of them that is in a selected run's group, not only the selected runs. Their records are read
    /// on a worker (up to kMaxSelectedRecords).
    void setGroupPool(const QList<RunLocation>& runs);
    void setBand(BandKind band);
    void setRunVisible(const QString& runId, bool visible);
    /// The charts as they are on screen (size, scale 1), in the format the path's suffix names.
    void exportCharts(const QString& path);
    void exportCharts(const QString& path, const ChartExportOptions& options);
    /// The charts as a PNG image (on-screen size, the screen's scale) on the clipboard.
    void copyCharts();
    void exportCsv(const QString& path);
    /// Asks what and where to export (for a picture: format, size and scale first), then exports:
    /// `kind` is png (any picture format) or csv. What the Export button's menu and Charts ▸ Export run.
    void chooseExport(const QString& kind);
    double smoothing() const { return m_smoothing; }

    /// Shows the Focus button pressed (or not) and collapses the metric list; no signal.
    void setFocusMode(bool on);
    bool isFocusMode() const;
    QList<MetricChart*> charts() const;
    QStringList availableKeys() const { return m_allKeys; }
    QStringList chosenKeys() const { return m_keys; }
    QStringList groupings() const;
    QString message() const;
    bool isBusy() const { return m_busy; }
    QListWidget* legend() const { return m_legend; }

Q_SIGNALS:
    void ready();
    void exported(const QString& path, const QString& error);
    /// The Focus button was toggled: the charts should take the whole window (or give it back).
    void focusModeToggled(bool on);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void fitLegend();
    /// Drops the charts (not the runs: the params page still compares them) and says why.
    void clearCharts(const QString& message);
    static QStringList runIds(const QList<RunRecord>& runs);
    /// The runs whose histories the charts need: the selected ones, and grouped, their groups' other runs.
    QList<RunRecord> chartRuns() const;
    QStringList chartRunIds() const;
    void reload(bool keepRange);
    void derive(bool keepRange);
    void build(CurvesPerKey curvesPerKey, bool keepRange);
    void fillKeyList();
    void fillLegend(const CurvesPerKey& curvesPerKey);
    void fillGroupings();
    void reportExport(const QString& path, const QString& error);

    QString m_database;
    QList<RunRecord> m_runs;
    QList<RunLocation> m_pool;
    QList<RunRecord> m_poolRecords; ///< the records of m_pool, once read
    quint64 m_poolGeneration = 0;
    /// The latest pool read asked for, seen by reads queued before it (they are skipped).
    std::shared_ptr<std::atomic<quint64>> m_poolLatest = std::make_shared<std::atomic<quint64>>(0);
    QList<RunRecord> m_loadedRuns; ///< the runs whose histories m_loaded holds
    QStringList m_allKeys;
    QStringList m_keys;
    double m_smoothing = 0.6;
    double m_loadedSmoothing = 0; ///< the smoothing computed with m_loaded
    CurveAxis m_xAxis = CurveAxis::Step;
    QString m_groupBy;
    BandKind m_band = BandKind::StandardDeviation;
    quint64 m_generation = 0;
    quint64 m_builtGeneration = 0; ///< the generation whose curves the grid is drawing
    bool m_busy = false;
    CancelFlag m_cancel; ///< of the load in flight
    /// Histories as read (per key, one curve per run, no smoothing): smoothing and grouping derive from these.
    std::shared_ptr<const CurvesPerKey> m_loaded;

    QLabel* m_message;
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
    QToolButton* m_focus;
    QWidget* m_side; ///< the metric keys' search and list
    QListWidget* m_legend;
    ChartGrid* m_grid;
};

} // namespace reprise
