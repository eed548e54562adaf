#include "store/open_database_files.h"

#include <QFile>
#include <QHash>
#include <mutex>
#include <optional>
#include <sys/stat.h>

namespace reprise {

namespace {

    struct FileId {
        dev_t device = 0;
        ino_t inode = 0;
        bool operator==(const FileId& other) const { return device == other.device && inode == other.inode; }
    };

    std::optional<FileId> fileIdOf(const QString& path)
    {
        struct stat st = {};
        if (::stat(QFile::encodeName(path).constData(), &st) != 0)
            return std::nullopt;
        return FileId { st.st_dev, st.st_ino };
    }

    struct Registry {
        std::mutex mutex;
        QHash<const void*, FileId> byOwner;
    };

    Registry& registry()
    {
        static Registry instance;
        return instance;
    }

    bool isRegistered(const FileId& id)
    {
        Registry& r = registry();
        const std::lock_guard lock(r.mutex);
        for (const FileId& open : std::as_const(r.byOwner))
            if (open == id)
                return true;
        return false;
    }

} // namespace

void registerOpenDatabase(const void* owner, const QString& path)
{
    const auto id = fileIdOf(path);
    if (!id)
        return;
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    r.byOwner.insert(owner, *id);
}

void unregisterOpenDatabase(const void* owner)
{
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    r.byOwner.remove(owner);
}

bool isOpenDatabaseFile(const QString& path)
{
    if (const auto id = fileIdOf(path); id && isRegistered(*id))
        return true;
    for (const QLatin1String suffix : { QLatin1String("-wal"), QLatin1String("-shm"), QLatin1String("-journal") }) {
        if (path.endsWith(suffix)) {
            const auto id = fileIdOf(path.chopped(suffix.size()));
            return id && isRegistered(*id);
        }
    }
    return false;
}

} // namespace reprise
