#pragma once

#include "analysis/pipeline_graph.h"
#include "store/run_types.h"

#include <QWidget>
#include <optional>

class QCheckBox;
class QGraphicsPolygonItem;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTimer;

namespace reprise {

class DagOverview;
class DagScene;

/// A run's pipeline: the DAG (zoom with the wheel, pan by dragging, F or "Fit" to fit, arrow keys
/// to move between steps, an overview in the corner; cards sized to their text, edge labels beside
/// their edges), a timeline (Gantt) of the same steps that fits the view's width and zooms in time
/// (+/−, Ctrl+wheel), and the selected step's details (in a diff, changed inputs and outputs as
/// old → new hash). With two runs it shows their DAG diff. Layout runs on a worker thread; stale
/// results are dropped. Above kMaxGraphSteps steps only the timeline is drawn.
class DagView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxGraphSteps = 2000;

    explicit DagView(QWidget* parent = nullptr);
    ~DagView() override;

    void showRun(const RunRecord& run);
    /// `before` and `after` are matched step by step; changes are relative to `before`.
    void showDiff(const RunRecord& before, const RunRecord& after);
    void clear(const QString& message);

    DagScene* scene() const { return m_scene; }
    QGraphicsScene* timelineScene() const { return m_timelineScene; }
    QGraphicsView* graphView() const { return m_view; }
    QGraphicsView* timelineView() const { return m_timeline; }
    /// Stretches the timeline's time axis by `factor` (1 = the view's width), between 1 and 200.
    void zoomTimeline(double factor);
    double timelineZoom() const { return m_timelineZoom; }
    QTabWidget* tabs() const { return m_tabs; }
    QString message() const;
    QString stepDetails() const;
    /// True while a requested graph is still being laid out.
    bool isBusy() const { return m_busy; }
    /// Fits the whole graph into the view.
    void fit();

Q_SIGNALS:
    /// The graph (or the message replacing it) for the last request is shown.
    void ready();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuild();
    void showGraph(const PipelineGraph& graph, const Result<DagLayout>& layout);
    void buildTimeline(const PipelineGraph& graph);
    void drawTimeline();
    void keepTimelineNamesInView();
    void showStep(int node);
    void moveSelection(int key);
    void updateOverview();
    void zoomBy(double factor);

    std::optional<RunRecord> m_before;
    std::optional<RunRecord> m_run;
    quint64 m_generation = 0;
    bool m_busy = false;
    QLabel* m_message;
    QCheckBox* m_artifactNodes;
    QTabWidget* m_tabs;
    DagScene* m_scene;
    QGraphicsView* m_view;
    DagOverview* m_overview;
    QGraphicsScene* m_timelineScene;
    QGraphicsView* m_timeline;
    QPlainTextEdit* m_details;
    struct TimelineBar {
        QString label; ///< visible text
        double start = 0; ///< seconds since the first step started; NaN when not recorded
        double end = 0;
        QColor colour;
        QString tip;
    };
    std::vector<TimelineBar> m_bars;
    double m_span = 1; ///< seconds from the first start to the last end
    QString m_timelineNote; ///< shown instead of bars when no step has times
    double m_timelineZoom = 1;
    QTimer* m_timelineRedraw; ///< coalesces redraws while the view is resized
    QGraphicsPolygonItem* m_timelineNames = nullptr; ///< the steps' names, kept at the view's left edge
};

} // namespace reprise
