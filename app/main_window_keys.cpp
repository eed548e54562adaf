// MainWindow's keyboard part: the Go menu (each view on Alt+1…, next/previous run, the panes in
// turn on F6), the Charts menu (grouping, smoothing, export on keys), sorting by the column the
// keyboard is on, focus mode for the charts, and the order Tab walks the panes in.

#include "chart_actions.h"
#include "compare/compare_view.h"
#include "main_window.h"
#include "palette/command_palette.h"
#include "runs/run_browser.h"
#include "selection/selection_tabs.h"
#include "sources/sources_panel.h"

#include <QAction>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QTableView>

namespace reprise {

void MainWindow::buildKeyboard(QMenu* view)
{
    // Tab leaves the run table for the next pane instead of walking its cells (which moved the
    // current cell and cut a selection of several runs to one); arrows move within it.
    m_browser->view()->setTabKeyNavigation(false);
    QWidget::setTabOrder(m_panel, m_browser->filterEdit());
    QWidget::setTabOrder(m_browser->filterEdit(), m_browser->view());
    QWidget::setTabOrder(m_browser->view(), m_tabs);

    QAction* sort = view->addAction(tr("&Sort by This Column"), this, [this] { sortByCurrentColumn(); });
    sort->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    setPaletteSynonyms(sort, { tr("order"), tr("best"), tr("rank"), tr("top") });

    // Focus mode: the charts take the whole window (sources, filter and run table collapse); again
    // restores them. The compare view's own Focus button asks for the same.
    QAction* focus = view->addAction(tr("F&ocus on Compare"));
    focus->setCheckable(true);
    focus->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    setPaletteSynonyms(focus, { tr("fullscreen"), tr("maximize"), tr("charts"), tr("zoom") });
    connect(focus, &QAction::toggled, this, [this](bool on) {
        m_panel->setVisible(!on);
        m_center->setVisible(!on);
        if (on)
            showView(QStringLiteral("compare"));
        compareView()->setFocusMode(on);
    });
    connect(compareView(), &CompareView::focusModeRequested, focus, &QAction::setChecked);

    QMenu* go = menuBar()->addMenu(tr("&Go"));
    struct Place {
        QString title;
        QString view;
        QStringList synonyms;
    };
    const Place places[] = {
        { tr("&Details"), QStringLiteral("runs"), { tr("run"), tr("info"), tr("overview"), tr("notes") } },
        { tr("&Compare"), QStringLiteral("compare"),
            { tr("charts"), tr("plot"), tr("metrics"), tr("curves"), tr("side by side"), tr("overlay") } },
        { tr("&Pipeline"), QStringLiteral("dag"), { tr("dag"), tr("steps"), tr("artifacts"), tr("graph") } },
        { tr("D&rift"), QStringLiteral("drift"), { tr("data"), tr("features"), tr("shift"), tr("distribution") } },
        { tr("R&eruns"), QStringLiteral("rerun"), { tr("reproduce"), tr("jobs"), tr("queue"), tr("verify") } },
    };
    int number = 1;
    for (const Place& place : places) {
        QAction* action = go->addAction(place.title, this, [this, name = place.view] {
            showView(name);
            // The view's own controls are next: the keyboard goes on from its tab.
            m_tabs->setFocus(Qt::ShortcutFocusReason);
        });
        action->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_0 + number++)));
        setPaletteSynonyms(action, place.synonyms);
    }
    go->addSeparator();
    QAction* next = go->addAction(tr("&Next Run"), this, [this] { stepRun(1); });
    next->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Down));
    QAction* previous = go->addAction(tr("Pre&vious Run"), this, [this] { stepRun(-1); });
    previous->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Up));
    go->addSeparator();
    QAction* pane = go->addAction(tr("Next P&ane"), this, [this] { stepPane(1); });
    pane->setShortcut(QKeySequence(Qt::Key_F6));
    QAction* back = go->addAction(tr("Previous Pa&ne"), this, [this] { stepPane(-1); });
    back->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F6));
    for (QAction* a : { pane, back })
        setPaletteSynonyms(a, { tr("focus"), tr("sources"), tr("table"), tr("filter") });

    m_chartActions = new ChartActions(
        compareView(), [this] { showView(QStringLiteral("compare")); }, this);
    menuBar()->addMenu(m_chartActions->menu());
}

void MainWindow::sortByCurrentColumn()
{
    QTableView* table = m_browser->view();
    const int column = table->currentIndex().isValid() ? table->currentIndex().column()
                                                       : table->horizontalHeader()->sortIndicatorSection();
    // Largest first the first time (best accuracy, latest start); again for the other way round.
    QHeaderView* header = table->horizontalHeader();
    const bool again = header->sortIndicatorSection() == column && header->sortIndicatorOrder() == Qt::DescendingOrder;
    table->sortByColumn(column, again ? Qt::AscendingOrder : Qt::DescendingOrder);
    // The keyboard goes to the top, where the best runs now are (the selection stays as it was):
    // left on the row it was on, the cursor showed the middle of the new order.
    if (table->model()->rowCount() > 0) {
        const QModelIndex top = table->model()->index(0, column);
        table->selectionModel()->setCurrentIndex(top, QItemSelectionModel::NoUpdate);
        table->scrollTo(top);
    }
}

void MainWindow::stepRun(int step)
{
    QTableView* table = m_browser->view();
    const int rows = table->model()->rowCount();
    if (rows == 0)
        return;
    const QModelIndex current = table->currentIndex();
    const int row = current.isValid() ? std::clamp(current.row() + step, 0, rows - 1) : 0;
    const QModelIndex target = table->model()->index(row, current.isValid() ? current.column() : 0);
    table->selectionModel()->setCurrentIndex(target, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    table->scrollTo(target);
}

void MainWindow::stepPane(int step)
{
    // The panes in reading order; one that cannot take focus now (hidden, disabled) is skipped.
    const QList<QWidget*> panes { m_panel, m_browser->filterEdit(), m_browser->view(), m_tabs };
    qsizetype at = -1;
    for (qsizetype i = 0; i < panes.size(); ++i) {
        if (panes[i] == focusWidget() || panes[i]->isAncestorOf(focusWidget()))
            at = i;
    }
    for (qsizetype n = 1; n <= panes.size(); ++n) {
        QWidget* pane = panes[((at < 0 ? (step > 0 ? -1 : 0) : at) + step * n + panes.size() * 2) % panes.size()];
        if (pane->isVisible() && pane->isEnabled()) {
            pane->setFocus(step > 0 ? Qt::TabFocusReason : Qt::BacktabFocusReason);
            return;
        }
    }
}

} // namespace reprise
