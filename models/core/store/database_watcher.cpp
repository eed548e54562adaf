#include "store/database_watcher.h"

#include "store/database.h"

#include <QFileInfo>
#include <QTimer>

namespace reprise {

DatabaseWatcher::DatabaseWatcher(QString path, int intervalMs)
    : m_path(std::move(path))
    , m_intervalMs(intervalMs)
{
}

DatabaseWatcher::~DatabaseWatcher() = default;

void DatabaseWatcher::start()
{
    if (!m_timer) {
        m_timer = new QTimer(this);
        m_timer->setInterval(m_intervalMs);
        connect(m_timer, &QTimer::timeout, this, &DatabaseWatcher::poll);
    }
    m_timer->start();
    poll();
}

void DatabaseWatcher::stop()
{
    if (m_timer)
        m_timer->stop();
    m_db.reset();
}

void DatabaseWatcher::poll()
{
    if (!QFileInfo::exists(m_path)) {
        m_db.reset();
        if (!m_lost) {
            m_lost = true;
            Q_EMIT lost(m_path + QStringLiteral(": the database file is gone (moved or deleted)"));
        }
        return;
    }
    if (!m_db) {
        auto db = Database::open(m_path, OpenMode::ReadOnly);
        if (!db) {
            if (!m_lost) {
                m_lost = true;
                Q_EMIT lost(db.error().message);
            }
            return;
        }
        m_db = std::move(*db);
        // A fresh connection cannot compare versions with the old one: treat reopening as a change.
        m_version = -1;
    }
    if (m_db->isSnapshot()) {
        // An immutable snapshot never sees changes: compare the file itself, reopen when it moved on.
        const QFileInfo file(m_path);
        const QString signature = QString::number(file.size()) + u':'
            + QString::number(file.lastModified().toMSecsSinceEpoch()) + u':'
            + QString::number(QFileInfo(m_path + QStringLiteral("-wal")).lastModified().toMSecsSinceEpoch());
        const bool changedNow = !m_signature.isEmpty() && signature != m_signature;
        m_signature = signature;
        if (m_lost) {
            m_lost = false;
            Q_EMIT restored();
        } else if (changedNow) {
            m_db.reset();
            Q_EMIT changed();
        }
        return;
    }
    auto s = m_db->prepare("PRAGMA data_version");
    if (!s || s->step() != SQLITE_ROW) {
        m_db.reset();
        return;
    }
    const qint64 version = s->int64(0);
    const bool first = m_version < 0;
    const bool changedNow = !first && version != m_version;
    m_version = version;
    if (m_lost) {
        m_lost = false;
        Q_EMIT restored();
        return;
    }
    if (changedNow)
        Q_EMIT changed();
}

} // namespace reprise
