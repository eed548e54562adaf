#include "store/offered_run_table.h"

#include <QFileInfo>
#include <QHash>
#include <QMutex>

namespace reprise {

namespace {
    QMutex offeredMutex;
    struct Offer {
        std::shared_ptr<const RunTable> table;
        qint64 partOf = 0;
    };
    QHash<QString, Offer> offered;
}

void offerRunTable(const QString& path, std::shared_ptr<const RunTable> table, qint64 partOf)
{
    const QMutexLocker lock(&offeredMutex);
    offered.insert(path, { std::move(table), partOf });
}

std::shared_ptr<const RunTable> offeredRunTable(const QString& path, qint64* partOf)
{
    const QMutexLocker lock(&offeredMutex);
    const auto it = offered.constFind(path);
    if (it == offered.constEnd())
        return nullptr;
    if (QFileInfo::exists(path)) {
        offered.remove(path); // the file is there now: it is read
        return nullptr;
    }
    if (partOf)
        *partOf = it->partOf;
    return it->table;
}

} // namespace reprise
