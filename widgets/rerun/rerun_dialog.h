#pragma once

#include "launch/rerun_draft.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QVBoxLayout;

namespace reprise {

/// The rerun draft, shown in full before anything executes: the command (an argv vector, shown
/// shell-quoted), working dir, code version and how it will be checked out, the environment
/// overrides (those that change which code runs highlighted), and the params, editable. Problems
/// that stop the rerun are listed with a way forward (choose a directory, run in place). A draft
/// from an untrusted (shared) database needs the confirmation box ticked before Run is enabled.
/// Rechecking after a change (git: commit present, patch applies) runs on a worker thread.
class RerunDialog : public QDialog {
    Q_OBJECT
public:
    RerunDialog(const RerunDraft& draft, const QList<DraftProblem>& problems, QWidget* parent = nullptr);

    /// The draft with the user's edits (params, mode, working dir).
    RerunDraft draft() const;
    QList<DraftProblem> problems() const { return m_problems; }
    bool isChecking() const { return m_checking; }

    QPushButton* runButton() const { return m_run; }
    QCheckBox* confirmation() const { return m_confirm; }
    QTableWidget* paramsTable() const { return m_params; }
    /// Columns: Apply (checkable), Variable, Value.
    QTableWidget* environmentTable() const { return m_environment; }
    /// The recorded patch in full, as shown (visible when expanded, or at once from an untrusted source).
    QPlainTextEdit* patchView() const { return m_patch; }
    QString patchSummaryText() const;
    QComboBox* modeChooser() const { return m_mode; }
    QString commandText() const;
    QString problemText() const;
    /// Uses `directory` as working dir (what "Choose…" does after its file dialog).
    void chooseDirectory(const QString& directory);
    /// For a draft whose code is fixed by where it comes from (a reproduction bundle: its commit and
    /// patch, unpacked into a fresh folder when it runs): `choice` is the one code choice shown,
    /// `summary` replaces the code summary, the code mode and working dir cannot be changed, and the
    /// patch is said to be applied.
    void setCodeFixed(const QString& choice, const QString& summary);
    bool isCodeFixed() const { return !m_fixedCode.isEmpty(); }

Q_SIGNALS:
    /// A recheck finished and the dialog shows its result.
    void checked();

private:
    void fill();
    void fillProblems();
    void fillPatch();
    void recheck(const QString& directory = {});
    void updateRunButton();
    void onParamEdited(int row);

    RerunDraft m_draft;
    QList<DraftProblem> m_problems;
    QString m_fixedCode; ///< setCodeFixed()'s summary; empty: the code follows the mode chooser
    bool m_checking = false;
    quint64 m_generation = 0;

    QLabel* m_title;
    QLabel* m_untrusted;
    QCheckBox* m_confirm;
    QPlainTextEdit* m_command;
    QLineEdit* m_workingDir;
    QPushButton* m_chooseDir;
    QComboBox* m_mode;
    QLabel* m_code;
    QLabel* m_target;
    QLabel* m_patchSummary;
    QPushButton* m_showPatch;
    QPlainTextEdit* m_patch;
    QTableWidget* m_environment;
    QTableWidget* m_params;
    QPushButton* m_resetParams;
    QWidget* m_problemBox;
    QVBoxLayout* m_problemLayout;
    QPushButton* m_run;
};

} // namespace reprise
