#include "selection/selection_tabs.h"

#include "analysis/plot_table.h"
#include "compare/compare_view.h"
#include "dag/dag_view.h"
#include "drift/drift_view.h"
#include "rerun/rerun_panel.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "runs/run_details.h"
#include "store/run_selection.h"

#include <QTableView>
#include <QTimer>
#include <QtConcurrent>

namespace reprise {

SelectionTabs::SelectionTabs(RunBrowser* browser, RerunQueue* reruns, QWidget* parent)
    : QTabWidget(parent)
    , m_browser(browser)
    , m_details(new RunDetails(this))
    , m_compare(new CompareView(this))
    , m_dag(new DagView(this))
    , m_drift(new DriftView(this))
    , m_reruns(new RerunPanel(reruns, this))
    , m_followFilter(new QTimer(this))
{
    addTab(m_details, tr("Details"));
    addTab(m_compare, tr("Compare"));
    addTab(m_dag, tr("Pipeline"));
    addTab(m_drift, tr("Drift"));
    addTab(m_reruns, tr("Reruns"));
    connect(this, &QTabWidget::currentChanged, this, &SelectionTabs::feedVisibleView);
    connect(m_compare, &CompareView::runsBrushed, this, &SelectionTabs::runsBrushed);
    // The parallel coordinates and scatter show the filtered runs: follow the filter (once per
    // turn of the event loop, however many rows a refresh inserted or removed).
    m_followFilter->setSingleShot(true);
    m_followFilter->setInterval(0);
    connect(m_followFilter, &QTimer::timeout, this, [this] {
        if (currentWidget() == m_compare)
            feedPlotTable();
    });
    auto followFilter = [this] { m_followFilter->start(); };
    connect(m_browser->proxy(), &QAbstractItemModel::layoutChanged, this, followFilter);
    connect(m_browser->proxy(), &QAbstractItemModel::modelReset, this, followFilter);
    connect(m_browser->proxy(), &QAbstractItemModel::rowsInserted, this, followFilter);
    connect(m_browser->proxy(), &QAbstractItemModel::rowsRemoved, this, followFilter);
}

void SelectionTabs::setSelection(const QString& source, const QStringList& ids)
{
    m_source = source;
    m_ids = ids;
    const quint64 ticket = ++m_generation;
    if (ids.isEmpty()) {
        m_details->showMessage(tr("Select a run to see its details."));
        m_dag->clear(tr("Select a run to see its pipeline, or two runs to compare their pipelines."));
        m_drift->clear(
            tr("Select runs with datasets (e.g. a project's retraining runs) to see how their data drifted."));
        // Runs that left the selection (another source, the filter) leave every view.
        m_compare->clear(tr("Select 1 to %1 runs to compare their metrics.").arg(CompareView::kMaxRuns));
        m_selected.reset();
        m_fed.clear();
        return;
    }
    // Over all sources, each run is read from the database holding it.
    QList<RunLocation> runs;
    const std::shared_ptr<const RunTable>& table = m_browser->model()->runs();
    const QStringList paths = table ? table->sourcePathsOf(ids) : QStringList();
    for (qsizetype i = 0; i < ids.size(); ++i)
        runs << RunLocation { paths.value(i).isEmpty() ? source : paths[i], ids[i] };
    QtConcurrent::run(qOverload<const QList<RunLocation>&>(&loadRunSelection), runs)
        .then(this, [this, ticket](const Result<RunSelection>& result) {
            if (ticket != m_generation)
                return;
            if (!result) {
                const QString text = result.error().text();
                m_details->showMessage(text);
                m_dag->clear(text);
                m_drift->clear(text);
                m_compare->clear(text);
                m_selected.reset();
                Q_EMIT detailsLoaded();
                return;
            }
            m_details->showRun(result->run, result->output);
            m_selected = result->all;
            m_fed.clear();
            feedVisibleView();
            Q_EMIT detailsLoaded();
        });
}

void SelectionTabs::reloadSelection()
{
    m_fed.clear(); // names, notes and tags shown by the views may have changed
    setSelection(m_source, m_ids);
}

QString SelectionTabs::notesOf(const QString& runId) const
{
    if (m_selected) {
        for (const RunRecord& r : *m_selected) {
            if (r.uuid == runId)
                return r.notes;
        }
    }
    return {};
}

void SelectionTabs::feedVisibleView()
{
    // Only the view on screen computes (charts, drift and layouts cost real time); the others catch
    // up when their tab is opened.
    QWidget* view = currentWidget();
    if (!m_selected || m_selected->isEmpty() || m_fed.contains(view))
        return;
    m_fed.insert(view);
    const QList<RunRecord>& runs = *m_selected;
    if (view == m_dag) {
        if (runs.size() >= 2) {
            // The older run is the baseline of the pipeline diff.
            const bool firstIsOlder = runs[0].startTime <= runs[1].startTime;
            m_dag->showDiff(firstIsOlder ? runs[0] : runs[1], firstIsOlder ? runs[1] : runs[0]);
        } else {
            m_dag->showRun(runs[0]);
        }
    } else if (view == m_drift) {
        m_drift->setRuns(runs);
    } else if (view == m_compare) {
        m_compare->setRuns(m_source, runs);
        feedPlotTable();
    }
}

void SelectionTabs::feedPlotTable()
{
    std::shared_ptr<const RunTable> table = m_browser->model()->runs();
    if (!table)
        return;
    // The runs the filter shows, in the browser's order (the proxy lives on this thread) ...
    const RunFilterProxy* proxy = m_browser->proxy();
    std::vector<std::size_t> shown;
    shown.reserve(std::size_t(proxy->rowCount()));
    for (int r = 0; r < proxy->rowCount(); ++r)
        shown.push_back(std::size_t(proxy->mapToSource(proxy->index(r, 0)).row()));
    QSet<QString> projects;
    if (m_selected) {
        for (const RunRecord& r : *m_selected)
            projects.insert(r.project);
    }
    // ... narrowed and turned into plot fields on a worker: thousands of runs × every param is
    // too much for a filter keystroke on the GUI thread.
    const quint64 ticket = ++m_plotGeneration;
    QtConcurrent::run([table, shown = std::move(shown), projects, source = m_source] {
        // Runs of other projects have other params and metrics: only the selected runs' projects
        // (else the groupings offered every other project's params too).
        QList<RunLocation> pool;
        std::vector<std::size_t> rows;
        for (std::size_t row : shown) {
            if (!projects.isEmpty() && !projects.contains(table->projects.at(row)))
                continue;
            // Grouping draws each selected run's group over every run the filter shows ...
            const QString path = table->sourcePath(row);
            pool << RunLocation { path.isEmpty() ? source : path, table->uuids[row] };
            // ... plots, up to what they can still tell apart.
            constexpr std::size_t kMaxPlotted = 5000;
            if (rows.size() < kMaxPlotted)
                rows.push_back(row);
        }
        return std::pair { plotTable(*table, rows), pool };
    }).then(this, [this, ticket](std::pair<PlotTable, QList<RunLocation>> plots) {
        if (ticket != m_plotGeneration)
            return;
        m_compare->setPlotTable(std::move(plots.first));
        m_compare->setGroupPool(plots.second);
    });
}

bool SelectionTabs::showView(const QString& name)
{
    if (name == QLatin1String("params") || name == QLatin1String("parallel") || name == QLatin1String("importance")
        || name == QLatin1String("scatter")) {
        m_compare->showPage(name);
        setCurrentWidget(m_compare);
    } else if (name == QLatin1String("runs")) {
        setCurrentWidget(m_details);
    } else if (name == QLatin1String("rerun")) {
        setCurrentWidget(m_reruns);
    } else if (name == QLatin1String("compare")) {
        setCurrentWidget(m_compare);
    } else if (name == QLatin1String("dag")) {
        setCurrentWidget(m_dag);
    } else if (name == QLatin1String("drift")) {
        setCurrentWidget(m_drift);
    } else {
        return false;
    }
    return true;
}

bool SelectionTabs::isComputing(std::function<void()>* cancel) const
{
    QWidget* view = currentWidget();
    if (view == m_compare && m_compare->isBusy()) {
        *cancel = [this] { m_compare->cancel(); };
        return true;
    }
    if (view == m_drift && m_drift->isBusy()) {
        *cancel = [this] { m_drift->cancel(); };
        return true;
    }
    return view == m_dag && m_dag->isBusy();
}

void SelectionTabs::sourceChanged()
{
    if (!m_selected && !m_ids.isEmpty())
        reloadSelection();
    else
        refreshCharts();
}

void SelectionTabs::refreshCharts()
{
    if (currentWidget() == m_compare)
        m_compare->refresh();
}

} // namespace reprise
