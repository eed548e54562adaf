#pragma once

#include <QObject>
#include <QString>
#include <memory>

class QSocketNotifier;
class QTimer;

namespace reprise {

class PgConnection;

/// Follows a team store with LISTEN/NOTIFY: every committed change to the store notifies channel
/// `reprise` (see team_schema.cpp), and changed() is emitted for it, coalesced, without polling any
/// table. Lives on a thread of its own (connecting may take seconds when the server is away): call
/// start() there. changed() is also emitted once listening starts (changes before it are not
/// notified). A lost connection is reported once and retried every 2 s; when it is back,
/// restored() and changed() follow.
class TeamListener : public QObject {
    Q_OBJECT
public:
    explicit TeamListener(const QString& location, QObject* parent = nullptr);
    ~TeamListener() override;

    void start();
    void stop();

Q_SIGNALS:
    void changed();
    void lost(const QString& message);
    void restored();

private:
    void connectNow();
    void onReadable();
    void dropConnection(const QString& message);

    QString m_location;
    std::unique_ptr<PgConnection> m_conn;
    QSocketNotifier* m_notifier = nullptr;
    QTimer* m_retry = nullptr;
    bool m_lost = false;
    bool m_stopped = false;
};

} // namespace reprise
