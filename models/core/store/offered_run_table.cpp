#include "store/offered_run_table.h"

#include <QFileInfo>
#include <QHash>
#include <QMutex>

namespace reprise {

namespace {
    QMutex offeredMutex;
    QHash<QString, std::shared_ptr<const RunTable>> offered;
}

void offerRunTable(const QString& path, std::shared_ptr<const RunTable> table)
{
    const QMutexLocker lock(&offeredMutex);
    offered.insert(path, std::move(table));
}

std::shared_ptr<const RunTable> offeredRunTable(const QString& path)
{
    const QMutexLocker lock(&offeredMutex);
    const auto it = offered.constFind(path);
    if (it == offered.constEnd())
        return nullptr;
    if (QFileInfo::exists(path)) {
        offered.remove(path); // the file is there now: it is read
        return nullptr;
    }
    return *it;
}

} // namespace reprise
