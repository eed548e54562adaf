#pragma once

#include "store/run_types.h"

#include <QWidget>

class QCheckBox;
class QTableWidget;

namespace reprise {

/// The Params page of the compare view: the runs side by side (the commit first, then every param),
/// rows whose values differ highlighted and bold; "only differences" hides the others.
class ParamsPage : public QWidget {
    Q_OBJECT
public:
    explicit ParamsPage(QWidget* parent = nullptr);

    void setRuns(const QList<RunRecord>& runs);
    void setOnlyDifferences(bool only);
    QTableWidget* table() const { return m_table; }

private:
    void fill();

    QList<RunRecord> m_runs;
    bool m_onlyDifferences = false;
    QCheckBox* m_onlyDifferencesBox;
    QTableWidget* m_table;
};

} // namespace reprise
