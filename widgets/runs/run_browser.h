#pragma once

#include <QTableView>
#include <QWidget>
#include <set>

class QAction;
class QHBoxLayout;
class QLabel;
class QLineEdit;

namespace reprise {

class RunTableModel;

/// The run table: a QTableView that says whether a cell is being edited (a reload would close the
/// editor and lose the text being typed).
class RunTableView : public QTableView {
    Q_OBJECT
public:
    using QTableView::QTableView;
    bool isEditing() const { return state() == EditingState; }
};
class RunFilterProxy;

/// The run table with its filter bar. Owns the model and proxy; shows filter errors inline under
/// the bar; lets the user choose columns (header context menu). Emits the selected run ids
/// whenever the selection changes.
class RunBrowser : public QWidget {
    Q_OBJECT
public:
    explicit RunBrowser(QWidget* parent = nullptr);

    RunTableModel* model() const { return m_model; }
    RunFilterProxy* proxy() const { return m_proxy; }
    RunTableView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    /// The inline filter error, empty when the filter is valid.
    QString filterError() const;

    /// Uuids of the selected runs, in view order.
    QStringList selectedRunIds() const;
    /// The selected runs as tab-separated text: a header of the shown columns, then one line per
    /// run in view order, cells as displayed (tabs and newlines inside cells become spaces).
    QString selectionAsTsv() const;
    /// Selects exactly the runs with these ids (full ids or prefixes) that are visible.
    void selectRunIds(const QStringList& ids);
    /// The run at the top of the visible area, to scroll back to after a reload.
    QString topVisibleRunId() const;
    void scrollToRunId(const QString& id);

    /// Puts a button for `action` beside the filter bar (e.g. Rerun): it follows the action's
    /// text, tooltip and enabled state.
    void addBarButton(QAction* action);

    /// Column identities ("attr:Name", "param:lr", "metric:val/acc") the user has hidden.
    QStringList hiddenColumns() const { return m_hidden; }
    void setHiddenColumns(const QStringList& keys);
    /// The identity of a model column, stable across snapshots.
    QString columnId(int column) const;

Q_SIGNALS:
    void selectionChanged(const QStringList& runIds);
    /// The user showed or hid a column.
    void columnsChanged();

private:
    /// Proxy rows with a selected cell, in view order.
    std::set<int> selectedRows() const;
    void applyFilter();
    void applyHiddenColumns();
    void showColumnMenu(const QPoint& position);

    RunTableModel* m_model;
    RunFilterProxy* m_proxy;
    QLineEdit* m_filter;
    QLabel* m_filterError;
    QHBoxLayout* m_bar; ///< the filter bar and its buttons
    RunTableView* m_view;
    QStringList m_hidden;
};

} // namespace reprise
