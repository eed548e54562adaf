#include "compare/compare_view.h"

#include "charts/run_palette.h"
#include "compare/parallel_coordinates.h"
#include "compare/parallel_page.h"
#include "compare/params_page.h"
#include "compare/scatter_page.h"
#include "compare/scatter_plot.h"
#include "importance/importance_panel.h"

#include <QHash>
#include <QTabWidget>
#include <QVBoxLayout>

namespace reprise {

CompareView::CompareView(QWidget* parent)
    : QWidget(parent)
    , m_tabs(new QTabWidget(this))
    , m_charts(new ChartsPage(this))
    , m_params(new ParamsPage(this))
    , m_parallel(new ParallelPage(this))
    , m_importance(new ImportancePanel(this))
    , m_scatter(new ScatterPage(this))
{
    m_tabs->addTab(m_charts, tr("Charts"));
    m_tabs->addTab(m_params, tr("Params"));
    m_tabs->addTab(m_parallel, tr("Parallel coordinates"));
    m_tabs->addTab(m_importance, tr("Which params matter"));
    m_tabs->addTab(m_scatter, tr("Scatter"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs, 1);

    connect(m_charts, &ChartsPage::ready, this, &CompareView::ready);
    connect(m_charts, &ChartsPage::exported, this, &CompareView::exported);
    connect(m_charts, &ChartsPage::focusModeToggled, this, &CompareView::focusModeRequested);
    connect(m_parallel->plot(), &ParallelCoordinates::runsBrushed, this, &CompareView::runsBrushed);
    connect(m_scatter->plot(), &ScatterPlot::runsBrushed, this, &CompareView::runsBrushed);
    clear(tr("Select 1 to %1 runs to compare their metrics.").arg(kMaxRuns));
}

QTableWidget* CompareView::paramsTable() const { return m_params->table(); }

ParallelCoordinates* CompareView::parallelCoordinates() const { return m_parallel->plot(); }

ScatterPlot* CompareView::scatter() const { return m_scatter->plot(); }

void CompareView::clear(const QString& message)
{
    m_runs.clear();
    runPalette().follow({});
    m_params->setRuns(m_runs);
    highlightSelection(); // no run stays emphasised in the plots
    m_charts->clear(message);
}

void CompareView::setRuns(const QString& database, const QList<RunRecord>& runs)
{
    m_runs = runs.mid(0, kMaxRuns);
    QStringList ids;
    for (const RunRecord& r : std::as_const(m_runs))
        ids << r.uuid;
    runPalette().follow(ids); // runs that stay keep their colours, newcomers take the free ones
    m_params->setRuns(m_runs);
    highlightSelection();
    m_charts->setRuns(database, m_runs);
}

void CompareView::refresh() { m_charts->refresh(); }

void CompareView::cancel() { m_charts->cancel(); }

void CompareView::setKeys(const QStringList& keys) { m_charts->setKeys(keys); }

void CompareView::setSmoothing(double weight) { m_charts->setSmoothing(weight); }

void CompareView::setLogY(bool log) { m_charts->setLogY(log); }

void CompareView::setXAxis(XAxis axis) { m_charts->setXAxis(axis); }

void CompareView::setSingleChart(bool single) { m_charts->setSingleChart(single); }

void CompareView::setGroupBy(const QString& grouping) { m_charts->setGroupBy(grouping); }

void CompareView::setBand(Band band) { m_charts->setBand(band); }

void CompareView::setRunVisible(const QString& runId, bool visible) { m_charts->setRunVisible(runId, visible); }

void CompareView::setOnlyDifferences(bool only) { m_params->setOnlyDifferences(only); }

void CompareView::exportCharts(const QString& path) { m_charts->exportCharts(path); }

void CompareView::exportCharts(const QString& path, const ChartExportOptions& options)
{
    m_charts->exportCharts(path, options);
}

void CompareView::copyCharts() { m_charts->copyCharts(); }

void CompareView::exportCsv(const QString& path) { m_charts->exportCsv(path); }

QStringList CompareView::selectedIds() const
{
    QStringList selected;
    for (const RunRecord& r : std::as_const(m_runs))
        selected << r.uuid;
    return selected;
}

void CompareView::setPlotTable(PlotTable table)
{
    m_parallel->setTable(table, selectedIds());
    m_importance->setTable(table);
    m_scatter->setTable(table, selectedIds());
}

void CompareView::highlightSelection()
{
    // The plots keep their runs (the filter's), but emphasise exactly the current selection: a run
    // that left it is no longer drawn as selected, whether or not a new table follows.
    parallelCoordinates()->setHighlighted(selectedIds());
    scatter()->setHighlighted(selectedIds());
}

void CompareView::showPage(const QString& page)
{
    const QHash<QString, QWidget*> pages { { QStringLiteral("charts"), m_charts },
        { QStringLiteral("params"), m_params }, { QStringLiteral("parallel"), m_parallel },
        { QStringLiteral("importance"), m_importance }, { QStringLiteral("scatter"), m_scatter } };
    m_tabs->setCurrentWidget(pages.value(page, m_charts));
}

} // namespace reprise
