#pragma once

#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <functional>

class QAction;
class QWidget;

namespace reprise {

class RerunDialog;

/// Runs ▸ Export Reproduction Bundle… and File ▸ Open a Bundle…: the window's side of `reprise bundle`
/// and `reprise rerun --bundle`. Bundles are written and read on a worker thread. A bundle's rerun is
/// shown in the rerun draft dialog (command, working dir, code, environment, patch, params, where it
/// is recorded; untrusted, so it needs the confirmation ticked) and starts only once the user runs
/// it, as `reprise rerun --bundle FILE --yes` (with the params edited and variables allowed in the
/// dialog), which records it in the background with the bundled run imported first as its parent.
class BundleActions : public QObject {
    Q_OBJECT
public:
    /// `selectedRuns` gives the selected run ids; `database` the database they are in (and reruns go
    /// to, when it is a database of the user's that can be written; else the default database).
    BundleActions(QWidget* window, std::function<QStringList()> selectedRuns, std::function<QString()> database);
    QAction* exportAction() const { return m_export; }
    QAction* openAction() const { return m_open; }
    /// The `reprise` executable a bundle's rerun is started with; this program unless set.
    void setProgram(const QString& program) { m_program = program; }

    /// Writes the bundle of `runId` of `database` to `file` on a worker; says how it went in
    /// message() and exported(). What Export Reproduction Bundle… does after its file dialog.
    void exportBundle(const QString& database, const QString& runId, const QString& file);
    /// Reads `file` on a worker and shows its rerun's draft (or why it was refused). What Open a
    /// Bundle… does after its file dialog.
    void openBundle(const QString& file);
    /// The draft on screen, if any.
    RerunDialog* dialog() const { return m_dialog; }

Q_SIGNALS:
    /// A line for the status bar (plain text).
    void message(const QString& text);
    /// A bundle was written to `file`, or not (`error` says why).
    void exported(const QString& file, const QString& error);
    /// The draft of a bundle's rerun is shown (window-modal; deleted when closed).
    void dialogShown(RerunDialog* dialog);
    /// The bundle could not be opened (plain text, shown in a message box).
    void refused(const QString& error);
    /// The rerun from a bundle started in the background as run `runId`, or did not (`error`).
    void rerunStarted(const QString& runId, const QString& error);

private:
    void chooseAndExport();
    void chooseAndOpen();
    /// Starts `reprise rerun --bundle` for the confirmed draft of `dialog`.
    void startRerun(
        const QString& file, const QString& target, const RerunDialog& dialog, const QSet<QString>& heldBackAtFirst);

    QWidget* m_window;
    std::function<QStringList()> m_selectedRuns;
    std::function<QString()> m_database;
    QString m_program;
    QAction* m_export;
    QAction* m_open;
    QPointer<RerunDialog> m_dialog;
};

} // namespace reprise
