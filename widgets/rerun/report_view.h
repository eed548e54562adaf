#pragma once

#include "analysis/reproduction_report.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace reprise {

/// A reproduction report: the verdict in a coloured banner with its reason, what differed in the
/// inputs (code, data, environment, params, outcome), every metric compared (final values, largest
/// difference, where it parts) and which artifacts are bit-identical.
class ReportView : public QWidget {
    Q_OBJECT
public:
    explicit ReportView(QWidget* parent = nullptr);

    void setReport(const ReproductionReport& report);
    /// No report: shows `message` instead.
    void clear(const QString& message);

    QString verdictText() const;
    QTableWidget* differencesTable() const { return m_differences; }
    QTableWidget* metricsTable() const { return m_metrics; }
    QString artifactsText() const;

private:
    QLabel* m_verdict;
    QLabel* m_runs;
    QTableWidget* m_differences;
    QTableWidget* m_metrics;
    QLabel* m_artifacts;
};

} // namespace reprise
