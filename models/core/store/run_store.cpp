#include "store/run_store.h"

#include "store/metric_packing.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSysInfo>
#include <cerrno>
#include <csignal>
#include <numeric>

namespace reprise {

namespace {

    QString toJson(const QStringList& list)
    {
        return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(list)).toJson(QJsonDocument::Compact));
    }

    QString toJson(const QMap<QString, QString>& map)
    {
        QJsonObject object;
        for (auto it = map.begin(); it != map.end(); ++it)
            object.insert(it.key(), it.value());
        return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
    }

    QStringList listFromJson(const QString& text)
    {
        QStringList out;
        for (const auto& v : QJsonDocument::fromJson(text.toUtf8()).array())
            out << v.toString();
        return out;
    }

    QMap<QString, QString> mapFromJson(const QString& text)
    {
        QMap<QString, QString> out;
        const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
        for (auto it = object.begin(); it != object.end(); ++it)
            out.insert(it.key(), it.value().toString());
        return out;
    }

    /// The runtime JSON object: scalar fields into runtime, the "packages" object into packages.
    void readRuntime(const QString& text, RunRecord& r)
    {
        const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == QLatin1String("packages")) {
                const QJsonObject packages = it.value().toObject();
                for (auto p = packages.begin(); p != packages.end(); ++p)
                    r.packages.insert(p.key(), p.value().toString());
            } else if (it.value().isString()) {
                r.runtime.insert(it.key(), it.value().toString());
            }
        }
    }

    double nullableReal(const Statement& s, int column)
    {
        return s.isNull(column) ? std::numeric_limits<double>::quiet_NaN() : s.real(column);
    }

    void bindReal(Statement& s, int index, double value)
    {
        // NaN binds as NULL in SQLite anyway; making it explicit documents the convention.
        if (std::isnan(value))
            s.bindNull(index);
        else
            s.bind(index, value);
    }

    bool processAlive(qint64 pid)
    {
        // A pid outside pid_t (a damaged row) would wrap into another process, or -1: every process.
        if (pid <= 0 || pid > std::numeric_limits<pid_t>::max())
            return false;
        return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
    }

} // namespace

double nowSeconds() { return double(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }

QString localHostName() { return QSysInfo::machineHostName(); }

QString newRunUuid()
{
    quint64 words[2];
    QRandomGenerator::system()->fillRange(words);
    return QStringLiteral("%1%2").arg(words[0], 16, 16, QLatin1Char('0')).arg(words[1], 16, 16, QLatin1Char('0'));
}

Result<RunStore> RunStore::open(const QString& path, OpenMode mode, Database::Options options)
{
    auto db = Database::open(path, mode, options);
    if (!db)
        return db.error();
    return RunStore(std::move(*db));
}

RunStore::RunStore(std::unique_ptr<Database> db)
    : m_db(std::move(db))
    , m_keyIds(std::make_unique<QHash<QString, qint64>>())
{
    // Any rollback (ours, an enclosing transaction's, or SQLite's own after an I/O error) may undo
    // the creation of a cached key: forget them all, they are looked up again on next use.
    sqlite3_rollback_hook(
        m_db->handle(), [](void* keyIds) { static_cast<QHash<QString, qint64>*>(keyIds)->clear(); }, m_keyIds.get());
}
RunStore::RunStore(RunStore&&) noexcept = default;
RunStore& RunStore::operator=(RunStore&&) noexcept = default;
RunStore::~RunStore()
{
    // The connection may roll back as it closes: the hook must not reach the cache freed before it.
    if (m_db)
        sqlite3_rollback_hook(m_db->handle(), nullptr, nullptr);
    // Statements must be finalized before the connection closes.
    m_insertPoint = Statement();
    m_insertBlock = Statement();
    m_readCount = Statement();
    m_upsertLatest = Statement();
}

Result<qint64> RunStore::projectId(const QString& name, double now)
{
    auto insert = m_db->prepare("INSERT INTO projects(name, created_at) VALUES(?, ?) ON CONFLICT(name) DO NOTHING");
    if (!insert)
        return insert.error();
    insert->bind(1, name);
    insert->bind(2, now);
    if (int rc = insert->step(); rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("creating project ") + name);
    auto select = m_db->prepare("SELECT id FROM projects WHERE name = ?");
    if (!select)
        return select.error();
    select->bind(1, name);
    if (int rc = select->step(); rc != SQLITE_ROW)
        return m_db->sqliteError(rc, QStringLiteral("reading project ") + name);
    return select->int64(0);
}

Result<RunRef> RunStore::createRun(const NewRun& run)
{
    RunRef ref { 0, run.uuid.isEmpty() ? newRunUuid() : run.uuid };
    const double now = nowSeconds();
    Status st = inWriteTransaction(*m_db, [&]() -> Status {
        auto project = projectId(run.project.isEmpty() ? QStringLiteral("default") : run.project, now);
        if (!project)
            return project.error();
        std::optional<qint64> parentId;
        if (!run.parentUuid.isEmpty()) {
            auto parent = resolveRun(run.parentUuid);
            if (!parent)
                return parent.error();
            parentId = parent->rowId;
        }
        auto insert = m_db->prepare(
            "INSERT INTO runs(uuid, project_id, name, status, kind, parent_id, start_time, user_name, host, pid, argv, "
            "cwd, env, config_files, git_commit, git_branch, git_dirty, git_patch, git_root) "
            "VALUES(?,?,?,'running',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        if (!insert)
            return insert.error();
        Statement& s = *insert;
        s.bind(1, ref.uuid);
        s.bind(2, *project);
        s.bind(3, run.name);
        s.bind(4, run.kind);
        if (parentId)
            s.bind(5, *parentId);
        else
            s.bindNull(5);
        s.bind(6, run.startTime > 0 ? run.startTime : now);
        s.bind(7, run.user);
        s.bind(8, run.host);
        s.bind(9, run.pid);
        s.bind(10, toJson(run.launch.argv));
        s.bind(11, run.launch.workingDir);
        s.bind(12, toJson(run.launch.environment));
        s.bind(13, toJson(run.launch.configFiles));
        s.bind(14, run.code.commit);
        s.bind(15, run.code.branch);
        s.bind(16, qint64(run.code.dirty));
        s.bind(17, run.code.patch);
        s.bind(18, run.code.root);
        if (int rc = s.step(); rc != SQLITE_DONE)
            return m_db->sqliteError(rc, QStringLiteral("creating a run"));
        ref.rowId = sqlite3_last_insert_rowid(m_db->handle());
        return success();
    });
    if (!st)
        return st.error();
    if (!run.params.isEmpty()) {
        if (auto p = setParams(ref.rowId, run.params); !p)
            return p.error();
    }
    if (!run.tags.isEmpty()) {
        if (auto t = setTags(ref.rowId, run.tags); !t)
            return t.error();
    }
    return ref;
}

Status RunStore::setParams(qint64 runId, const QMap<QString, ParamValue>& params)
{
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto s = m_db->prepare("INSERT OR REPLACE INTO params(run_id, key, value, vtype) VALUES(?,?,?,?)");
        if (!s)
            return s.error();
        for (auto it = params.begin(); it != params.end(); ++it) {
            s->bind(1, runId);
            s->bind(2, it.key());
            s->bind(3, it->value);
            s->bind(4, it->type);
            if (int rc = s->step(); rc != SQLITE_DONE)
                return m_db->sqliteError(rc, QStringLiteral("writing param ") + it.key());
            s->reset();
        }
        return success();
    });
}

Status RunStore::setTags(qint64 runId, const QMap<QString, QString>& tags)
{
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto s = m_db->prepare("INSERT OR REPLACE INTO tags(run_id, key, value) VALUES(?,?,?)");
        if (!s)
            return s.error();
        for (auto it = tags.begin(); it != tags.end(); ++it) {
            s->bind(1, runId);
            s->bind(2, it.key());
            s->bind(3, it.value());
            if (int rc = s->step(); rc != SQLITE_DONE)
                return m_db->sqliteError(rc, QStringLiteral("writing tag ") + it.key());
            s->reset();
        }
        return success();
    });
}

namespace {

    /// One `UPDATE runs SET column = ? WHERE id = ?` in a write transaction, failing for an unknown run.
    template <typename Value>
    Status updateRunColumn(Database& db, const char* sql, qint64 runId, const Value& value, const QString& what)
    {
        return inWriteTransaction(db, [&]() -> Status {
            auto s = db.prepare(sql);
            if (!s)
                return s.error();
            s->bind(1, value);
            s->bind(2, runId);
            if (int rc = s->step(); rc != SQLITE_DONE)
                return db.sqliteError(rc, what);
            if (sqlite3_changes(db.handle()) == 0)
                return Error { QStringLiteral("run #%1: no such run").arg(runId), QStringLiteral("reload the runs") };
            return success();
        });
    }

} // namespace

Status RunStore::setNotes(qint64 runId, const QString& notes)
{
    return updateRunColumn(
        *m_db, "UPDATE runs SET notes = ? WHERE id = ?", runId, notes, QStringLiteral("writing notes"));
}

Status RunStore::setRuntime(
    qint64 runId, const QMap<QString, QString>& runtime, const QMap<QString, QString>& packages)
{
    QJsonObject object;
    for (auto it = runtime.begin(); it != runtime.end(); ++it)
        object.insert(it.key(), *it);
    if (!packages.isEmpty()) {
        QJsonObject list;
        for (auto it = packages.begin(); it != packages.end(); ++it)
            list.insert(it.key(), *it);
        object.insert(QStringLiteral("packages"), list);
    }
    return updateRunColumn(*m_db, "UPDATE runs SET runtime = ? WHERE id = ?", runId,
        QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)), QStringLiteral("writing the runtime"));
}

Status RunStore::setName(qint64 runId, const QString& name)
{
    return updateRunColumn(*m_db, "UPDATE runs SET name = ? WHERE id = ?", runId, name, QStringLiteral("renaming"));
}

Status RunStore::setStarred(qint64 runId, bool starred)
{
    return updateRunColumn(
        *m_db, "UPDATE runs SET starred = ? WHERE id = ?", runId, qint64(starred), QStringLiteral("starring"));
}

Status RunStore::setArchived(qint64 runId, bool archived)
{
    return updateRunColumn(
        *m_db, "UPDATE runs SET archived = ? WHERE id = ?", runId, qint64(archived), QStringLiteral("archiving"));
}

Status RunStore::removeTag(qint64 runId, const QString& key)
{
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto s = m_db->prepare("DELETE FROM tags WHERE run_id = ? AND key = ?");
        if (!s)
            return s.error();
        s->bind(1, runId);
        s->bind(2, key);
        if (int rc = s->step(); rc != SQLITE_DONE)
            return m_db->sqliteError(rc, QStringLiteral("removing tag ") + key);
        return success();
    });
}

Status RunStore::recordEnd(qint64 runId, RunStatus status, std::optional<int> exitCode, double endTime)
{
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto s = m_db->prepare("UPDATE runs SET status = ?, exit_code = ?, end_time = ? WHERE id = ?");
        if (!s)
            return s.error();
        s->bind(1, toString(status));
        if (exitCode)
            s->bind(2, *exitCode);
        else
            s->bindNull(2);
        s->bind(3, endTime);
        s->bind(4, runId);
        if (int rc = s->step(); rc != SQLITE_DONE)
            return m_db->sqliteError(rc, QStringLiteral("finishing a run"));
        return success();
    });
}

Status RunStore::finishRun(qint64 runId, RunStatus status, std::optional<int> exitCode, double endTime)
{
    if (m_db->isWriting()) {
        // Part of the caller's transaction: the end and the packed histories land together.
        if (auto st = recordEnd(runId, status, exitCode, endTime); !st)
            return st;
        return packRunHistories(*m_db, runId);
    }
    if (auto st = recordEnd(runId, status, exitCode, endTime); !st)
        return st;
    // Its histories are complete now: packed, they read in one step each instead of a row a point.
    // In short transactions, so a run logging into this database meanwhile is never held up for
    // long. Packing only speeds reading: when it fails (the database locked past the busy timeout,
    // a full disk) the histories stay rows, read the same, and the next finish packs them.
    (void)packRunHistoriesInSlices(*m_db, runId);
    return success();
}

Status RunStore::appendOutput(qint64 runId, const QList<OutputChunk>& chunks)
{
    if (chunks.isEmpty())
        return success();
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto s = m_db->prepare("INSERT INTO run_output(run_id, seq, stream, time, data) "
                               "VALUES(?1, (SELECT coalesce(max(seq) + 1, 0) FROM run_output WHERE run_id = ?1), ?2, "
                               "?3, ?4)");
        if (!s)
            return s.error();
        for (const OutputChunk& chunk : chunks) {
            s->bind(1, runId);
            s->bind(2, chunk.stream);
            s->bind(3, chunk.time);
            s->bind(4, chunk.data);
            if (int rc = s->step(); rc != SQLITE_DONE)
                return m_db->sqliteError(rc, QStringLiteral("writing output"));
            s->reset();
        }
        return success();
    });
}

Result<qint64> RunStore::metricKeyId(const QString& key)
{
    if (auto it = m_keyIds->constFind(key); it != m_keyIds->constEnd())
        return *it;
    auto insert = m_db->prepare("INSERT INTO metric_keys(name) VALUES(?) ON CONFLICT(name) DO NOTHING");
    if (!insert)
        return insert.error();
    insert->bind(1, key);
    if (int rc = insert->step(); rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("writing metric key ") + key);
    auto select = m_db->prepare("SELECT id FROM metric_keys WHERE name = ?");
    if (!select)
        return select.error();
    select->bind(1, key);
    if (int rc = select->step(); rc != SQLITE_ROW)
        return m_db->sqliteError(rc, QStringLiteral("reading metric key ") + key);
    const qint64 id = select->int64(0);
    // Cached at once (the rest of this transaction uses it); the rollback hook set up in the
    // constructor drops it again if this transaction does not commit.
    m_keyIds->insert(key, id);
    return id;
}

Status RunStore::prepareMetricStatements()
{
    if (!m_insertPoint.valid()) {
        auto insert = m_db->prepare("INSERT INTO metrics(run_id, key_id, step, seq, value, time) VALUES(?,?,?,?,?,?)");
        auto count = m_db->prepare("SELECT count FROM metric_latest WHERE run_id = ? AND key_id = ?");
        auto latest
            = m_db->prepare("INSERT INTO metric_latest(run_id, key_id, step, value, time, count) VALUES(?,?,?,?,?,?) "
                            "ON CONFLICT(run_id, key_id) DO UPDATE SET count = excluded.count, "
                            "value = CASE WHEN excluded.step >= step THEN excluded.value ELSE value END, "
                            "time = CASE WHEN excluded.step >= step THEN excluded.time ELSE time END, "
                            "step = CASE WHEN excluded.step >= step THEN excluded.step ELSE step END");
        if (!insert)
            return insert.error();
        if (!count)
            return count.error();
        if (!latest)
            return latest.error();
        m_insertPoint = std::move(*insert);
        m_readCount = std::move(*count);
        m_upsertLatest = std::move(*latest);
    }
    return success();
}

Result<qint64> RunStore::pointCount(qint64 runId, qint64 keyId)
{
    m_readCount.bind(1, runId);
    m_readCount.bind(2, keyId);
    const int countRc = m_readCount.step();
    const qint64 count = countRc == SQLITE_ROW ? m_readCount.int64(0) : 0;
    m_readCount.reset();
    if (countRc != SQLITE_ROW && countRc != SQLITE_DONE)
        return m_db->sqliteError(countRc, QStringLiteral("reading the point count"));
    return count;
}

Status RunStore::appendPoints(qint64 runId, const QString& key, qint64 keyId, std::span<const qint64> steps,
    std::span<const double> values, std::span<const double> times)
{
    if (steps.empty())
        return success();
    if (auto st = prepareMetricStatements(); !st)
        return st;
    // The point count is read inside the write lock, so concurrent writers never reuse a seq.
    auto counted = pointCount(runId, keyId);
    if (!counted)
        return counted.error();
    const qint64 seq0 = *counted;
    // The count numbers the new points: a damaged one must not overflow (or go below zero).
    if (seq0 < 0 || seq0 > std::numeric_limits<qint64>::max() - qint64(steps.size())) {
        return Error { m_db->path()
                + QStringLiteral(": run #%1: the stored point count of %2 is damaged (%3)")
                      .arg(runId)
                      .arg(key)
                      .arg(seq0),
            QStringLiteral("restore the database from a backup, or log into a new database") };
    }
    qint64 seq = seq0;

    size_t last = 0;
    for (size_t i = 1; i < steps.size(); ++i) {
        if (steps[i] >= steps[last])
            last = i;
    }
    // Full blocks of kPointsPerInsert rows go through one multi-row INSERT (far fewer statement
    // executions); the remainder row by row.
    size_t i = 0;
    const size_t blocks = steps.size() / kPointsPerInsert;
    if (blocks > 0 && !m_insertBlock.valid()) {
        QByteArray sql = "INSERT INTO metrics(run_id, key_id, step, seq, value, time) VALUES ";
        for (size_t k = 0; k < kPointsPerInsert; ++k)
            sql += k ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
        auto block = m_db->prepare(sql.constData());
        if (!block)
            return block.error();
        m_insertBlock = std::move(*block);
    }
    for (size_t b = 0; b < blocks; ++b) {
        Statement& s = m_insertBlock;
        for (size_t k = 0; k < kPointsPerInsert; ++k, ++i) {
            const int base = int(k) * 6;
            s.bind(base + 1, runId);
            s.bind(base + 2, keyId);
            s.bind(base + 3, steps[i]);
            s.bind(base + 4, seq++);
            bindReal(s, base + 5, values[i]);
            s.bind(base + 6, times[i]);
        }
        if (int rc = s.step(); rc != SQLITE_DONE) {
            s.reset();
            return m_db->sqliteError(rc, QStringLiteral("writing metric points"));
        }
        sqlite3_reset(s.handle());
    }
    Statement& s = m_insertPoint;
    // Bindings survive sqlite3_reset(): the run and key are bound once per batch.
    s.bind(1, runId);
    s.bind(2, keyId);
    for (; i < steps.size(); ++i) {
        s.bind(3, steps[i]);
        s.bind(4, seq++);
        bindReal(s, 5, values[i]);
        s.bind(6, times[i]);
        if (int rc = s.step(); rc != SQLITE_DONE) {
            s.reset();
            return m_db->sqliteError(rc, QStringLiteral("writing metric points"));
        }
        sqlite3_reset(s.handle());
    }
    Statement& u = m_upsertLatest;
    u.bind(1, runId);
    u.bind(2, keyId);
    u.bind(3, steps[last]);
    bindReal(u, 4, values[last]);
    u.bind(5, times[last]);
    u.bind(6, seq);
    const int rc = u.step();
    u.reset();
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("writing latest metric"));
    return success();
}

Status RunStore::logMetric(qint64 runId, const QString& key, std::span<const qint64> steps,
    std::span<const double> values, std::span<const double> times)
{
    if (steps.size() != values.size() || steps.size() != times.size())
        return Error { QStringLiteral("metric ") + key + QStringLiteral(": steps, values and times differ in length"),
            {} };
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto keyId = metricKeyId(key);
        if (!keyId)
            return keyId.error();
        return appendPoints(runId, key, *keyId, steps, values, times);
    });
}

Status RunStore::logMetrics(qint64 runId, const QList<MetricPoint>& points)
{
    // Group by key, keeping each key's points in logging order.
    QMap<QString, MetricHistory> byKey;
    for (const MetricPoint& p : points) {
        MetricHistory& h = byKey[p.key];
        h.steps.push_back(p.step);
        h.values.push_back(p.value);
        h.times.push_back(p.time);
    }
    return inWriteTransaction(*m_db, [&]() -> Status {
        for (auto it = byKey.begin(); it != byKey.end(); ++it) {
            auto keyId = metricKeyId(it.key());
            if (!keyId)
                return keyId.error();
            if (auto st = appendPoints(runId, it.key(), *keyId, it->steps, it->values, it->times); !st)
                return st;
        }
        return success();
    });
}

Status RunStore::storeHistory(qint64 runId, const QString& key, std::span<const qint64> steps,
    std::span<const double> values, std::span<const double> times)
{
    if (steps.size() != values.size() || steps.size() != times.size())
        return Error { QStringLiteral("metric ") + key + QStringLiteral(": steps, values and times differ in length"),
            {} };
    if (steps.empty() || m_db->schemaVersion() < 4)
        return logMetric(runId, key, steps, values, times);
    // The order of a packed part, built before the write lock is taken: by step, and for equal steps
    // in logging order (the order of seq).
    std::vector<qint64> order(steps.size());
    std::iota(order.begin(), order.end(), qint64(0));
    std::stable_sort(
        order.begin(), order.end(), [&](qint64 a, qint64 b) { return steps[size_t(a)] < steps[size_t(b)]; });
    MetricHistory sorted;
    sorted.steps.resize(order.size());
    sorted.values.resize(order.size());
    sorted.times.resize(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
        const auto from = size_t(order[i]);
        sorted.steps[i] = steps[from];
        sorted.values[i] = values[from];
        sorted.times[i] = times[from];
    }
    std::vector<qint64>().swap(order);
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto keyId = metricKeyId(key);
        if (!keyId)
            return keyId.error();
        if (auto st = prepareMetricStatements(); !st)
            return st;
        auto count = pointCount(runId, *keyId);
        if (!count)
            return count.error();
        if (*count != 0)
            return appendPoints(runId, key, *keyId, steps, values, times); // points logged before: rows
        auto packed = writePackedHistory(*m_db, runId, *keyId, sorted);
        if (!packed)
            return packed.error();
        if (!*packed)
            return appendPoints(runId, key, *keyId, steps, values, times); // too long for one blob
        // The latest point: the largest step, the last logged of equal ones (last in sorted order).
        Statement& u = m_upsertLatest;
        u.bind(1, runId);
        u.bind(2, *keyId);
        u.bind(3, sorted.steps.back());
        bindReal(u, 4, sorted.values.back());
        u.bind(5, sorted.times.back());
        u.bind(6, qint64(sorted.size()));
        const int rc = u.step();
        u.reset();
        if (rc != SQLITE_DONE)
            return m_db->sqliteError(rc, QStringLiteral("writing latest metric"));
        return success();
    });
}

Result<qint64> RunStore::insertArtifact(qint64 runId, const ArtifactRecord& artifact, double now)
{
    auto s = m_db->prepare("INSERT INTO artifacts(run_id, path, hash, size, created_at) VALUES(?,?,?,?,?)");
    if (!s)
        return s.error();
    s->bind(1, runId);
    s->bind(2, artifact.path);
    s->bind(3, artifact.hash);
    if (artifact.size >= 0)
        s->bind(4, artifact.size);
    else
        s->bindNull(4);
    s->bind(5, now);
    if (int rc = s->step(); rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("writing artifact ") + artifact.path);
    return qint64(sqlite3_last_insert_rowid(m_db->handle()));
}

Status RunStore::addSteps(qint64 runId, const QList<StepRecord>& steps)
{
    const double now = nowSeconds();
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto insertStep = m_db->prepare("INSERT INTO steps(run_id, name, status, start_time, end_time, cached, "
                                        "command, params, log) VALUES(?,?,?,?,?,?,?,?,?)");
        auto link = m_db->prepare("INSERT OR IGNORE INTO step_io(step_id, artifact_id, direction) VALUES(?,?,?)");
        auto edge = m_db->prepare("INSERT OR IGNORE INTO step_edges(from_step, to_step) VALUES(?,?)");
        if (!insertStep)
            return insertStep.error();
        if (!link)
            return link.error();
        if (!edge)
            return edge.error();
        // Artifacts are shared by path within the run: an output of one step is the input of the next.
        QHash<QString, qint64> artifactIds;
        QHash<QString, qint64> stepIds;
        auto artifactId = [&](const ArtifactRecord& a) -> Result<qint64> {
            if (auto it = artifactIds.constFind(a.path); it != artifactIds.constEnd())
                return *it;
            auto id = insertArtifact(runId, a, now);
            if (id)
                artifactIds.insert(a.path, *id);
            return id;
        };
        for (const StepRecord& step : steps) {
            Statement& s = *insertStep;
            s.bind(1, runId);
            s.bind(2, step.name);
            s.bind(3, step.status);
            bindReal(s, 4, step.startTime);
            bindReal(s, 5, step.endTime);
            s.bind(6, qint64(step.cached));
            s.bind(7, step.command);
            s.bind(8, step.paramsJson);
            s.bind(9, step.log);
            if (int rc = s.step(); rc != SQLITE_DONE)
                return m_db->sqliteError(rc, QStringLiteral("writing step ") + step.name);
            s.reset();
            const qint64 stepId = sqlite3_last_insert_rowid(m_db->handle());
            stepIds.insert(step.name, stepId);
            for (const auto& [list, direction] : { std::pair { &step.inputs, QStringLiteral("in") },
                     std::pair { &step.outputs, QStringLiteral("out") } }) {
                for (const ArtifactRecord& a : *list) {
                    auto id = artifactId(a);
                    if (!id)
                        return id.error();
                    link->bind(1, stepId);
                    link->bind(2, *id);
                    link->bind(3, direction);
                    if (int rc = link->step(); rc != SQLITE_DONE)
                        return m_db->sqliteError(rc, QStringLiteral("linking step ") + step.name);
                    link->reset();
                }
            }
            for (const QString& before : step.after) {
                if (!stepIds.contains(before))
                    return Error { QStringLiteral("step ") + step.name + QStringLiteral(" depends on unknown step ")
                            + before,
                        QStringLiteral("record steps in dependency order") };
                edge->bind(1, stepIds.value(before));
                edge->bind(2, stepId);
                if (int rc = edge->step(); rc != SQLITE_DONE)
                    return m_db->sqliteError(rc, QStringLiteral("writing step edge"));
                edge->reset();
            }
        }
        return success();
    });
}

Status RunStore::addDataset(qint64 runId, const DatasetRecord& dataset)
{
    return inWriteTransaction(*m_db, [&]() -> Status {
        auto s = m_db->prepare(
            "INSERT INTO datasets(run_id, name, uri, hash, rows, role, created_at) VALUES(?,?,?,?,?,?,?)");
        if (!s)
            return s.error();
        s->bind(1, runId);
        s->bind(2, dataset.name);
        s->bind(3, dataset.uri);
        s->bind(4, dataset.hash);
        s->bind(5, dataset.rows);
        s->bind(6, dataset.role);
        s->bind(7, nowSeconds());
        if (int rc = s->step(); rc != SQLITE_DONE)
            return m_db->sqliteError(rc, QStringLiteral("writing dataset ") + dataset.name);
        const qint64 datasetId = sqlite3_last_insert_rowid(m_db->handle());
        auto p = m_db->prepare("INSERT OR REPLACE INTO feature_profiles(dataset_id, feature, ftype, count, missing, "
                               "stats, sample, sample_values) VALUES(?,?,?,?,?,?,?,?)");
        if (!p)
            return p.error();
        for (const FeatureProfile& f : dataset.profiles) {
            p->bind(1, datasetId);
            p->bind(2, f.feature);
            p->bind(3, f.type);
            p->bind(4, f.count);
            p->bind(5, f.missing);
            p->bind(6, f.statsJson);
            p->bind(7, f.sampleJson);
            if (f.sampleValues.isEmpty())
                p->bindNull(8);
            else
                sqlite3_bind_blob(
                    p->handle(), 8, f.sampleValues.constData(), int(f.sampleValues.size()), SQLITE_TRANSIENT);
            if (int rc = p->step(); rc != SQLITE_DONE)
                return m_db->sqliteError(rc, QStringLiteral("writing profile ") + f.feature);
            p->reset();
        }
        return success();
    });
}

Result<int> RunStore::recoverAbandonedRuns(const QString& localHost)
{
    // A run being imported (tagged import.incomplete) is not a recording whose process died.
    auto select = m_db->prepare("SELECT id, pid FROM runs WHERE status = 'running' AND host = ? AND NOT EXISTS "
                                "(SELECT 1 FROM tags t WHERE t.run_id = runs.id AND t.key = 'import.incomplete')");
    if (!select)
        return select.error();
    select->bind(1, localHost);
    QList<qint64> dead;
    int rc;
    while ((rc = select->step()) == SQLITE_ROW) {
        if (!processAlive(select->int64(1)))
            dead << select->int64(0);
    }
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("looking for abandoned runs"));
    select = Statement();
    if (dead.isEmpty() || m_db->readOnly())
        return 0;
    const double now = nowSeconds();
    Status st = inWriteTransaction(*m_db, [&]() -> Status {
        // The end time is the last sign of life: the newest point or output chunk, else now.
        auto update = m_db->prepare(
            "UPDATE runs SET status = 'killed', end_time = max(start_time, coalesce((SELECT max(time) FROM "
            "metric_latest WHERE run_id = ?1), (SELECT max(time) FROM run_output WHERE run_id = ?1), ?2)) WHERE id = "
            "?1 "
            "AND status = 'running'");
        if (!update)
            return update.error();
        for (qint64 id : dead) {
            update->bind(1, id);
            update->bind(2, now);
            if (int rc = update->step(); rc != SQLITE_DONE)
                return m_db->sqliteError(rc, QStringLiteral("recovering abandoned runs"));
            update->reset();
        }
        return success();
    });
    if (!st)
        return st.error();
    return int(dead.size());
}

Result<RunRef> RunStore::resolveRun(const QString& idOrPrefix) const
{
    const QString id = idOrPrefix.trimmed().toLower();
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]+$"));
    if (id.size() < 6 || !hex.match(id).hasMatch()) {
        return Error { QStringLiteral("run '") + idOrPrefix + QStringLiteral("': not a run id"),
            QStringLiteral("give a full run id or a unique prefix of at least 6 hex digits (see `reprise ls`)") };
    }
    auto s = m_db->prepare("SELECT id, uuid FROM runs WHERE uuid >= ?1 AND uuid < ?1 || 'g' ORDER BY uuid LIMIT 2");
    if (!s)
        return s.error();
    s->bind(1, id);
    QList<RunRef> found;
    int rc;
    while ((rc = s->step()) == SQLITE_ROW)
        found << RunRef { s->int64(0), s->text(1) };
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("looking up run ") + id);
    if (found.isEmpty()) {
        return Error { QStringLiteral("run '") + idOrPrefix + QStringLiteral("': no such run in ") + m_db->path(),
            QStringLiteral("list the runs with `reprise ls`") };
    }
    if (found.size() > 1) {
        return Error { QStringLiteral("run '") + idOrPrefix + QStringLiteral("': ambiguous prefix (matches ")
                + found[0].uuid + QStringLiteral(", ") + found[1].uuid + QStringLiteral(", ...)"),
            QStringLiteral("give more characters of the id") };
    }
    return found.first();
}

Result<QList<MetricSummary>> RunStore::metricSummaries(const RunRef& run) const
{
    auto s = m_db->prepare("SELECT k.name, l.step, l.value, l.time, l.count FROM metric_latest l JOIN metric_keys k "
                           "ON k.id = l.key_id WHERE l.run_id = ? ORDER BY k.name");
    if (!s)
        return s.error();
    s->bind(1, run.rowId);
    QList<MetricSummary> out;
    int rc;
    while ((rc = s->step()) == SQLITE_ROW)
        out << MetricSummary { s->text(0), s->int64(1), nullableReal(*s, 2), s->real(3), s->int64(4) };
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading metrics"));
    return out;
}

Result<RunRecord> RunStore::loadRun(const RunRef& ref) const
{
    // About ten queries, one snapshot: a writer committing meanwhile is either wholly in the
    // record or not at all.
    ReadTransaction snapshot(*m_db);
    if (!snapshot.status())
        return snapshot.status().error();
    const QString what = QStringLiteral("reading run ") + ref.uuid;
    auto damaged = [&](const QString& why) {
        return Error { m_db->path() + QStringLiteral(": run ") + ref.uuid + QStringLiteral(": ") + why,
            QStringLiteral("restore the database from a backup; its other runs read normally") };
    };
    // A read-only database of an older schema is not migrated: it has no runtime column.
    auto s = m_db->prepare(m_db->schemaVersion() >= 5
            ? "SELECT r.uuid, p.name, r.name, r.status, r.kind, (SELECT uuid FROM runs q WHERE q.id = r.parent_id), "
              "r.start_time, r.end_time, r.exit_code, r.user_name, r.host, r.pid, r.argv, r.cwd, r.env, "
              "r.config_files, "
              "r.git_commit, r.git_branch, r.git_dirty, r.git_patch, r.git_root, r.notes, r.starred, r.archived, "
              "r.runtime FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?"
            : "SELECT r.uuid, p.name, r.name, r.status, r.kind, (SELECT uuid FROM runs q WHERE q.id = r.parent_id), "
              "r.start_time, r.end_time, r.exit_code, r.user_name, r.host, r.pid, r.argv, r.cwd, r.env, "
              "r.config_files, "
              "r.git_commit, r.git_branch, r.git_dirty, r.git_patch, r.git_root, r.notes, r.starred, r.archived, "
              "'{}' FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?");
    if (!s)
        return s.error();
    s->bind(1, ref.rowId);
    int rc = s->step();
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? Error { QStringLiteral("run ") + ref.uuid + QStringLiteral(": no such run"), {} }
                                 : m_db->sqliteError(rc, what);
    RunRecord r;
    r.uuid = s->text(0);
    r.project = s->text(1);
    r.name = s->text(2);
    r.status = parseRunStatus(s->text(3)).value_or(RunStatus::Running);
    r.kind = s->text(4);
    r.parentUuid = s->text(5);
    r.startTime = s->real(6);
    if (!s->isNull(7))
        r.endTime = s->real(7);
    if (!s->isNull(8)) {
        const qint64 exitCode = s->int64(8);
        if (exitCode < std::numeric_limits<int>::min() || exitCode > std::numeric_limits<int>::max())
            return damaged(QStringLiteral("its stored exit code %1 is not an exit code").arg(exitCode));
        r.exitCode = int(exitCode);
    }
    r.user = s->text(9);
    r.host = s->text(10);
    r.pid = s->int64(11);
    r.launch.argv = listFromJson(s->text(12));
    r.launch.workingDir = s->text(13);
    r.launch.environment = mapFromJson(s->text(14));
    r.launch.configFiles = mapFromJson(s->text(15));
    r.code.commit = s->text(16);
    r.code.branch = s->text(17);
    r.code.dirty = s->int64(18) != 0;
    r.code.patch = s->text(19);
    r.code.root = s->text(20);
    r.notes = s->text(21);
    r.starred = s->int64(22) != 0;
    r.archived = s->int64(23) != 0;
    readRuntime(s->text(24), r);
    s = Statement();

    auto params = m_db->prepare("SELECT key, value, vtype FROM params WHERE run_id = ?");
    if (!params)
        return params.error();
    params->bind(1, ref.rowId);
    rc = params->forEachRow([&] { r.params.insert(params->text(0), ParamValue { params->text(1), params->text(2) }); });
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading the params of run ") + ref.uuid);
    params = Statement();

    auto tags = m_db->prepare("SELECT key, value FROM tags WHERE run_id = ?");
    if (!tags)
        return tags.error();
    tags->bind(1, ref.rowId);
    rc = tags->forEachRow([&] { r.tags.insert(tags->text(0), tags->text(1)); });
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading the tags of run ") + ref.uuid);
    tags = Statement();

    auto metrics = metricSummaries(ref);
    if (!metrics)
        return metrics.error();
    r.metrics = *metrics;

    // Steps with their inputs, outputs and explicit dependencies.
    auto steps = m_db->prepare("SELECT id, name, status, start_time, end_time, cached, command, params, log FROM steps "
                               "WHERE run_id = ? ORDER BY id");
    if (!steps)
        return steps.error();
    steps->bind(1, ref.rowId);
    QHash<qint64, qsizetype> stepIndex;
    rc = steps->forEachRow([&] {
        StepRecord st;
        st.id = steps->int64(0);
        st.name = steps->text(1);
        st.status = steps->text(2);
        st.startTime = nullableReal(*steps, 3);
        st.endTime = nullableReal(*steps, 4);
        st.cached = steps->int64(5) != 0;
        st.command = steps->text(6);
        st.paramsJson = steps->text(7);
        st.log = steps->text(8);
        stepIndex.insert(st.id, r.steps.size());
        r.steps << st;
    });
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading the pipeline steps of run ") + ref.uuid);
    steps = Statement();
    // LEFT JOIN: a link to an artifact row that is gone still shows up (with an empty path).
    auto io = m_db->prepare("SELECT io.step_id, io.direction, io.artifact_id, a.path, a.hash, a.size FROM step_io io "
                            "JOIN steps s ON s.id = io.step_id LEFT JOIN artifacts a ON a.id = io.artifact_id "
                            "WHERE s.run_id = ? ORDER BY io.artifact_id");
    if (!io)
        return io.error();
    io->bind(1, ref.rowId);
    rc = io->forEachRow([&] {
        const auto idx = stepIndex.value(io->int64(0), -1);
        if (idx < 0)
            return;
        ArtifactRecord a { io->int64(2), io->isNull(3) ? QString() : io->text(3),
            io->isNull(4) ? QString() : io->text(4), io->isNull(5) ? -1 : io->int64(5) };
        (io->text(1) == QLatin1String("in") ? r.steps[idx].inputs : r.steps[idx].outputs) << a;
    });
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading the step inputs and outputs of run ") + ref.uuid);
    io = Statement();
    auto edges = m_db->prepare("SELECT e.from_step, e.to_step FROM step_edges e JOIN steps s ON s.id = e.to_step "
                               "WHERE s.run_id = ?");
    if (!edges)
        return edges.error();
    edges->bind(1, ref.rowId);
    rc = edges->forEachRow([&] {
        const auto from = stepIndex.value(edges->int64(0), -1);
        const auto to = stepIndex.value(edges->int64(1), -1);
        if (from >= 0 && to >= 0)
            r.steps[to].after << r.steps[from].name;
    });
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading the step dependencies of run ") + ref.uuid);
    edges = Statement();

    auto artifacts = m_db->prepare("SELECT id, path, hash, size FROM artifacts WHERE run_id = ? ORDER BY id");
    if (!artifacts)
        return artifacts.error();
    artifacts->bind(1, ref.rowId);
    rc = artifacts->forEachRow([&] {
        r.artifacts << ArtifactRecord { artifacts->int64(0), artifacts->text(1), artifacts->text(2),
            artifacts->isNull(3) ? -1 : artifacts->int64(3) };
    });
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading the artifacts of run ") + ref.uuid);
    artifacts = Statement();

    auto datasets = m_db->prepare("SELECT id, name, uri, hash, rows, role FROM datasets WHERE run_id = ? ORDER BY id");
    if (!datasets)
        return datasets.error();
    datasets->bind(1, ref.rowId);
    rc = datasets->forEachRow([&] {
        r.datasets << DatasetRecord { datasets->int64(0), datasets->text(1), datasets->text(2), datasets->text(3),
            datasets->int64(4), datasets->text(5), {} };
    });
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading the datasets of run ") + ref.uuid);
    datasets = Statement();
    // sample_values exists from schema 3 on; a database opened read-only may be older.
    auto profiles = m_db->prepare(m_db->schemaVersion() >= 3
            ? "SELECT feature, ftype, count, missing, stats, sample, sample_values FROM feature_profiles WHERE "
              "dataset_id = ?"
            : "SELECT feature, ftype, count, missing, stats, sample, NULL FROM feature_profiles WHERE dataset_id = ?");
    if (!profiles)
        return profiles.error();
    for (DatasetRecord& d : r.datasets) {
        profiles->bind(1, d.id);
        std::optional<Error> bad;
        rc = profiles->forEachRow([&] {
            FeatureProfile f { profiles->text(0), profiles->text(1), profiles->int64(2), profiles->int64(3),
                profiles->text(4), profiles->text(5), {} };
            // The counts size the samples drift reads: a negative one must not become a huge size.
            if (!bad && (f.count < 0 || f.missing < 0 || f.missing > f.count)) {
                bad = damaged(QStringLiteral("the profile of %1 in dataset %2 is damaged (%3 values, %4 missing)")
                                  .arg(f.feature, d.name)
                                  .arg(f.count)
                                  .arg(f.missing));
            }
            if (!profiles->isNull(6)) {
                const auto* blob = static_cast<const char*>(sqlite3_column_blob(profiles->handle(), 6));
                f.sampleValues = QByteArray(blob, sqlite3_column_bytes(profiles->handle(), 6));
            }
            d.profiles << f;
        });
        profiles->reset();
        if (rc != SQLITE_DONE)
            return m_db->sqliteError(rc, QStringLiteral("reading the feature profiles of run ") + ref.uuid);
        if (bad)
            return *bad;
    }
    return r;
}

Result<RunRecord> RunStore::loadRun(const QString& idOrPrefix) const
{
    ReadTransaction snapshot(*m_db);
    if (!snapshot.status())
        return snapshot.status().error();
    auto ref = resolveRun(idOrPrefix);
    if (!ref)
        return ref.error();
    return loadRun(*ref);
}

Result<MetricHistory> RunStore::loadMetric(const RunRef& run, const QString& key, PointTimes times) const
{
    // The count, the packed part and the rows from one snapshot: a run finishing meanwhile moves
    // its rows into the packed part, and reading each at another moment would lose points.
    ReadTransaction snapshot(*m_db);
    if (!snapshot.status())
        return snapshot.status().error();
    auto info = m_db->prepare("SELECT l.key_id, l.count, (SELECT page_count * page_size FROM pragma_page_count(), "
                              "pragma_page_size()) FROM metric_latest l JOIN metric_keys k ON k.id = l.key_id "
                              "WHERE l.run_id = ? AND k.name = ?");
    if (!info)
        return info.error();
    info->bind(1, run.rowId);
    info->bind(2, key);
    if (int rc = info->step(); rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE)
            return m_db->sqliteError(
                rc, QStringLiteral("reading metric ") + key + QStringLiteral(" of run ") + run.uuid);
        return Error { QStringLiteral("run ") + run.uuid + QStringLiteral(": no metric '") + key + u'\'',
            QStringLiteral("list its metrics with `reprise metrics ") + run.uuid.left(8) + u'`' };
    }
    const qint64 keyId = info->int64(0);
    const qint64 count = info->int64(1);
    const qint64 fileBytes = info->int64(2);
    info = Statement();
    const QString name = QStringLiteral("run ") + run.uuid + QStringLiteral(": the stored history of ") + key;
    // Every point takes at least 8 bytes of the file, packed or as a row: a count beyond that is
    // damage, and must not become the size of an allocation.
    if (count < 0 || count > fileBytes / 8) {
        return Error { m_db->path() + QStringLiteral(": ") + name
                + QStringLiteral(" is damaged (count %1 in a %2-byte database)").arg(count).arg(fileBytes),
            QStringLiteral("restore the database from a backup; its other metrics and runs read normally") };
    }

    // A finished run's points are packed in one row; points logged after packing are rows.
    const bool withTimes = times == PointTimes::Load;
    auto packed = readPackedHistory(*m_db, run.rowId, keyId, withTimes, name);
    if (!packed)
        return packed.error();
    // Sized from the point count up front: the loop then only stores (the count is a hint; the
    // arrays still grow if there are more points).
    const auto expected = size_t(count);
    // Rows of packed points that packing has not deleted yet (it deletes them in slices) are skipped.
    auto rows = readHistoryRows(*m_db, run.rowId, keyId, withTimes, expected - std::min(expected, packed->size()), name,
        qint64(packed->size()));
    if (!rows)
        return rows.error();
    MetricHistory h = mergeHistories(std::move(*packed), std::move(*rows));
    h.key = key;
    return h;
}

Result<QList<OutputChunk>> RunStore::loadOutput(const RunRef& run) const
{
    auto s = m_db->prepare("SELECT stream, time, data FROM run_output WHERE run_id = ? ORDER BY seq");
    if (!s)
        return s.error();
    s->bind(1, run.rowId);
    QList<OutputChunk> out;
    int rc;
    while ((rc = s->step()) == SQLITE_ROW)
        out << OutputChunk { s->text(0), s->real(1), s->text(2) };
    if (rc != SQLITE_DONE)
        return m_db->sqliteError(rc, QStringLiteral("reading output"));
    return out;
}

} // namespace reprise
