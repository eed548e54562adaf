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
/// becomes an undo step; a read-only source refuses with a message and changes nothing. An undo
/// step belongs to the database its change was written to: undo and redo write there even after
/// another source became current. When that database was closed or cannot be written, the undo
/// (redo) is refused with a message and the step stays where it was, to be undone later.
class RunActions : public QObject {
    Q_OBJECT
public:
    /// `source` names the database the given runs' changes go to (empty: they are in several, which
    /// a change refuses); `notes` gives a selected run's current notes.
    RunActions(RunBrowser* browser, std::function<QString(const QStringList&)> source,
        std::function<QString(const QString&)> notes, QObject* parent = nullptr);

    QUndoStack* undoStack() const { return m_undo; }
    /// Why a source cannot be changed from here (empty: it can), asked before every write.
    void setReadOnlyReason(std::function<QString(const QString&)> reason) { m_readOnlyReason = std::move(reason); }
    /// For the local copy of a team store: the store's location, where changes are written (the
    /// store decides whose runs may change); empty for a database file.
    void setTeamLocation(std::function<QString(const QString&)> location) { m_teamLocation = std::move(location); }
    /// Whether the source at a path is still open in the window (unset: every source is); asked
    /// before an undo or redo writes to the database its step belongs to.
    void setSourceOpen(std::function<bool(const QString&)> isOpen) { m_sourceOpen = std::move(isOpen); }
    /// The database the next undo (redo) writes to; empty when there is nothing to undo (redo).
    QString undoPath() const;
    QString redoPath() const;
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
    /// Writes the edits of step `serial` (an undo, or a redo of a step already written once) to
    /// the step's database `path`, off the GUI thread; when that fails, says so and puts the step back.
    void write(quint64 serial, const QString& path, const QString& text, const QList<RunEdit>& edits, bool undo);
    /// Moves the undo stack's index back over step `serial` without writing (its undo or redo failed).
    QString teamLocation(const QString& path) const;
    void restoreStep(quint64 serial, bool undone);
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
    std::function<QString(const QStringList&)> m_source;
    std::function<QString(const QString&)> m_notes;
    QUndoStack* m_undo;
    std::function<QString(const QString&)> m_readOnlyReason;
    std::function<bool(const QString&)> m_sourceOpen;
    std::function<QString(const QString&)> m_teamLocation;
    quint64 m_serial = 0; ///< of the last undo step pushed
    bool m_restoring = false; ///< moving the stack's index back: the steps write nothing
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
