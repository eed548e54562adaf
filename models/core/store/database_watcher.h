#pragma once

#include <QObject>
#include <QString>
#include <memory>

class QTimer;

namespace reprise {

class Database;

/// Watches one database file for commits by other connections (`PRAGMA data_version`) and for the
/// file disappearing. Lives on a worker thread (moveToThread): it owns its own read-only connection
/// and its own timer, so the GUI thread never touches the file.
class DatabaseWatcher : public QObject {
    Q_OBJECT
public:
    explicit DatabaseWatcher(QString path, int intervalMs = 1000);
    ~DatabaseWatcher() override;

    /// Starts polling; call on the watcher's thread (e.g. through a queued invocation).
    void start();
    /// Stops polling and closes the connection; call on the watcher's thread.
    void stop();

Q_SIGNALS:
    /// Another connection committed to the database.
    void changed();
    /// The file is gone (moved or deleted) or can no longer be read.
    void lost(const QString& message);
    /// The file is back after having been lost.
    void restored();

private:
    void poll();

    QString m_path;
    int m_intervalMs;
    QTimer* m_timer = nullptr;
    std::unique_ptr<Database> m_db;
    qint64 m_version = -1;
    QString m_signature; ///< size and times of a snapshot's file
    bool m_lost = false;
};

} // namespace reprise
