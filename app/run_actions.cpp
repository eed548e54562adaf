#include "run_actions.h"

#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"
#include "team/team_edits.h"
#include "text/display_text.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFileInfo>
#include <QInputDialog>
#include <QKeyEvent>
#include <QMenu>
#include <QTableView>
#include <QUndoStack>
#include <QtConcurrent>

namespace reprise {

namespace {

    /// Database text inside a menu item (Edit ▸ Undo "Rename …"): visible, and `&` shown as itself
    /// rather than taken for a keyboard mnemonic.
    QString menuText(const QString& text) { return visibleText(text).replace(u'&', QStringLiteral("&&")); }

} // namespace

/// An undo step: the edits that were written, and the edits that restore what was there before,
/// bound to the database they were written to (not to whichever source is current when the user
/// undoes). Pushed only after `after` was written, so its first redo() writes nothing.
class RunEditCommand : public QUndoCommand {
public:
    RunEditCommand(RunActions* actions, quint64 serial, const QString& path, const QString& text, QList<RunEdit> before,
        QList<RunEdit> after)
        : QUndoCommand(text)
        , m_actions(actions)
        , m_serial(serial)
        , m_path(path)
        , m_before(std::move(before))
        , m_after(std::move(after))
    {
    }
    void undo() override
    {
        if (!m_actions->m_restoring)
            m_actions->write(m_serial, m_path, text(), m_before, true);
    }
    void redo() override
    {
        if (!std::exchange(m_firstRedo, false) && !m_actions->m_restoring)
            m_actions->write(m_serial, m_path, text(), m_after, false);
    }
    quint64 serial() const { return m_serial; }
    const QString& path() const { return m_path; }

private:
    RunActions* m_actions;
    quint64 m_serial;
    QString m_path;
    QList<RunEdit> m_before, m_after;
    bool m_firstRedo = true;
};

namespace {

    QString flag(bool on) { return on ? QStringLiteral("1") : QStringLiteral("0"); }

} // namespace

RunActions::RunActions(RunBrowser* browser, std::function<QString(const QStringList&)> source,
    std::function<QString(const QString&)> notes, QObject* parent)
    : QObject(parent)
    , m_browser(browser)
    , m_source(std::move(source))
    , m_notes(std::move(notes))
    , m_undo(new QUndoStack(this))
{
    // One writer thread: an undo followed quickly by a redo must reach the database in that order.
    m_writer.setMaxThreadCount(1);
    m_undoAction = m_undo->createUndoAction(this, tr("&Undo"));
    m_undoAction->setShortcuts(QKeySequence::Undo);
    m_redoAction = m_undo->createRedoAction(this, tr("&Redo"));
    m_redoAction->setShortcuts(QKeySequence::Redo); // all bindings: Ctrl+Y and Ctrl+Shift+Z

    QTableView* view = m_browser->view();
    auto add = [&](const QString& text, const QKeySequence& key, const QString& tip, auto slot) {
        auto* action = new QAction(text, this);
        action->setShortcut(key);
        action->setToolTip(tip);
        // Keys like Delete, F2 and Ctrl+C belong to the run table only: in the filter bar they
        // keep their text-editing meaning.
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        view->addAction(action);
        connect(action, &QAction::triggered, this, slot);
        m_actions << action;
        return action;
    };
    m_rename = add(tr("&Rename"), Qt::Key_F2, tr("Rename the run in place"), [this] {
        const QModelIndex current = m_browser->view()->currentIndex();
        if (current.isValid())
            m_browser->view()->edit(current.siblingAtColumn(RunTableModel::NameColumn));
    });
    m_star = add(tr("&Star"), QKeySequence(Qt::CTRL | Qt::Key_D), tr("Star or unstar the selected runs"), [this] {
        const QStringList ids = m_browser->selectedRunIds();
        const auto& table = m_browser->model()->runs();
        const auto rows = rowsOf(ids);
        const bool allStarred = table && !ids.isEmpty()
            && std::all_of(rows.begin(), rows.end(), [&](int row) { return row >= 0 && table->starred[size_t(row)]; });
        setStarred(ids, !allStarred);
    });
    m_tag = add(tr("&Tag…"), QKeySequence(Qt::CTRL | Qt::Key_T), tr("Set a tag (key=value) on the selected runs"),
        [this] { askTag(); });
    m_note
        = add(tr("&Note…"), QKeySequence(Qt::CTRL | Qt::Key_E), tr("Write a note on the run"), [this] { askNotes(); });
    m_archive = add(tr("&Archive"), QKeySequence::Delete, tr("Hide the selected runs (Ctrl+Z brings them back)"),
        [this] { setArchived(m_browser->selectedRunIds(), true); });
    m_restore = add(tr("Re&store"), QKeySequence(Qt::SHIFT | Qt::Key_Delete), tr("Bring archived runs back"),
        [this] { setArchived(m_browser->selectedRunIds(), false); });
    m_copy = add(tr("&Copy as TSV"), QKeySequence::Copy,
        tr("Copy the selected runs' shown columns as tab-separated text"), [this] { copySelection(); });
    m_showArchived = new QAction(tr("Show &Archived Runs"), this);
    m_showArchived->setCheckable(true);
    connect(m_showArchived, &QAction::toggled, m_browser->proxy(), &RunFilterProxy::setShowArchived);
    m_actions << m_showArchived;

    // QTableView copies just the current cell on Ctrl+C before any shortcut sees the key: take
    // the key here so Ctrl+C copies the selected runs.
    view->installEventFilter(this);
    connect(m_browser->model(), &RunTableModel::renameRequested, this, &RunActions::rename);
    connect(m_browser, &RunBrowser::selectionChanged, this, &RunActions::updateEnabled);
    updateEnabled();
}

std::vector<int> RunActions::rowsOf(const QStringList& runIds) const
{
    // One pass over the snapshot for the whole selection (it may be most of 100,000 runs).
    std::vector<int> rows(std::size_t(runIds.size()), -1);
    const auto& table = m_browser->model()->runs();
    if (!table)
        return rows;
    QHash<QString, qsizetype> wanted;
    for (qsizetype i = 0; i < runIds.size(); ++i)
        wanted.insert(runIds[i], i);
    for (std::size_t row = 0; row < table->uuids.size(); ++row) {
        const auto it = wanted.constFind(table->uuids[row]);
        if (it != wanted.constEnd())
            rows[std::size_t(*it)] = int(row);
    }
    return rows;
}

bool RunActions::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_browser->view() && event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent*>(event)->matches(QKeySequence::Copy)) {
        copySelection();
        return true;
    }
    return QObject::eventFilter(watched, event);
}

void RunActions::updateEnabled()
{
    const int selected = int(m_browser->selectedRunIds().size());
    for (QAction* a : { m_star, m_tag, m_archive, m_restore, m_copy })
        a->setEnabled(selected > 0);
    m_rename->setEnabled(selected == 1);
    m_note->setEnabled(selected == 1);
}

bool RunActions::refusedFor(const QString& path)
{
    const QString reason = m_readOnlyReason ? m_readOnlyReason(path) : QString();
    if (!reason.isEmpty())
        Q_EMIT refused(reason);
    return !reason.isEmpty();
}

QString RunActions::teamLocation(const QString& path) const
{
    return m_teamLocation ? m_teamLocation(path) : QString();
}

QString RunActions::undoPath() const
{
    const auto* command
        = m_undo->index() > 0 ? dynamic_cast<const RunEditCommand*>(m_undo->command(m_undo->index() - 1)) : nullptr;
    return command ? command->path() : QString();
}

QString RunActions::redoPath() const
{
    const auto* command = dynamic_cast<const RunEditCommand*>(m_undo->command(m_undo->index()));
    return command ? command->path() : QString();
}

void RunActions::perform(const QString& text, const QList<RunEdit>& before, const QList<RunEdit>& after)
{
    if (after.isEmpty() || after == before)
        return;
    QStringList runIds;
    for (const RunEdit& edit : after)
        runIds << edit.runId;
    const QString path = m_source(runIds);
    if (path.isEmpty()) {
        Q_EMIT refused(tr("The selected runs are in different sources: change the runs of one source at a time "
                          "(select only its runs, or pick it in the sources panel)."));
        return;
    }
    if (refusedFor(path))
        return;
    QtConcurrent::run(&m_writer, [path, after, team = teamLocation(path)] {
        return team.isEmpty() ? applyRunEdits(path, after) : applyTeamRunEdits(team, after);
    }).then(this, [this, path, text, before, after](const Status& status) {
        if (!status) {
            Q_EMIT refused(status.error().message + u'\n' + status.error().hint);
            return;
        }
        // The step remembers the database it was written to: undo and redo go there, whatever
        // source is current by then.
        m_undo->push(new RunEditCommand(this, ++m_serial, path, text, before, after));
        Q_EMIT written();
    });
}

void RunActions::write(quint64 serial, const QString& path, const QString& text, const QList<RunEdit>& edits, bool undo)
{
    // The step's text is a menu text (`&` doubled); a message shows it as it is.
    const QString shown = QString(text).replace(QStringLiteral("&&"), QStringLiteral("&"));
    const QString what = undo ? tr("Cannot undo “%1”").arg(shown) : tr("Cannot redo “%1”").arg(shown);
    const QString kept = undo ? tr("The change is kept in Edit ▸ Undo: undo it again once the database is back.")
                              : tr("The change is kept in Edit ▸ Redo: redo it again once the database is back.");
    QString reason;
    if (m_sourceOpen && !m_sourceOpen(path))
        reason = tr("%1: %2 was closed.").arg(what, visibleText(path)) + u'\n'
            + (undo ? tr("Open it again (File ▸ Open) to undo this change; it is kept in Edit ▸ Undo.")
                    : tr("Open it again (File ▸ Open) to redo this change; it is kept in Edit ▸ Redo."));
    else if (m_readOnlyReason)
        reason = m_readOnlyReason(path);
    if (!reason.isEmpty()) {
        Q_EMIT refused(reason);
        // Inside QUndoStack::undo()/redo(), which moves its index after this returns: step back later.
        QMetaObject::invokeMethod(
            this, [this, serial, undo] { restoreStep(serial, undo); }, Qt::QueuedConnection);
        return;
    }
    QtConcurrent::run(&m_writer, [path, edits, team = teamLocation(path)]() -> Status {
        if (!team.isEmpty())
            return applyTeamRunEdits(team, edits);
        // A database that went away is not created anew (an empty file would take the change).
        if (!QFileInfo::exists(path))
            return Error { visibleText(path) + QStringLiteral(": not found (moved, deleted, or its drive is gone)"),
                {} };
        return applyRunEdits(path, edits);
    }).then(this, [this, serial, undo, what, kept](const Status& status) {
        if (status) {
            Q_EMIT written();
            return;
        }
        Q_EMIT refused(what + QStringLiteral(": ") + status.error().message + u'\n'
            + (status.error().hint.isEmpty() ? kept : status.error().hint + u'\n' + kept));
        // Queued: a write that failed at once is reported inside QUndoStack::undo()/redo() (a
        // continuation of a finished future runs on the spot), before the stack has moved its index.
        QMetaObject::invokeMethod(
            this, [this, serial, undo] { restoreStep(serial, undo); }, Qt::QueuedConnection);
    });
}

void RunActions::restoreStep(quint64 serial, bool undone)
{
    // The step whose write failed goes back where it was, so nothing is lost: undo (or redo) it
    // again later. Only if it is still next to the stack's index (the user may have moved on).
    const int index = m_undo->index();
    const auto* command = dynamic_cast<const RunEditCommand*>(m_undo->command(undone ? index : index - 1));
    if (!command || command->serial() != serial)
        return;
    m_restoring = true;
    if (undone)
        m_undo->redo();
    else
        m_undo->undo();
    m_restoring = false;
}

void RunActions::rename(const QString& runId, const QString& name)
{
    const int row = rowsOf({ runId }).front();
    if (row < 0)
        return;
    const QString old = m_browser->model()->runs()->names.at(size_t(row));
    perform(tr("Rename “%1”").arg(menuText(old)), { { runId, RunEdit::Field::Name, {}, old } },
        { { runId, RunEdit::Field::Name, {}, name } });
}

void RunActions::setStarred(const QStringList& runIds, bool starred)
{
    setFlag(runIds, RunEdit::Field::Starred, &RunTable::starred, starred,
        starred ? tr("Star %n run(s)", nullptr, int(runIds.size()))
                : tr("Unstar %n run(s)", nullptr, int(runIds.size())));
}

void RunActions::setArchived(const QStringList& runIds, bool archived)
{
    setFlag(runIds, RunEdit::Field::Archived, &RunTable::archived, archived,
        archived ? tr("Archive %n run(s)", nullptr, int(runIds.size()))
                 : tr("Restore %n run(s)", nullptr, int(runIds.size())));
}

void RunActions::setFlag(const QStringList& runIds, RunEdit::Field field, std::vector<std::uint8_t> RunTable::*column,
    bool on, const QString& text)
{
    const auto& table = m_browser->model()->runs();
    if (!table)
        return;
    QList<RunEdit> before, after;
    const auto rows = rowsOf(runIds);
    for (qsizetype i = 0; i < runIds.size(); ++i) {
        const int row = rows[std::size_t(i)];
        if (row < 0)
            continue;
        before << RunEdit { runIds[i], field, {}, flag(((*table).*column)[size_t(row)]) };
        after << RunEdit { runIds[i], field, {}, flag(on) };
    }
    perform(text, before, after);
}

void RunActions::setTag(const QStringList& runIds, const QString& key, const QString& value)
{
    const auto& table = m_browser->model()->runs();
    if (!table || key.trimmed().isEmpty())
        return;
    const ValueColumn* column = table->tag(key);
    QList<RunEdit> before, after;
    const auto rows = rowsOf(runIds);
    for (qsizetype i = 0; i < runIds.size(); ++i) {
        const QString& id = runIds[i];
        const int row = rows[std::size_t(i)];
        if (row < 0)
            continue;
        std::optional<QString> old;
        if (column && column->text.has(size_t(row)))
            old = column->text.at(size_t(row));
        before << RunEdit { id, RunEdit::Field::Tag, key, old };
        after << RunEdit { id, RunEdit::Field::Tag, key, value };
    }
    perform(tr("Tag %1=%2").arg(menuText(key), menuText(value)), before, after);
}

void RunActions::setNotes(const QString& runId, const QString& notes)
{
    perform(tr("Edit note"), { { runId, RunEdit::Field::Notes, {}, m_notes(runId) } },
        { { runId, RunEdit::Field::Notes, {}, notes } });
}

void RunActions::askTag()
{
    const QStringList ids = m_browser->selectedRunIds();
    if (ids.isEmpty())
        return;
    bool ok = false;
    const QString text = QInputDialog::getText(m_browser, tr("Tag runs"),
        tr("Tag for %n run(s), as key=value:", nullptr, int(ids.size())), QLineEdit::Normal, QString(), &ok);
    const qsizetype equals = text.indexOf(u'=');
    if (!ok || equals <= 0)
        return;
    setTag(ids, text.left(equals).trimmed(), text.mid(equals + 1).trimmed());
}

void RunActions::askNotes()
{
    const QStringList ids = m_browser->selectedRunIds();
    if (ids.size() != 1)
        return;
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(
        m_browser, tr("Note"), tr("Note on the run (plain text):"), m_notes(ids.first()), &ok);
    if (ok)
        setNotes(ids.first(), text);
}

void RunActions::copySelection()
{
    const QString tsv = m_browser->selectionAsTsv();
    if (!tsv.isEmpty())
        QApplication::clipboard()->setText(tsv);
}

} // namespace reprise
