#include "team/team_listener.h"

#include "team/pg_connection.h"

#include <QSocketNotifier>
#include <QTimer>
#include <libpq-fe.h>

namespace reprise {

TeamListener::TeamListener(const QString& location, QObject* parent)
    : QObject(parent)
    , m_location(location)
{
}

TeamListener::~TeamListener() = default;

void TeamListener::start()
{
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    m_retry->setInterval(2000);
    connect(m_retry, &QTimer::timeout, this, &TeamListener::connectNow);
    connectNow();
}

void TeamListener::stop()
{
    m_stopped = true;
    if (m_retry)
        m_retry->stop();
    delete m_notifier;
    m_notifier = nullptr;
    m_conn.reset();
}

void TeamListener::connectNow()
{
    if (m_stopped)
        return;
    auto conn = PgConnection::connect(m_location);
    if (!conn)
        return dropConnection(conn.error().text());
    if (auto listening = conn->exec(QStringLiteral("LISTEN reprise")); !listening)
        return dropConnection(listening.error().text());
    m_conn = std::make_unique<PgConnection>(std::move(*conn));
    m_notifier = new QSocketNotifier(PQsocket(m_conn->handle()), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &TeamListener::onReadable);
    if (m_lost) {
        m_lost = false;
        Q_EMIT restored();
    }
    // What changed before LISTEN took effect (or while away) is not notified: look once now.
    Q_EMIT changed();
}

void TeamListener::onReadable()
{
    PGconn* conn = m_conn ? m_conn->handle() : nullptr;
    if (!conn)
        return;
    if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
        return dropConnection(m_conn->name() + QStringLiteral(": the connection was lost; reconnecting"));
    bool notified = false;
    while (PGnotify* note = PQnotifies(conn)) {
        notified = true;
        PQfreemem(note);
    }
    if (notified)
        Q_EMIT changed();
}

void TeamListener::dropConnection(const QString& message)
{
    delete m_notifier;
    m_notifier = nullptr;
    m_conn.reset();
    if (!m_lost) {
        m_lost = true;
        Q_EMIT lost(message);
    }
    if (!m_stopped && m_retry)
        m_retry->start();
}

} // namespace reprise
