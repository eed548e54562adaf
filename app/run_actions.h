#pragma once

#include "result.h"
#include "store/run_edits.h"
#include "store/run_table.h"

#include <QObject>
#include <QThreadPool>
#include <functional>

class QAction;
class QMenu;
class QUndoStack;

namespace reprise {

class RunBrowser;

/// Run management from the GUI: rename (F2, in place), star, tag, note, archive and restore, copy
/// as TSV, show archived runs; every change goes into an undo stack (Ctrl+Z / Ctrl+Shift+Z).
/// Changes are written to the current source on a worker thread, and only a change that was written
/// becomes an undo step; a read-only source refuses with a message and changes nothing.
class RunActions : public QObject {
    Q_OBJECT
public:
    /// `source` names the database changes go to; `notes` gives a selected run's current notes.
    RunActions(RunBrowser* browser, std::function<QString()> source, std::function<QString(const QString&)> notes,
        QObject* parent = nullptr);

    QUndoStack* undoStack() const { return m_undo; }
    /// Why a source cannot be changed from here (empty: it can), asked before every write.
    void setReadOnlyReason(std::function<QString(const QString&)> reason) { m_readOnlyReason = std::move(reason); }
    /// The actions on runs, for a menu, the browser's context menu and the command palette.
    QList<QAction*> actions() const { return m_actions; }
    QAction* undoAction() const { return m_undoAction; }
    QAction* redoAction() const { return m_redoAction; }

    /// The same as the actions, without dialogs (tests, scripts).
    void rename(const QString& runId, const QString& name);
    void setStarred(const QStringList& runIds, bool starred);
    void setArchived(const QStringList& runIds, bool archived);
    void setTag(const QStringList& runIds, const QString& key, const QString& value);
    void setNotes(const QString& runId, const QString& notes);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

Q_SIGNALS:
    /// A change (or its undo) reached the database: the source should reload.
    void written();
    /// A change could not be written; nothing changed.
    void refused(const QString& message);

private:
    friend class RunEditCommand;
    /// Writes `after` off the GUI thread; on success pushes an undo step that restores `before`.
    void perform(const QString& text, const QList<RunEdit>& before, const QList<RunEdit>& after);
    /// Writes edits off the GUI thread (an undo or redo of a step already written once).
    void write(const QList<RunEdit>& edits);
    /// Says why `path` cannot be changed (refused()) and returns true, or returns false.
    bool refusedFor(const QString& path);
    /// Sets a yes/no field (starred, archived) of the runs, remembering each run's old value.
    void setFlag(const QStringList& runIds, RunEdit::Field field, std::vector<std::uint8_t> RunTable::*column, bool on,
        const QString& text);
    void updateEnabled();
    /// Snapshot rows of the runs (-1 for a run not in it), in the order given.
    std::vector<int> rowsOf(const QStringList& runIds) const;
    void askTag();
    void askNotes();
    void copySelection();

    RunBrowser* m_browser;
    std::function<QString()> m_source;
    std::function<QString(const QString&)> m_notes;
    QUndoStack* m_undo;
    std::function<QString(const QString&)> m_readOnlyReason;
    QThreadPool m_writer;
    QAction* m_undoAction;
    QAction* m_redoAction;
    QList<QAction*> m_actions;
    QAction* m_rename;
    QAction* m_star;
    QAction* m_tag;
    QAction* m_note;
    QAction* m_archive;
    QAction* m_restore;
    QAction* m_copy;
    QAction* m_showArchived;
};

} // namespace reprise
