#include "sources/source_registry.h"

#include "import/source_cache.h"
#include "jobs/job_controller.h"
#include "store/database_watcher.h"
#include "store/offered_run_table.h"
#include "store/source_summary.h"
#include "team/pg_connection.h"
#include "team/team_listener.h"
#include "team/team_mirror.h"
#include "team/team_run_table.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QThread>
#include <QTimer>
#include <QtConcurrent>

namespace reprise {

namespace {

    /// What a path turned out to be.
    struct Detected {
        QString path;
        bool show = false;
        bool database = false; ///< opened as a Reprise database (or reported as not being one)
    };

    /// Reads at most a file's header and its table names (a folder: its file names).
    Detected detect(const QString& path, bool show)
    {
        if (isTeamStoreLocation(path))
            return { path, show, false }; // read into its local copy like another tracker's data
        const QFileInfo info(path);
        if (!info.exists())
            return { path, show, true }; // the loader says "no such database"
        if (info.isDir())
            return { path, show, false };
        const SourceKind kind = detectSource(path);
        return { path, show, kind == SourceKind::Reprise || kind == SourceKind::Unknown };
    }

    /// What reading another tracker's source gave.
    struct ForeignRead {
        SourceKind kind = SourceKind::Unknown;
        bool isFile = false;
        Result<CachedSource> cached;
        /// A team store's newest runs only were offered: the whole table is read next.
        bool partial = false;
    };

    /// How many of a team store's newest runs are read and shown first when it has no local copy yet.
    constexpr int kTeamRunsShownFirst = 1000;

    QString joinedProblems(const QString& path, const QList<ImportProblem>& problems)
    {
        QStringList lines;
        for (const ImportProblem& p : problems.mid(0, 5))
            lines << p.file + QStringLiteral(": ") + p.message;
        QString text
            = QObject::tr("%1 was read with %n problem(s); the valid part is shown:\n", nullptr, int(problems.size()))
                  .arg(QFileInfo(path).fileName())
            + lines.join(u'\n');
        if (problems.size() > 5)
            text += QObject::tr("\n… and %1 more").arg(problems.size() - 5);
        return text;
    }

} // namespace

SourceCondition SourceInfo::condition() const
{
    if (!error.isEmpty() || gone)
        return SourceCondition::Unreachable;
    if (stale)
        return SourceCondition::Stale;
    if (foreign || readOnly)
        return SourceCondition::ReadOnly;
    return SourceCondition::Live;
}

QString SourceInfo::name() const
{
    return kind == SourceKind::TeamStore ? describeTeamLocation(location) : QFileInfo(location).fileName();
}

QString SourceInfo::shownLocation() const
{
    return kind == SourceKind::TeamStore ? describeTeamLocation(location) : location;
}

SourceRegistry::SourceRegistry(JobController* jobs, QObject* parent)
    : QObject(parent)
    , m_jobs(jobs)
    , m_watchThread(new QThread(this))
    , m_foreignPoll(new QTimer(this))
{
    m_watchThread->setObjectName(QStringLiteral("reprise-watch"));
    m_watchThread->start();
    m_foreignPoll->setInterval(5000);
    connect(m_foreignPoll, &QTimer::timeout, this, &SourceRegistry::checkForeignSources);
    m_foreignPoll->start();
}

SourceRegistry::~SourceRegistry()
{
    // Each watcher stops and goes on its own thread, then the thread ends: all queued, nothing here
    // waits for a round trip per watcher. The wait below is for the watch thread to drain that queue
    // (closing a connection each), bounded in case a poll hangs on a dead network mount.
    for (const QString& path : m_watchers.keys())
        stopWatching(path);
    for (const QString& path : m_listeners.keys())
        stopFollowing(path);
    auto* closer = new QObject;
    closer->moveToThread(m_watchThread);
    QMetaObject::invokeMethod(
        closer,
        [closer, thread = m_watchThread] {
            closer->deleteLater(); // deferred deletions run as the thread ends
            thread->quit();
        },
        Qt::QueuedConnection);
    if (!m_watchThread->wait(QDeadlineTimer(5000)))
        m_watchThread->setParent(nullptr); // left to end on its own rather than destroyed while running
}

QStringList SourceRegistry::paths() const { return m_order; }

SourceInfo SourceRegistry::info(const QString& path) const { return m_sources.value(path); }

QString SourceRegistry::sourceFor(const QString& location) const
{
    for (const SourceInfo& s : m_sources) {
        if (s.location == location)
            return s.path;
    }
    return {};
}

void SourceRegistry::open(const QString& path, bool show)
{
    const QString absolute = isTeamStoreLocation(path) ? path : QFileInfo(path).absoluteFilePath();
    for (const QString& known : { path, absolute, sourceFor(absolute) }) {
        if (!known.isEmpty() && m_sources.contains(known)) {
            Q_EMIT sourceAdded(known, show);
            return;
        }
    }
    m_pending.append({ absolute, show });
    detectNext();
}

void SourceRegistry::detectNext()
{
    // One at a time, so sources are added in the order they were opened.
    if (m_detecting || m_pending.isEmpty())
        return;
    const auto [path, show] = m_pending.takeFirst();
    m_detecting = true;
    QtConcurrent::run(detect, path, show).then(this, [this](const Detected& d) {
        m_detecting = false;
        if (d.database)
            addDatabase(d.path, d.show);
        else
            readForeign(d.path, d.show, false);
        detectNext();
        checkIdle();
    });
}

void SourceRegistry::checkIdle()
{
    if (!isOpening())
        Q_EMIT idle();
}

void SourceRegistry::addDatabase(const QString& path, bool show)
{
    if (!m_sources.contains(path)) {
        m_order << path;
        SourceInfo& info = m_sources[path];
        info.path = path;
        info.location = path;
        watch(path);
        refreshSummary(path);
        Q_EMIT sourcesChanged();
    }
    Q_EMIT sourceAdded(path, show);
}

void SourceRegistry::readAgain(const QString& path)
{
    const SourceInfo source = info(path);
    if (source.foreign && !isReading())
        readForeign(source.location, true, true);
}

void SourceRegistry::readForeign(const QString& path, bool show, bool full)
{
    ++m_reads;
    const bool first = sourceFor(path).isEmpty();
    if (first)
        ++m_firstReads;
    const QString title
        = isTeamStoreLocation(path) ? tr("Reading the team store") : tr("Reading %1").arg(QFileInfo(path).fileName());
    m_jobs
        ->start(title,
            [path, full](const ReadControl& control) {
                if (isTeamStoreLocation(path) && !full && !QFileInfo::exists(teamMirrorPath(path))) {
                    // No copy yet: the run table is read straight from the server and shown at once —
                    // the newest runs first, the rest next (readTeamRunsInFull()); the listener's
                    // first look (follow()) makes the copy, whole, which every view reads from then on.
                    qint64 total = 0;
                    auto table = readTeamRunTable(path, kTeamRunsShownFirst, &total);
                    if (!table)
                        return ForeignRead { SourceKind::TeamStore, false, table.error() };
                    CachedSource cached;
                    cached.source = path;
                    cached.cache = teamMirrorPath(path);
                    cached.kind = SourceKind::TeamStore;
                    cached.rebuilt = true;
                    const bool partial = qint64(table->rowCount()) < total;
                    offerRunTable(
                        cached.cache, std::make_shared<const RunTable>(std::move(*table)), partial ? total : 0);
                    return ForeignRead { SourceKind::TeamStore, false, cached, partial };
                }
                if (isTeamStoreLocation(path) && !full) {
                    // A copy there already: brought up to date with the run table first; the
                    // listener's first look brings the histories into it in place.
                    auto mirror = refreshTeamMirror(path, TeamCopyDepth::RunTableFirst);
                    if (!mirror)
                        return ForeignRead { SourceKind::TeamStore, false, mirror.error() };
                    CachedSource cached;
                    cached.source = path;
                    cached.cache = mirror->cache;
                    cached.kind = SourceKind::TeamStore;
                    cached.rebuilt = mirror->refreshed;
                    return ForeignRead { SourceKind::TeamStore, false, cached };
                }
                const SourceKind kind = detectSource(path);
                // A large MLflow database shows its run table from a summary first; the histories follow.
                return ForeignRead { kind, QFileInfo(path).isFile(),
                    refreshSourceCache(path, control, full ? CacheDepth::Full : CacheDepth::SummaryFirst, kind) };
            })
        .then(this, [this, path, show, first](const ForeignRead& read) {
            --m_reads;
            if (first)
                --m_firstReads;
            const Result<CachedSource>& cached = read.cached;
            if (!cached) {
                if (read.kind == SourceKind::Unknown && read.isFile) {
                    // Not another tracker's data either: the database loader says what it is.
                    addDatabase(path, show);
                } else {
                    const Error& e = cached.error();
                    Q_EMIT failed(e.hint.isEmpty() ? e.message : e.message + u'\n' + e.hint);
                }
                checkIdle();
                return;
            }
            const QString summary = sourceCachePath(cached->source, true);
            if (!cached->summaryOnly && m_sources.contains(summary) && !m_sources.contains(cached->cache)) {
                replace(summary, cached->cache); // the full histories replace the summary
                m_sources[cached->cache].kind = cached->kind;
            } else {
                const bool known = m_sources.contains(cached->cache);
                if (!known) {
                    m_order << cached->cache;
                    SourceInfo& info = m_sources[cached->cache];
                    info.path = cached->cache;
                    // A team store's copy changes only by its refreshes, which say so themselves: a
                    // file watcher on it would load the window a second time for each.
                    if (cached->kind == SourceKind::TeamStore)
                        follow(cached->cache, cached->source);
                    else
                        watch(cached->cache);
                }
                SourceInfo& info = m_sources[cached->cache];
                info.location = cached->source;
                info.kind = cached->kind;
                info.foreign = true;
                info.stale = false;
                info.gone = false;
                info.error.clear();
                refreshSummary(cached->cache); // a rebuilt cache is read again
                Q_EMIT sourcesChanged();
                Q_EMIT sourceAdded(cached->cache, show);
                // A copy remade under a shown source (a team store that changed) is loaded again; the
                // file was replaced, so its watcher cannot see it.
                if (known && cached->rebuilt)
                    Q_EMIT dataChanged(cached->cache);
            }
            if (!cached->summary.problems.isEmpty())
                Q_EMIT notice(joinedProblems(path, cached->summary.problems));
            if (cached->summaryOnly)
                readForeign(path, false, true);
            if (read.partial)
                readTeamRunsInFull(cached->cache, cached->source);
            checkIdle();
        });
}

void SourceRegistry::replace(const QString& from, const QString& to)
{
    const qsizetype index = m_order.indexOf(from);
    if (index < 0)
        return;
    stopWatching(from);
    SourceInfo info = m_sources.take(from);
    info.path = to;
    m_order[index] = to;
    m_sources.insert(to, info);
    if (info.kind != SourceKind::TeamStore)
        watch(to);
    refreshSummary(to);
    Q_EMIT sourceReplaced(from, to);
    Q_EMIT sourcesChanged();
}

void SourceRegistry::close(const QString& path)
{
    if (!m_sources.contains(path))
        return;
    m_order.removeAll(path);
    m_sources.remove(path);
    stopWatching(path);
    stopFollowing(path);
    Q_EMIT sourceRemoved(path);
    Q_EMIT sourcesChanged();
}

void SourceRegistry::checkForeignSources()
{
    if (isReading())
        return;
    QMap<QString, QString> locations;
    for (const SourceInfo& s : m_sources) {
        if (s.foreign && s.kind != SourceKind::TeamStore) // team stores notify (follow())
            locations.insert(s.path, s.location);
    }
    if (locations.isEmpty())
        return;
    QtConcurrent::run([locations] {
        QMap<QString, SourceCondition> states;
        for (auto it = locations.begin(); it != locations.end(); ++it)
            states.insert(it.key(),
                !QFileInfo::exists(*it)       ? SourceCondition::Unreachable
                    : isSourceCacheFresh(*it) ? SourceCondition::ReadOnly
                                              : SourceCondition::Stale);
        return states;
    }).then(this, [this](const QMap<QString, SourceCondition>& states) {
        bool changed = false;
        for (auto it = states.begin(); it != states.end(); ++it) {
            if (!m_sources.contains(it.key()))
                continue;
            SourceInfo& s = m_sources[it.key()];
            const bool stale = *it == SourceCondition::Stale, gone = *it == SourceCondition::Unreachable;
            changed |= s.stale != stale || s.gone != gone;
            s.stale = stale;
            s.gone = gone;
        }
        if (changed)
            Q_EMIT sourcesChanged();
    });
}

void SourceRegistry::watch(const QString& path)
{
    auto* watcher = new DatabaseWatcher(path);
    watcher->moveToThread(m_watchThread);
    m_watchers.insert(path, watcher);
    connect(watcher, &DatabaseWatcher::changed, this, [this, path] {
        refreshSummary(path);
        Q_EMIT dataChanged(path);
    });
    connect(watcher, &DatabaseWatcher::lost, this, [this, path](const QString& message) {
        if (!m_sources.contains(path))
            return;
        m_sources[path].error = message;
        Q_EMIT lost(path, message);
        Q_EMIT sourcesChanged();
    });
    connect(watcher, &DatabaseWatcher::restored, this, [this, path] {
        if (!m_sources.contains(path))
            return;
        m_sources[path].error.clear();
        refreshSummary(path);
        Q_EMIT dataChanged(path);
    });
    QMetaObject::invokeMethod(
        watcher, [watcher] { watcher->start(); }, Qt::QueuedConnection);
}

void SourceRegistry::stopWatching(const QString& path)
{
    DatabaseWatcher* w = m_watchers.take(path);
    if (!w)
        return;
    w->disconnect(this);
    QMetaObject::invokeMethod(
        w,
        [w] {
            w->stop();
            w->deleteLater();
        },
        Qt::QueuedConnection);
}

void SourceRegistry::refreshSummary(const QString& path)
{
    QtConcurrent::run(loadSourceSummary, path).then(this, [this, path](const Result<SourceSummary>& result) {
        if (!m_sources.contains(path))
            return;
        SourceInfo& s = m_sources[path];
        if (result) {
            s.projects = result->projects;
            s.readOnly = result->readOnly;
            s.runs = result->runs();
            s.error.clear();
        } else {
            s.projects.clear();
            s.error = result.error().message;
        }
        Q_EMIT sourcesChanged();
    });
}

} // namespace reprise

namespace reprise {

void SourceRegistry::follow(const QString& path, const QString& location)
{
    auto* thread = new QThread(this);
    thread->setObjectName(QStringLiteral("reprise-team-listen"));
    auto* listener = new TeamListener(location);
    listener->moveToThread(thread);
    connect(thread, &QThread::finished, listener, &QObject::deleteLater);
    m_listeners.insert(path, { thread, listener });
    // A change remakes the local copy (coalesced: one read at a time, and one more if changes came
    // during it); the copy's reload then shows it.
    connect(listener, &TeamListener::changed, this, [this, path] { refreshTeamCopy(path); });
    connect(listener, &TeamListener::lost, this, [this, path](const QString& message) {
        if (!m_sources.contains(path))
            return;
        m_sources[path].error = message;
        Q_EMIT lost(path, message);
        Q_EMIT sourcesChanged();
    });
    connect(listener, &TeamListener::restored, this, [this, path] {
        if (!m_sources.contains(path))
            return;
        m_sources[path].error.clear();
        Q_EMIT sourcesChanged();
    });
    thread->start();
    QMetaObject::invokeMethod(listener, &TeamListener::start, Qt::QueuedConnection);
}

void SourceRegistry::stopFollowing(const QString& path)
{
    const auto [thread, listener] = m_listeners.take(path);
    if (!thread)
        return;
    listener->disconnect(this);
    QMetaObject::invokeMethod(
        listener,
        [listener, thread] {
            listener->stop();
            thread->quit();
        },
        Qt::QueuedConnection);
    // Not waited for: a connect in progress may take seconds; the thread ends on its own.
    thread->setParent(nullptr);
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
}

void SourceRegistry::readTeamRunsInFull(const QString& path, const QString& location)
{
    QtConcurrent::run([path, location]() -> Status {
        auto table = readTeamRunTable(location);
        if (!table)
            return table.error();
        offerRunTable(path, std::make_shared<const RunTable>(std::move(*table))); // dropped if the copy is there
        return success();
    }).then(this, [this, path](const Status& read) {
        if (!m_sources.contains(path))
            return;
        if (!read) {
            // The newest runs stay shown; the listener reconnects, and its copy brings the rest.
            m_sources[path].error = read.error().text();
            Q_EMIT lost(path, read.error().text());
            Q_EMIT sourcesChanged();
            return;
        }
        refreshSummary(path);
        Q_EMIT dataChanged(path);
    });
}

void SourceRegistry::refreshTeamCopy(const QString& path)
{
    if (!m_sources.contains(path))
        return;
    if (m_teamReads.contains(path)) {
        m_teamReadAgain.insert(path);
        return;
    }
    m_teamReads.insert(path);
    const QString location = m_sources[path].location;
    QtConcurrent::run([location] {
        return refreshTeamMirror(location);
    }).then(this, [this, path](const Result<TeamMirror>& mirror) {
        m_teamReads.remove(path);
        if (!m_sources.contains(path))
            return;
        SourceInfo& info = m_sources[path];
        if (!mirror) {
            info.error = mirror.error().text();
            Q_EMIT sourcesChanged();
        } else {
            info.error.clear();
            if (mirror->refreshed) {
                refreshSummary(path);
                if (!mirror->remade && !mirror->changedUuids.isEmpty())
                    Q_EMIT runsChanged(path, mirror->changedUuids);
                Q_EMIT dataChanged(path);
            }
        }
        if (m_teamReadAgain.remove(path))
            refreshTeamCopy(path);
    });
}

} // namespace reprise
