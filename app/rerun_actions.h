#pragma once

#include "analysis/reproduction_report.h"
#include "launch/rerun_draft.h"
#include "rerun/rerun_dialog.h"

#include <QObject>
#include <QPointer>
#include <functional>

class QAction;
class QWidget;

namespace reprise {

class RerunPanel;
class RerunQueue;
class RunBrowser;

/// Reruns from the GUI: Runs ▸ Rerun… (Ctrl+R, also in the run table's context menu) reads the
/// selected run and checks its draft on a worker thread, then shows the draft dialog; Run queues
/// it. Runs ▸ Verify Reproduction (Ctrl+Shift+R) reports on two selected runs — or on one rerun
/// against its parent — computed on a worker thread and shown in the Reruns tab.
class RerunActions : public QObject {
    Q_OBJECT
public:
    /// `sourceOf` names the database a run is read from; `showPanel` brings the Reruns tab to the front.
    RerunActions(RunBrowser* browser, RerunPanel* panel, RerunQueue* queue,
        std::function<QString(const QString&)> sourceOf, std::function<void()> showPanel, QWidget* dialogParent);
    /// For a database shown from a copy (a team store, another tracker's data): its name for people;
    /// empty for the user's own databases. Reruns of such runs are recorded in the user's database
    /// and need confirmation unless the user recorded the original.
    void setSharedName(std::function<QString(const QString&)> name) { m_sharedName = std::move(name); }
    /// For the copy of a team store: the store's location (a rerun of its runs is synced back to it).
    void setTeamLocation(std::function<QString(const QString&)> location) { m_teamLocation = std::move(location); }
    /// The open databases, where a rerun's original recorded elsewhere is looked for.
    void setOpenSources(std::function<QStringList()> sources) { m_openSources = std::move(sources); }

    QAction* rerunAction() const { return m_rerun; }
    QAction* verifyAction() const { return m_verify; }
    /// The draft dialog on screen (nullptr when none).
    RerunDialog* dialog() const { return m_dialog; }
    bool isLoading() const { return m_loading; }

    void rerun(const QString& runId);
    void verify(const QStringList& runIds);

Q_SIGNALS:
    /// The draft dialog is on screen.
    void dialogShown(reprise::RerunDialog* dialog);
    /// A verify report is shown (or its failure message).
    void verified();
    /// Something could not be read or started: for the window's banner.
    void failed(const QString& message);

private:
    void updateEnabled();

    RunBrowser* m_browser;
    RerunPanel* m_panel;
    RerunQueue* m_queue;
    std::function<QString(const QString&)> m_sourceOf;
    std::function<QString(const QString&)> m_sharedName;
    std::function<QString(const QString&)> m_teamLocation;
    std::function<QStringList()> m_openSources;
    std::function<void()> m_showPanel;
    QWidget* m_dialogParent;
    QAction* m_rerun;
    QAction* m_verify;
    QPointer<RerunDialog> m_dialog;
    bool m_loading = false;
    quint64 m_draftGeneration = 0;
    quint64 m_verifyGeneration = 0;
};

} // namespace reprise
