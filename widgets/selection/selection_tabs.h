#pragma once

#include "store/run_types.h"

#include <QSet>
#include <QTabWidget>
#include <functional>
#include <optional>

class QTimer;

namespace reprise {

class CompareView;
class DagView;
class DriftView;
class RerunPanel;
class RerunQueue;
class RunBrowser;
class RunDetails;

/// The views of the runs selected in the browser, as tabs: details, compare, pipeline, drift (and
/// the reruns panel beside them). The selection's records are read on a worker; only the view on
/// screen computes, the others catch up when their tab is opened. The compare view's parallel
/// coordinates and scatter follow the browser's filter.
class SelectionTabs : public QTabWidget {
    Q_OBJECT
public:
    SelectionTabs(RunBrowser* browser, RerunQueue* reruns, QWidget* parent = nullptr);

    RunDetails* details() const { return m_details; }
    CompareView* compare() const { return m_compare; }
    DagView* dag() const { return m_dag; }
    DriftView* drift() const { return m_drift; }
    RerunPanel* reruns() const { return m_reruns; }

    /// The runs `ids` of the database `source` are selected (none: each view says what to do).
    void setSelection(const QString& source, const QStringList& ids);
    /// Reads the selection again: names, notes or tags of its runs changed.
    void reloadSelection();
    /// The selected runs' records, once read.
    const std::optional<QList<RunRecord>>& selectedRuns() const { return m_selected; }
    /// The notes of a selected run (they are not in the run table's snapshot).
    QString notesOf(const QString& runId) const;
    /// Brings a view to the front: "runs" (details), "compare" and its pages "params", "parallel",
    /// "scatter", "dag", "drift" or "rerun". False for an unknown name.
    bool showView(const QString& name);
    /// Whether the view on screen is computing; `cancel` is set when it can be stopped.
    bool isComputing(std::function<void()>* cancel) const;
    /// The runs of a database changed: a compare view on screen shows their new points.
    void refreshCharts();
    /// The source changed on disk: charts of running runs grow, and a selection that could not be
    /// read (a team store's copy still being made) is read again.
    void sourceChanged();

Q_SIGNALS:
    /// The details pane shows the run it was asked for (or why it cannot).
    void detailsLoaded();
    /// Runs brushed in the parallel coordinates or the scatter: to be selected in the browser.
    void runsBrushed(const QStringList& runIds);

private:
    void feedVisibleView();
    void feedPlotTable();

    RunBrowser* m_browser;
    RunDetails* m_details;
    CompareView* m_compare;
    DagView* m_dag;
    DriftView* m_drift;
    RerunPanel* m_reruns;
    QTimer* m_followFilter;
    QString m_source;
    QStringList m_ids;
    std::optional<QList<RunRecord>> m_selected;
    QSet<QWidget*> m_fed; ///< views already showing m_selected
    quint64 m_generation = 0;
    quint64 m_plotGeneration = 0;
};

} // namespace reprise
