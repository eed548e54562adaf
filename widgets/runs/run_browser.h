#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QTableView;

namespace reprise {

class RunTableModel;
class RunFilterProxy;

/// The run table with its filter bar. Owns the model and proxy; shows filter errors inline
/// under the bar. Emits the selected run ids whenever the selection changes.
class RunBrowser : public QWidget {
    Q_OBJECT
public:
    explicit RunBrowser(QWidget* parent = nullptr);

    RunTableModel* model() const { return m_model; }
    RunFilterProxy* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    /// Uuids of the selected runs, in view order.
    QStringList selectedRunIds() const;

Q_SIGNALS:
    void selectionChanged(const QStringList& runIds);

private:
    void applyFilter();

    RunTableModel* m_model;
    RunFilterProxy* m_proxy;
    QLineEdit* m_filter;
    QLabel* m_filterError;
    QTableView* m_view;
};

} // namespace reprise
