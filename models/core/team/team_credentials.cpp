#include "team/team_credentials.h"

#include "team/pg_connection.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QThread>
#include <chrono>
#include <future>
#include <libpq-fe.h>
#include <mutex>
#include <qt6keychain/keychain.h>

namespace reprise {

namespace {

    const QString kService = QStringLiteral("reprise");
    /// A keyring may show an unlock prompt on the desktop: storing waits for the user, reading less.
    constexpr auto kReadTimeout = std::chrono::seconds(30);
    constexpr auto kWriteTimeout = std::chrono::seconds(120);

    /// QtKeychain queues every job in one process-wide executor that is not thread-safe, so all
    /// jobs run on one thread of their own, whichever thread asks; it stops with the application.
    QObject* keyringContext()
    {
        static std::mutex mutex;
        static QThread* thread = nullptr;
        static QObject* context = nullptr;
        std::lock_guard lock(mutex);
        if (!thread) {
            thread = new QThread;
            thread->setObjectName(QStringLiteral("reprise-keyring"));
            context = new QObject;
            context->moveToThread(thread);
            thread->start();
            qAddPostRoutine([] {
                std::lock_guard stopLock(mutex);
                QMetaObject::invokeMethod(
                    context, [] { delete context; }, Qt::QueuedConnection);
                thread->quit();
                thread->wait();
                delete thread;
                thread = nullptr;
                context = nullptr;
            });
        }
        return context;
    }

    struct JobOutcome {
        bool answered = false;
        QKeychain::Error error = QKeychain::OtherError;
        QString errorText;
        QByteArray password;
    };

    /// Runs the job `make` returns on the keyring thread and waits for its answer.
    template <typename Make> JobOutcome runJob(Make make, std::chrono::seconds timeout)
    {
        auto promise = std::make_shared<std::promise<JobOutcome>>();
        std::future<JobOutcome> answer = promise->get_future();
        QMetaObject::invokeMethod(
            keyringContext(),
            [make, promise] {
                QKeychain::Job* job = make();
                job->setAutoDelete(true);
                job->setInsecureFallback(false); // never a plain file
                QObject::connect(job, &QKeychain::Job::finished, [promise](QKeychain::Job* done) {
                    JobOutcome outcome { true, done->error(), done->errorString(), {} };
                    if (auto* read = qobject_cast<QKeychain::ReadPasswordJob*>(done))
                        outcome.password = read->textData().toUtf8();
                    promise->set_value(std::move(outcome));
                });
                job->start();
            },
            Qt::QueuedConnection);
        if (answer.wait_for(timeout) != std::future_status::ready)
            return {};
        return answer.get();
    }

    Error keyringError(const JobOutcome& outcome, std::chrono::seconds timeout)
    {
        if (!outcome.answered)
            return { QStringLiteral("desktop keyring: no answer within %1 s (locked, waiting for its password?)")
                         .arg(timeout.count()),
                pgpassHint() };
        if (outcome.error == QKeychain::NoBackendAvailable)
            return { QStringLiteral("no desktop keyring to ask: %1").arg(outcome.errorText), pgpassHint() };
        if (outcome.error == QKeychain::AccessDeniedByUser || outcome.error == QKeychain::AccessDenied)
            return { QStringLiteral("desktop keyring: access denied: %1").arg(outcome.errorText), pgpassHint() };
        return { QStringLiteral("desktop keyring: %1").arg(outcome.errorText), pgpassHint() };
    }

    Status keyringReachable()
    {
        const QString why = keyringUnavailableReason();
        if (why.isEmpty())
            return success();
        return Error { QStringLiteral("no desktop keyring to ask: ") + why, pgpassHint() };
    }

} // namespace

QString teamCredentialKey(const QString& user, const QString& host, const QString& port, const QString& database)
{
    return QStringLiteral("%1@%2:%3/%4").arg(user, host, port, database);
}

QString teamCredentialKey(pg_conn* conn)
{
    return teamCredentialKey(QString::fromUtf8(PQuser(conn)), QString::fromUtf8(PQhost(conn)),
        QString::fromUtf8(PQport(conn)), QString::fromUtf8(PQdb(conn)));
}

Result<QString> teamCredentialKeyOf(const QString& location)
{
    // libpq resolves the location (defaults, PG* variables, service files) when a connection
    // starts; the attempt is dropped at once.
    const QByteArray conninfo = location.toUtf8();
    const char* keys[] = { "dbname", "connect_timeout", "application_name", nullptr };
    const char* values[] = { conninfo.constData(), "10", "reprise", nullptr };
    PGconn* conn = PQconnectStartParams(keys, values, /*expand_dbname=*/1);
    if (!conn)
        return Error { QStringLiteral("team store %1: out of memory").arg(describeTeamLocation(location)), {} };
    const QString key = PQuser(conn) && PQuser(conn)[0] ? teamCredentialKey(conn) : QString();
    const QString why = QString::fromUtf8(PQerrorMessage(conn)).trimmed();
    PQfinish(conn);
    if (key.isEmpty())
        return Error { QStringLiteral("team store %1: not a location: %2").arg(describeTeamLocation(location), why),
            QStringLiteral("a libpq URI such as postgresql://host/database, or host=… dbname=…") };
    return key;
}

bool connectionUsedPassword(const PgConnection& conn) { return PQconnectionUsedPassword(conn.handle()) != 0; }

QString keyringUnavailableReason()
{
    if (!QCoreApplication::instance())
        return QStringLiteral("this program has no application object to ask it from");
    if (!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        return {};
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty() && QFileInfo::exists(runtime + QStringLiteral("/bus")))
        return {};
    return QStringLiteral("no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service such as "
                          "GNOME Keyring or KWallet");
}

Result<std::optional<QByteArray>> readTeamPassword(const QString& key)
{
    if (auto st = keyringReachable(); !st)
        return st.error();
    const JobOutcome outcome = runJob(
        [key] {
            auto* job = new QKeychain::ReadPasswordJob(kService);
            job->setKey(key);
            return job;
        },
        kReadTimeout);
    if (outcome.answered && outcome.error == QKeychain::NoError)
        return std::optional<QByteArray>(outcome.password);
    if (outcome.answered && outcome.error == QKeychain::EntryNotFound)
        return std::optional<QByteArray>();
    return keyringError(outcome, kReadTimeout);
}

Status storeTeamPassword(const QString& key, const QByteArray& password)
{
    if (auto st = keyringReachable(); !st)
        return st;
    const JobOutcome outcome = runJob(
        [key, password] {
            auto* job = new QKeychain::WritePasswordJob(kService);
            job->setKey(key);
            job->setTextData(QString::fromUtf8(password));
            return job;
        },
        kWriteTimeout);
    if (outcome.answered && outcome.error == QKeychain::NoError)
        return success();
    return keyringError(outcome, kWriteTimeout);
}

Result<bool> forgetTeamPassword(const QString& key)
{
    // Asked first: a Secret Service reports no error for removing what is not there.
    auto stored = readTeamPassword(key);
    if (!stored)
        return stored.error();
    if (!*stored)
        return false;
    const JobOutcome outcome = runJob(
        [key] {
            auto* job = new QKeychain::DeletePasswordJob(kService);
            job->setKey(key);
            return job;
        },
        kWriteTimeout);
    if (outcome.answered && outcome.error == QKeychain::NoError)
        return true;
    if (outcome.answered && outcome.error == QKeychain::EntryNotFound)
        return false;
    return keyringError(outcome, kWriteTimeout);
}

QString pgpassHint()
{
    return QStringLiteral("put the password in ~/.pgpass (a line host:port:database:user:password, chmod 600) "
                          "or the file PGPASSFILE names, or a service file; Reprise never keeps passwords in its "
                          "settings or files");
}

} // namespace reprise
