#pragma once

#include <QObject>
#include <functional>

class QAction;
class QActionGroup;
class QMenu;
class QWidget;

namespace reprise {

class CompareView;

/// The Charts menu: what the compare view's controls do, on keys and in the command palette, so the
/// charts are used without the mouse. Group Runs By (Ctrl+G pops the choices up over the charts; each
/// choice is also a palette entry, "group seed"), More/Less Smoothing (Ctrl+] / Ctrl+[), Zoom In / Out and
/// Show Whole Range (on the focused chart, else the first; + / − / Home on a chart), Export Charts…
/// (Ctrl+Shift+E: format, size, then where), Export Visible Data as CSV… (Ctrl+Alt+E), Copy Charts
/// (Ctrl+Shift+C). Each brings the Compare tab to the front first.
class ChartActions : public QObject {
    Q_OBJECT
public:
    /// `showCompare` brings the Compare tab (and its charts) to the front.
    ChartActions(CompareView* compare, std::function<void()> showCompare, QWidget* parent);

    QMenu* menu() const { return m_menu; }
    QMenu* groupMenu() const { return m_groupMenu; }
    /// Fills Group Runs By with the groupings the compared runs offer, the current one checked.
    void refreshGroupings();

private:
    void stepSmoothing(double by);

    CompareView* m_compare;
    std::function<void()> m_showCompare;
    QMenu* m_menu;
    QMenu* m_groupMenu;
    QActionGroup* m_groupChoices;
};

} // namespace reprise
