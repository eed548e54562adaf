#pragma once

#include "sweep/sweep_dialog.h"
#include "sweep/sweep_progress.h"
#include "sweep/sweep_runner.h"

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <functional>

class QAction;
class QWidget;

namespace reprise {

/// Sweeps from the window: Runs ▸ Sweep… (also for the run table's context menu) reads the one
/// selected run and checks its rerun draft on a worker thread, shows the sweep dialog, and once
/// Run Sweep is pressed starts a SweepRunner and hands the window a progress view of it (for the
/// Reruns tab). A database that cannot be written records the members in `defaultDatabase`; one
/// the window shows from a copy (sharedName non-empty) is untrusted and records them there too.
class SweepActions : public QObject {
    Q_OBJECT
public:
    /// `sourceOf` names the database a run is read from.
    SweepActions(std::function<QString(const QString&)> sourceOf, const QString& defaultDatabase, QWidget* dialogParent,
        QObject* parent = nullptr);
    ~SweepActions() override;
    /// For a database shown from a copy (a team store, another tracker's data): its name for people.
    void setSharedName(std::function<QString(const QString&)> name) { m_sharedName = std::move(name); }

    /// "Sweep…": enabled when exactly one run is selected.
    QAction* sweepAction() const { return m_action; }
    /// The browser's selection (connect RunBrowser::selectionChanged here).
    void setSelectedRuns(const QStringList& runIds);
    /// Opens the dialog for `runId` (after its draft is read and checked off the GUI thread).
    void sweep(const QString& runId);
    SweepDialog* dialog() const { return m_dialog; }
    bool isLoading() const { return m_loading; }
    /// Sweeps started from here, oldest first (running or ended).
    QList<SweepRunner*> runners() const;

Q_SIGNALS:
    void dialogShown(reprise::SweepDialog* dialog);
    /// A sweep started: `view` has no parent yet; the window places it (the Reruns tab) and owns it.
    void sweepStarted(reprise::SweepProgressView* view);
    /// A member's run was recorded in `database`: the run table may reload.
    void runRecorded(const QString& database, const QString& runId);
    /// Every member of sweep `sweepId` ended (done, failed or cancelled).
    void sweepFinished(const QString& sweepId);
    /// The run could not be read: for the window's banner.
    void failed(const QString& message);

private:
    std::function<QString(const QString&)> m_sourceOf;
    std::function<QString(const QString&)> m_sharedName;
    QString m_defaultDatabase;
    QWidget* m_dialogParent;
    QAction* m_action;
    QStringList m_selected;
    QPointer<SweepDialog> m_dialog;
    QList<QPointer<SweepRunner>> m_runners;
    bool m_loading = false;
    quint64 m_generation = 0;
};

} // namespace reprise
