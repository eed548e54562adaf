#pragma once

#include "result.h"
#include "team/team_sync.h"

#include <QString>
#include <functional>
#include <memory>

namespace reprise {

/// Pushes one run of a local database to a team store while it is being recorded (`reprise run
/// --sync-to`): on a thread of its own, with its own read-only SQLite connection and its own
/// PostgreSQL connection, about once a second and only when the database changed, then once more
/// when finish() is called. The recording never waits for the network: a store that is down or
/// refuses is reported once through `warn` (from the sync thread) and the recording goes on.
class LiveTeamSync {
public:
    /// `warn` is called at most once, from the sync thread, with the first problem.
    LiveTeamSync(QString dbPath, QString location, std::function<void(const Error&)> warn, int intervalMs = 1000);
    LiveTeamSync(const LiveTeamSync&) = delete;
    LiveTeamSync& operator=(const LiveTeamSync&) = delete;
    /// Stops the thread (without a last sync if finish() was not called).
    ~LiveTeamSync();

    /// Starts following the run (thread-safe; the first call counts).
    void follow(const QString& runUuid);
    /// Stops following and syncs the run a last time (blocks until done). The last pass's summary,
    /// or its error; an Error with an empty message when no run was followed.
    Result<SyncSummary> finish();
    /// The problem passed to `warn`, if there was one.
    Error warned() const;

private:
    struct State;
    std::unique_ptr<State> d;
};

} // namespace reprise
