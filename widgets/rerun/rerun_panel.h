#pragma once

#include "analysis/reproduction_report.h"

#include <QHash>
#include <QSet>
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
    /// Lines of output the log shows at most: the newest ones (the full output is in the run's record).
    static constexpr int kMaxLogLines = 10000;

    explicit RerunPanel(RerunQueue* queue, QWidget* parent = nullptr);

    /// Shows the report of two runs compared on request (no rerun involved).
    void showReport(const ReproductionReport& report);
    void showReportMessage(const QString& message);
    /// Selects a job in the queue list and shows its log and report.
    void selectJob(int jobId);
    /// Shows a sweep's progress (its members, Cancel) below the queue; the panel owns `view`.
    void addSweep(QWidget* view);

    ReportView* reportView() const { return m_report; }
    QListWidget* jobList() const { return m_jobs; }
    QPushButton* cancelButton() const { return m_cancel; }
    QString logText() const;
    /// Lines (blocks) the log holds now; at most kMaxLogLines.
    int logLineCount() const;
    /// Says that earlier lines were dropped from the log (empty while none were).
    QString logNotice() const;
    QString statusText() const;
    int selectedJob() const { return m_selected; }

private:
    void onJobChanged(int jobId);
    void onOutput(int jobId, bool isError, const QString& text);
    void updateStatus();
    void showJob(int jobId);
    void appendToLog(bool isError, const QString& text);
    void updateLogNotice();

    RerunQueue* m_queue;
    QListWidget* m_jobs;
    QWidget* m_sweeps = nullptr;
    QPlainTextEdit* m_log;
    QLabel* m_logNotice;
    QLabel* m_status;
    QPushButton* m_cancel;
    ReportView* m_report;
    QTimer* m_clock;
    QHash<int, QList<QPair<bool, QString>>> m_chunks; ///< job -> its output (isError, text), the tail kept
    QHash<int, qsizetype> m_logSize;
    QSet<int> m_chunksDropped; ///< jobs whose oldest output chunks were dropped from m_chunks
    qsizetype m_logLines = 0; ///< line breaks written into the log since it last showed another job
    int m_selected = 0;
};

} // namespace reprise
