#pragma once

#include "sweep/sweep_plan.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace reprise {

/// Runs ▸ Sweep…: the rerun draft of one run (command, working dir, code, environment, as the rerun
/// dialog shows it, read-only here) and, per param, what to sweep: a list of values `V1,V2,…` (a
/// grid axis: every combination of the grid axes runs) or a distribution `uniform:A:B`,
/// `loguniform:A:B`, `choice:V1,V2` (drawn `samples` times per grid point from `seed`). The members
/// are previewed with their count as the user types; Run stays disabled while the spec has an
/// error, the draft a problem, a sweep over 1,000 members is unconfirmed, or an untrusted source's
/// confirmation box is unticked. Accepting leaves plan() and parallel() to the caller, which queues
/// the members (SweepRunner). All text from the database is shown as plain text.
class SweepDialog : public QDialog {
    Q_OBJECT
public:
    /// `base` as makeRerunDraft() and setTrust() made it, `problems` as checkRerunDraft() found them.
    SweepDialog(const RerunDraft& base, const QList<DraftProblem>& problems, QWidget* parent = nullptr);

    /// The sweep as set up (a new id each dialog), with its members; empty members while invalid.
    SweepPlan plan() const { return m_plan; }
    int parallel() const;
    /// Whether the spec parses and expands, and the count is known.
    bool isValid() const { return m_valid; }
    /// What is wrong with the spec, or empty.
    QString errorText() const;
    QString countText() const;

    /// Sets what param `key` sweeps (as typed in its row): "" not swept, "1,2,3", "uniform:0:1"…
    void setSweep(const QString& key, const QString& text);
    void setSamples(int samples);
    void setSeed(int seed);
    void setParallel(int parallel);

    QPushButton* runButton() const { return m_run; }
    QCheckBox* largeConfirmation() const { return m_confirmLarge; }
    QCheckBox* trustConfirmation() const { return m_confirmTrust; }
    /// Columns: Param, Recorded, Sweep (editable).
    QTableWidget* paramsTable() const { return m_params; }
    /// The first members: #, then one column per swept param.
    QTableWidget* membersTable() const { return m_members; }
    QComboBox* modeChooser() const { return m_mode; }
    QString commandText() const;

    /// At most this many members are listed in the preview (the count covers them all).
    static constexpr int kPreviewRows = 200;

private:
    void update();
    void updateRunButton();

    RerunDraft m_base;
    QList<DraftProblem> m_problems;
    SweepPlan m_plan;
    bool m_valid = false;
    bool m_filling = false;
    quint64 m_generation = 0;

    QPlainTextEdit* m_command;
    QLabel* m_code;
    QLabel* m_untrusted;
    QCheckBox* m_confirmTrust;
    QLabel* m_problemLabel;
    QTableWidget* m_params;
    QSpinBox* m_samples;
    QSpinBox* m_seed;
    QSpinBox* m_parallel;
    QComboBox* m_mode;
    QLabel* m_count;
    QLabel* m_error;
    QCheckBox* m_confirmLarge;
    QTableWidget* m_members;
    QPushButton* m_run;
};

} // namespace reprise
