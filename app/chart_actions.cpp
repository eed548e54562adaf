#include "chart_actions.h"

#include "charts/metric_chart.h"
#include "compare/compare_view.h"
#include "palette/command_palette.h"
#include "text/display_text.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QMenu>

namespace reprise {

namespace {
    constexpr double kSmoothingStep = 0.1;

    /// A grouping as a menu item: "Same Params Except seed", "By lr" (a param's name shown literally:
    /// control characters escaped, '&' not a mnemonic).
    QString groupingTitle(const QString& grouping)
    {
        QString param = visibleText(grouping.section(u':', 1));
        param.replace(u'&', QStringLiteral("&&"));
        return grouping.startsWith(QStringLiteral("except:")) ? ChartActions::tr("Same Params Except %1").arg(param)
                                                              : ChartActions::tr("By %1").arg(param);
    }
} // namespace

ChartActions::ChartActions(CompareView* compare, std::function<void()> showCompare, QWidget* parent)
    : QObject(parent)
    , m_compare(compare)
    , m_showCompare(std::move(showCompare))
    , m_menu(new QMenu(tr("C&harts"), parent))
    , m_groupMenu(new QMenu(tr("&Group Runs By"), parent))
    , m_groupChoices(new QActionGroup(this))
{
    m_menu->addMenu(m_groupMenu);
    connect(m_groupMenu, &QMenu::aboutToShow, this, &ChartActions::refreshGroupings);
    connect(m_compare, &CompareView::ready, this, &ChartActions::refreshGroupings);
    refreshGroupings();

    // Ctrl+G: the choices as a menu over the charts, the current one under the keyboard.
    QAction* choose = m_menu->addAction(tr("Group &Runs…"), this, [this] {
        m_showCompare();
        refreshGroupings();
        m_groupMenu->setActiveAction(m_groupChoices->checkedAction());
        m_groupMenu->popup(
            m_compare->mapToGlobal(m_compare->rect().center() - QPoint(100, 100)), m_groupChoices->checkedAction());
    });
    choose->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    setPaletteSynonyms(choose, { tr("seeds"), tr("mean"), tr("band"), tr("average"), tr("aggregate") });

    m_menu->addSeparator();
    QAction* more = m_menu->addAction(tr("&More Smoothing"), this, [this] { stepSmoothing(kSmoothingStep); });
    more->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_BracketRight));
    QAction* less = m_menu->addAction(tr("&Less Smoothing"), this, [this] { stepSmoothing(-kSmoothingStep); });
    less->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_BracketLeft));
    for (QAction* a : { more, less })
        setPaletteSynonyms(a, { tr("smooth"), tr("ema"), tr("noise"), tr("curves") });

    // Zoom and pan act on the chart the keyboard is on (else the first); the others follow it.
    m_menu->addSeparator();
    const auto onChart = [this](auto act) {
        return [this, act] {
            m_showCompare();
            const QList<MetricChart*> charts = m_compare->charts();
            if (charts.isEmpty())
                return;
            auto* focused = qobject_cast<MetricChart*>(QApplication::focusWidget());
            act(focused && charts.contains(focused) ? focused : charts.first());
        };
    };
    QAction* zoomIn
        = m_menu->addAction(tr("Zoom &In   (+ on a chart)"), this, onChart([](MetricChart* c) { c->zoomBy(0.5); }));
    QAction* zoomOut
        = m_menu->addAction(tr("Zoom &Out   (− on a chart)"), this, onChart([](MetricChart* c) { c->zoomBy(2); }));
    QAction* whole = m_menu->addAction(
        tr("Show &Whole Range   (Home on a chart)"), this, onChart([](MetricChart* c) { c->resetZoom(); }));
    for (QAction* a : { zoomIn, zoomOut, whole })
        setPaletteSynonyms(a, { tr("zoom"), tr("magnify"), tr("range"), tr("reset"), tr("x axis") });

    m_menu->addSeparator();
    QAction* pictures = m_menu->addAction(tr("&Export Charts…"), this, [this] {
        m_showCompare();
        m_compare->chooseExport(QStringLiteral("png"));
    });
    pictures->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    setPaletteSynonyms(pictures, { tr("save"), tr("png"), tr("svg"), tr("pdf"), tr("picture"), tr("image") });
    QAction* csv = m_menu->addAction(tr("Export Visible &Data as CSV…"), this, [this] {
        m_showCompare();
        m_compare->chooseExport(QStringLiteral("csv"));
    });
    csv->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_E));
    setPaletteSynonyms(csv, { tr("save"), tr("points"), tr("values"), tr("spreadsheet") });
    QAction* copy = m_menu->addAction(tr("&Copy Charts"), this, [this] {
        m_showCompare();
        m_compare->copyCharts();
    });
    copy->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    setPaletteSynonyms(copy, { tr("clipboard"), tr("picture"), tr("image") });
}

void ChartActions::refreshGroupings()
{
    QStringList choices = m_compare->groupings();
    if (choices.isEmpty())
        choices << QString(); // none, before any runs
    const QString current = m_compare->groupBy();
    QStringList shown;
    for (QAction* a : m_groupChoices->actions())
        shown << a->data().toString();
    if (shown == choices) {
        for (QAction* a : m_groupChoices->actions())
            a->setChecked(a->data().toString() == current);
        return;
    }
    for (QAction* a : m_groupChoices->actions()) {
        m_groupChoices->removeAction(a);
        delete a;
    }
    for (const QString& grouping : choices) {
        QAction* a = m_groupMenu->addAction(grouping.isEmpty() ? tr("&None") : groupingTitle(grouping));
        a->setData(grouping);
        a->setCheckable(true);
        a->setChecked(grouping == current);
        m_groupChoices->addAction(a);
        // Not "seed": "group seed" must find the seed groupings, not every choice (None first).
        setPaletteSynonyms(a, { tr("group"), tr("mean"), tr("band"), tr("aggregate") });
        connect(a, &QAction::triggered, this, [this, grouping] {
            m_showCompare();
            m_compare->setGroupBy(grouping);
        });
    }
}

void ChartActions::stepSmoothing(double by)
{
    m_showCompare();
    m_compare->setSmoothing(m_compare->smoothing() + by);
}

} // namespace reprise
