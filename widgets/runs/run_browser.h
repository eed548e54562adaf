#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QTableView;

namespace reprise {

class RunTableModel;
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
    QTableView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    /// The inline filter error, empty when the filter is valid.
    QString filterError() const;

    /// Uuids of the selected runs, in view order.
    QStringList selectedRunIds() const;
    /// Selects exactly the runs with these ids (full ids or prefixes) that are visible.
    void selectRunIds(const QStringList& ids);
    /// The run at the top of the visible area, to scroll back to after a reload.
    QString topVisibleRunId() const;
    void scrollToRunId(const QString& id);

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
    void applyFilter();
    void applyHiddenColumns();
    void showColumnMenu(const QPoint& position);

    RunTableModel* m_model;
    RunFilterProxy* m_proxy;
    QLineEdit* m_filter;
    QLabel* m_filterError;
    QTableView* m_view;
    QStringList m_hidden;
};

} // namespace reprise
