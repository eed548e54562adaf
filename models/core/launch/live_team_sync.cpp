#include "launch/live_team_sync.h"

#include "store/database.h"
#include "store/statement.h"
#include "team/pg_connection.h"
#include "team/team_schema.h"

#include <QThread>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <sqlite3.h>

namespace reprise {

namespace {

    using Clock = std::chrono::steady_clock;
    /// After a failed pass the store is left alone this long (a store that refuses is not asked
    /// every second); the last sync still tries unless a connection failed within this time.
    constexpr auto kRetryAfter = std::chrono::seconds(10);

} // namespace

struct LiveTeamSync::State {
    QString dbPath;
    QString location;
    std::function<void(const Error&)> warn;
    int intervalMs = 1000;

    std::mutex mutex;
    std::condition_variable wake;
    QString uuid;
    bool finishing = false; ///< a last pass, then stop
    bool aborting = false; ///< stop without a last pass
    std::unique_ptr<QThread> thread;
    std::optional<Result<SyncSummary>> last;
    Error warned;

    // Sync thread only.
    std::unique_ptr<Database> db;
    std::optional<PgConnection> conn;
    std::unique_ptr<TeamSync> sync;
    qint64 seenVersion = -1; ///< data_version at the last successful pass
    bool upToDate = false; ///< the last pass succeeded
    Clock::time_point quietUntil {};
    bool connectFailed = false; ///< the last failure was reaching the store
    Error lastError;

    void work();
    /// One pass; nullopt when nothing changed since the last successful one.
    std::optional<Result<SyncSummary>> pass(bool final);
    Result<bool> changed();
};

void LiveTeamSync::State::work()
{
    // Signals are the recording's (forwarded to the command): never delivered to this thread.
    sigset_t blocked;
    sigemptyset(&blocked);
    for (int signo : { SIGINT, SIGTERM, SIGHUP })
        sigaddset(&blocked, signo);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);

    for (;;) {
        bool final = false;
        {
            std::unique_lock lock(mutex);
            if (aborting)
                break;
            final = finishing;
        }
        auto result = pass(final);
        if (final) {
            std::lock_guard lock(mutex);
            last = result ? std::move(*result) : Result<SyncSummary>(SyncSummary {});
            break;
        }
        if (result && !*result) {
            bool first = false;
            {
                std::lock_guard lock(mutex);
                first = warned.message.isEmpty();
                if (first)
                    warned = result->error();
            }
            if (first && warn)
                warn(result->error());
        }
        std::unique_lock lock(mutex);
        wake.wait_for(lock, std::chrono::milliseconds(intervalMs), [this] { return finishing || aborting; });
    }
    sync.reset();
    conn.reset();
    db.reset();
}

Result<bool> LiveTeamSync::State::changed()
{
    // PRAGMA data_version moves when another connection (the recorder, the Python client) commits.
    auto statement = db->prepare("PRAGMA data_version");
    if (!statement)
        return statement.error();
    if (statement->step() != SQLITE_ROW)
        return Error { dbPath + QStringLiteral(": cannot read the database's change counter"), {} };
    const qint64 version = statement->int64(0);
    const bool moved = version != seenVersion;
    seenVersion = version;
    return moved;
}

std::optional<Result<SyncSummary>> LiveTeamSync::State::pass(bool final)
{
    const auto now = Clock::now();
    if (!final && now < quietUntil)
        return std::nullopt; // the last problem stands; asked again later
    if (!db) {
        auto opened = Database::open(dbPath, OpenMode::ReadOnly);
        if (!opened)
            return Result<SyncSummary>(opened.error());
        db = std::move(*opened);
        sync.reset();
        seenVersion = -1;
    }
    // A snapshot (network file system) never sees changes: it is reopened for every pass.
    const bool snapshot = db->isSnapshot();
    auto moved = snapshot ? Result<bool>(true) : changed();
    if (!moved) {
        sync.reset();
        db.reset();
        return Result<SyncSummary>(moved.error());
    }
    if (!final && upToDate && !*moved)
        return std::nullopt;

    const auto failed = [&](const Error& error, bool connecting) {
        upToDate = false;
        connectFailed = connecting;
        lastError = error;
        quietUntil = Clock::now() + kRetryAfter;
        if (snapshot) {
            sync.reset();
            db.reset();
        }
        return Result<SyncSummary>(error);
    };
    if (!conn) {
        // A store that could not be reached a moment ago is not waited for again at the end.
        if (final && connectFailed && now < quietUntil)
            return Result<SyncSummary>(lastError);
        auto connected = PgConnection::connect(location);
        if (!connected)
            return failed(connected.error(), true);
        if (auto version = checkTeamSchema(*connected); !version)
            return failed(version.error(), true);
        conn.emplace(std::move(*connected));
    }
    if (!sync)
        sync = std::make_unique<TeamSync>(*db, *conn);
    auto summary = sync->sync({ uuid });
    if (!summary) {
        if (conn->lastState().startsWith("08")) { // the connection is gone: a new one next time
            sync.reset();
            conn.reset();
        }
        return failed(summary.error(), false);
    }
    upToDate = true;
    connectFailed = false;
    if (snapshot) {
        sync.reset();
        db.reset();
    }
    return Result<SyncSummary>(std::move(*summary));
}

LiveTeamSync::LiveTeamSync(QString dbPath, QString location, std::function<void(const Error&)> warn, int intervalMs)
    : d(std::make_unique<State>())
{
    d->dbPath = std::move(dbPath);
    d->location = std::move(location);
    d->warn = std::move(warn);
    d->intervalMs = intervalMs;
}

LiveTeamSync::~LiveTeamSync()
{
    if (!d->thread)
        return;
    {
        std::lock_guard lock(d->mutex);
        d->aborting = true;
    }
    d->wake.notify_all();
    d->thread->wait();
}

void LiveTeamSync::follow(const QString& runUuid)
{
    std::lock_guard lock(d->mutex);
    if (d->thread || runUuid.isEmpty())
        return;
    d->uuid = runUuid;
    d->thread.reset(QThread::create([state = d.get()] { state->work(); }));
    d->thread->setObjectName(QStringLiteral("reprise-live-sync"));
    d->thread->start();
}

Result<SyncSummary> LiveTeamSync::finish()
{
    if (!d->thread)
        return Error {};
    {
        std::lock_guard lock(d->mutex);
        d->finishing = true;
    }
    d->wake.notify_all();
    d->thread->wait();
    std::lock_guard lock(d->mutex);
    if (!d->last)
        return Error {};
    return *d->last;
}

Error LiveTeamSync::warned() const
{
    std::lock_guard lock(d->mutex);
    return d->warned;
}

} // namespace reprise
