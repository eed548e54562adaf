#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace reprise {

class SweepRunner;

/// A running sweep as one item: its id and swept params, progress (done / failed / running /
/// queued / cancelled), Cancel (queued members never start, running ones are killed), and its
/// members with their params, state and run id. Follows the runner's signals; GUI thread.
class SweepProgressView : public QWidget {
    Q_OBJECT
public:
    /// Follows `runner` while it lives (its owner may destroy it first: the view then keeps its last state).
    explicit SweepProgressView(SweepRunner* runner, QWidget* parent = nullptr);

    SweepRunner* runner() const { return m_runner.data(); }
    /// "Sweep 1a2b3c4d5e6f (lr, seed): 3 done, 2 running, 4 queued".
    QString summaryText() const;
    QProgressBar* progressBar() const { return m_progress; }
    QPushButton* cancelButton() const { return m_cancel; }
    /// Columns: #, params, state, run.
    QTableWidget* membersTable() const { return m_members; }

Q_SIGNALS:
    /// A member's run was recorded (the run table can show it now).
    void runRecorded(const QString& runId);
    /// Every member ended.
    void finished();

private:
    void updateMember(int index);
    void updateSummary();

    QPointer<SweepRunner> m_runner;
    QLabel* m_summary;
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QTableWidget* m_members;
};

} // namespace reprise
