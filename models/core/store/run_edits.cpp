#include "store/run_edits.h"

#include "store/database.h"
#include "store/run_store.h"

#include <QFileInfo>

namespace reprise {

Status applyRunEdits(const QString& path, const QList<RunEdit>& edits)
{
    if (!QFileInfo(path).isWritable()) {
        return Error { path + QStringLiteral(": read-only, so runs cannot be changed here"),
            QStringLiteral("copy the database somewhere writable, or ask its owner to change the runs") };
    }
    auto store = RunStore::open(path, OpenMode::ReadWrite);
    if (!store)
        return store.error();
    if (store->database().readOnly()) {
        return Error { path + QStringLiteral(": written by a newer Reprise, so it is only read here"),
            QStringLiteral("update Reprise to change its runs") };
    }
    // One transaction for the lot: an undo step is applied whole or not at all.
    return inWriteTransaction(store->database(), [&]() -> Status {
        for (const RunEdit& edit : edits) {
            auto ref = store->resolveRun(edit.runId);
            if (!ref)
                return ref.error();
            const QString value = edit.value.value_or(QString());
            Status status = success();
            switch (edit.field) {
            case RunEdit::Field::Name:
                status = store->setName(ref->rowId, value);
                break;
            case RunEdit::Field::Starred:
                status = store->setStarred(ref->rowId, value == QLatin1String("1"));
                break;
            case RunEdit::Field::Archived:
                status = store->setArchived(ref->rowId, value == QLatin1String("1"));
                break;
            case RunEdit::Field::Notes:
                status = store->setNotes(ref->rowId, value);
                break;
            case RunEdit::Field::Tag:
                status = edit.value ? store->setTags(ref->rowId, { { edit.tagKey, value } })
                                    : store->removeTag(ref->rowId, edit.tagKey);
                break;
            }
            if (!status)
                return status;
        }
        return success();
    });
}

} // namespace reprise
