#pragma once

#include "analysis/reproduction_report.h"

#include <QHash>
#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTimer;

namespace reprise {

class RerunQueue;
class ReportView;

/// The Reruns tab: the queue (queued, running, done, failed, cancelled), the selected rerun's live
/// log (stdout, stderr in red), its elapsed time and state, Cancel, and below the reproduction
/// report against the original once it ended. A report of any two runs can be shown too.
class RerunPanel : public QWidget {
    Q_OBJECT
public:
    explicit RerunPanel(RerunQueue* queue, QWidget* parent = nullptr);

    /// Shows the report of two runs compared on request (no rerun involved).
    void showReport(const ReproductionReport& report);
    void showReportMessage(const QString& message);
    /// Selects a job in the queue list and shows its log and report.
    void selectJob(int jobId);

    ReportView* reportView() const { return m_report; }
    QListWidget* jobList() const { return m_jobs; }
    QPushButton* cancelButton() const { return m_cancel; }
    QString logText() const;
    QString statusText() const;
    int selectedJob() const { return m_selected; }

private:
    void onJobChanged(int jobId);
    void onOutput(int jobId, bool isError, const QString& text);
    void updateStatus();
    void showJob(int jobId);
    void appendToLog(bool isError, const QString& text);

    RerunQueue* m_queue;
    QListWidget* m_jobs;
    QPlainTextEdit* m_log;
    QLabel* m_status;
    QPushButton* m_cancel;
    ReportView* m_report;
    QTimer* m_clock;
    QHash<int, QList<QPair<bool, QString>>> m_chunks; ///< job -> its output (isError, text), the tail kept
    QHash<int, qsizetype> m_logSize;
    int m_selected = 0;
};

} // namespace reprise
