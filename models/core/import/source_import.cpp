#include "import/source_import.h"

#include "store/metric_packing.h"
#include "store/run_store.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSet>
#include <cerrno>
#include <csignal>
#include <limits>
#include <mutex>
#include <span>

namespace reprise {

namespace {

    /// Parents before children (a parent outside the source keeps only its id, in a tag).
    QList<ImportedRun*> parentsFirst(QList<ImportedRun>& runs)
    {
        QHash<QString, ImportedRun*> byId;
        for (ImportedRun& r : runs)
            byId.insert(r.run.uuid, &r);
        QList<ImportedRun*> out;
        QSet<QString> placed, visiting;
        std::function<void(ImportedRun*)> place = [&](ImportedRun* r) {
            if (placed.contains(r->run.uuid) || visiting.contains(r->run.uuid))
                return; // placed, or a cycle in the source's parent tags: stop there
            visiting.insert(r->run.uuid);
            if (ImportedRun* parent = byId.value(r->run.parentUuid))
                place(parent);
            visiting.remove(r->run.uuid);
            placed.insert(r->run.uuid);
            out << r;
        };
        for (ImportedRun& r : runs)
            place(&r);
        return out;
    }

} // namespace

Result<ImportedSource> readSource(const QString& typed, const ReadControl& control, SourceKind kind)
{
    // Every reader sees the same path whatever the user typed: keys derived from file paths
    // (MLflow's params/, tags/, metrics/), run names, projects and ids stay the same.
    const QString path = canonicalSourcePath(typed);
    if (!QFileInfo::exists(path) && kind != SourceKind::TeamStore && detectSource(path) != SourceKind::TeamStore)
        return Error { path + QStringLiteral(": no such file or directory"), {} };
    switch (kind == SourceKind::Unknown ? detectSource(path) : kind) {
    case SourceKind::MlflowDatabase:
        return readMlflowDatabase(path, control);
    case SourceKind::MlflowFileStore:
        return readMlflowFileStore(path, control);
    case SourceKind::TensorBoard:
        return readTensorBoard(path, control);
    case SourceKind::Dvc:
        return readDvcProject(path, control);
    case SourceKind::LightningCsv:
    case SourceKind::KerasCsv:
        return readCsvLogs(path, control);
    case SourceKind::Wandb:
        return readWandb(path, control);
    case SourceKind::TeamStore:
        return Error { QStringLiteral("team store %1: not a source to import").arg(path),
            QStringLiteral(
                "hint: open it as a source (reprise LOCATION, or ls/show --db LOCATION); push runs to it with "
                "reprise sync") };
    case SourceKind::Reprise:
        return Error { path + QStringLiteral(": is a Reprise database already"),
            QStringLiteral("open it as a source: reprise ") + path };
    case SourceKind::Unknown:
        break;
    }
    return Error { path + QStringLiteral(": not a kind of run data Reprise reads"),
        QStringLiteral("Reprise reads MLflow (mlflow.db, mlruns/), TensorBoard event files, DVC projects "
                       "(dvc.yaml), Weights & Biases run folders (wandb/) and Lightning/Keras CSV logs") };
}

namespace {

    /// How much one import transaction may write, so that it holds the write lock ≲ 100 ms. Estimated
    /// from costs measured on a 2-core machine under load (tests/bench `mlflow_import`, which prints
    /// the longest hold): a run ~600 µs to create, a history ~60 µs plus ~50 ns a point to store
    /// packed; a point written as a row ~1.5 µs (only histories too long to pack are rows).
    constexpr qint64 kBudgetUs = 60000;
    constexpr double kUsPerPackedPoint = 0.05;
    constexpr qint64 kUsPerHistory = 60;
    constexpr qint64 kUsPerRun = 600;
    constexpr qint64 kRowsPerTransaction = 30000;

    const QString kIncompleteTag = QStringLiteral("import.incomplete");

    /// The markers of the imports this process is running now (several threads may import).
    std::mutex s_activeMutex;
    QSet<QString> s_activeImports;

    qint64 pointsOf(const ImportedRun& r)
    {
        qint64 n = 0;
        for (const MetricHistory& h : r.metrics)
            n += qint64(h.size());
        return n;
    }

    /// The estimated lock time of writing a run whole in one transaction.
    qint64 costUs(const ImportedRun& r)
    {
        return kUsPerRun + qint64(r.metrics.size()) * kUsPerHistory + qint64(double(pointsOf(r)) * kUsPerPackedPoint)
            + qint64(r.steps.size() + r.datasets.size()) * kUsPerHistory;
    }

    bool processAlive(qint64 pid)
    {
        if (pid <= 0 || pid > std::numeric_limits<pid_t>::max())
            return false;
        return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
    }

    /// Whether the import that marked a run ("host/pid/token") may still be writing it: a process
    /// of this host that is alive (and, for this process, an import of it still in progress).
    /// Another host's import cannot be checked: it is taken for gone (an import interrupted there).
    bool markerOwnerAlive(const QString& marker)
    {
        const QStringList parts = marker.split(u'/');
        if (parts.size() != 3 || parts[0] != localHostName())
            return false;
        const qint64 pid = parts[1].toLongLong();
        if (pid == qint64(QCoreApplication::applicationPid())) {
            std::lock_guard guard(s_activeMutex);
            return s_activeImports.contains(marker);
        }
        return processAlive(pid);
    }

    /// Writes one source's runs in short transactions: small runs whole, several per transaction;
    /// a large run in several, created with an `import.incomplete` tag that its last one removes.
    class ImportWriter {
    public:
        ImportWriter(RunStore& store, const ImportOptions& options, ImportSummary& summary)
            : m_store(store)
            , m_db(store.database())
            , m_options(options)
            , m_summary(summary)
            , m_pacing(store.database())
        {
            quint32 random[2];
            QRandomGenerator::system()->fillRange(random);
            m_marker = localHostName() + u'/' + QString::number(QCoreApplication::applicationPid()) + u'/'
                + QString::number(random[0], 16) + QString::number(random[1], 16);
            std::lock_guard guard(s_activeMutex);
            s_activeImports.insert(m_marker);
        }
        ~ImportWriter()
        {
            std::lock_guard guard(s_activeMutex);
            s_activeImports.remove(m_marker);
        }
        ImportWriter(const ImportWriter&) = delete;
        ImportWriter& operator=(const ImportWriter&) = delete;

        Status write(const QList<ImportedRun*>& ordered)
        {
            qint64 total = 0;
            for (const ImportedRun* r : ordered)
                total += pointsOf(*r) + 1;
            m_total = std::max<qint64>(total, 1);
            Status st = writeAll(ordered);
            if (st && m_options.control.cancelled())
                st = cancelled(); // a Cancel pressed while the last transaction committed counts too
            if (st)
                return st;
            // Cancelled or failed: the runs this import wrote go again, in short transactions too.
            if (auto removed = removeWritten(); !removed) {
                return Error { st.error().message
                        + QStringLiteral("; the %1 runs it had written could not all be "
                                         "removed (%2): import the source again to "
                                         "complete them")
                              .arg(m_written.size())
                              .arg(removed.error().message),
                    st.error().hint };
            }
            return st;
        }

    private:
        Status writeAll(const QList<ImportedRun*>& ordered)
        {
            qsizetype next = 0;
            while (next < ordered.size()) {
                if (m_options.control.cancelled())
                    return cancelled();
                ImportedRun* r = ordered[next];
                qint64 rowId = 0;
                auto state = stateOf(r->run.uuid, &rowId);
                if (!state)
                    return state.error();
                if (*state == Present::Complete || *state == Present::BeingImported) {
                    if (*state == Present::BeingImported) {
                        m_summary.problems << ImportProblem { r->run.uuid,
                            QStringLiteral("run %1 is being imported by another process; it is skipped here: import "
                                           "the source again once that import has finished")
                                .arg(r->run.uuid) };
                    } else {
                        ++m_summary.runsSkipped;
                    }
                    m_inTarget.insert(r->run.uuid);
                    progress(pointsOf(*r) + 1);
                    ++next;
                    continue;
                }
                if (*state == Present::Incomplete) {
                    // An import of it was interrupted (killed, or the machine stopped): its partial
                    // data goes, and it is imported again.
                    if (auto st = removeRun(rowId); !st)
                        return st;
                    ++m_summary.runsRepaired;
                }
                if (costUs(*r) > kBudgetUs) {
                    if (auto st = writeLargeRun(*r); !st)
                        return st;
                    ++next;
                    continue;
                }
                // Small runs: as many whole runs as fit in one transaction.
                QList<ImportedRun*> batch { r };
                qint64 cost = costUs(*r);
                while (next + batch.size() < ordered.size()) {
                    ImportedRun* candidate = ordered[next + batch.size()];
                    const qint64 more = costUs(*candidate);
                    if (cost + more > kBudgetUs)
                        break;
                    auto present = stateOf(candidate->run.uuid);
                    if (!present)
                        return present.error();
                    if (*present != Present::No)
                        break; // skipped or repaired by the loop above
                    batch << candidate;
                    cost += more;
                }
                qint64 work = 0;
                QList<RunRef> created;
                Status st = transaction([&]() -> Status {
                    for (ImportedRun* run : batch) {
                        work += pointsOf(*run) + 1;
                        auto ref = createRun(*run, false);
                        if (!ref)
                            return ref.error();
                        if (ref->rowId == 0)
                            continue; // written by another import meanwhile
                        created << *ref;
                        if (auto s = writeHistories(*run, ref->rowId, run->metrics.size()); !s)
                            return s;
                        if (auto s = writeRest(*run, ref->rowId); !s)
                            return s;
                    }
                    return success();
                });
                if (!st)
                    return st;
                committed(created);
                for (ImportedRun* run : batch)
                    releaseHistories(*run);
                next += batch.size();
                progress(work);
            }
            return success();
        }

        enum class Present { No, Complete, Incomplete, BeingImported };

        /// Whether the target has a run of exactly this id (its row id into `rowId`), and whether an
        /// import of it is unfinished.
        Result<Present> stateOf(const QString& uuid, qint64* rowId = nullptr)
        {
            auto s = m_db.prepare("SELECT (SELECT value FROM tags WHERE run_id = r.id AND key = ?), r.id FROM runs r "
                                  "WHERE r.uuid = ?");
            if (!s)
                return s.error();
            s->bind(1, kIncompleteTag);
            s->bind(2, uuid);
            const int rc = s->step();
            if (rc == SQLITE_DONE)
                return Present::No;
            if (rc != SQLITE_ROW)
                return m_db.sqliteError(rc, QStringLiteral("looking up run ") + uuid);
            if (rowId)
                *rowId = s->int64(1);
            if (s->isNull(0))
                return Present::Complete;
            return markerOwnerAlive(s->text(0)) ? Present::BeingImported : Present::Incomplete;
        }

        /// Creates the run (params and tags too) inside the caller's transaction; a row id of 0 when
        /// a run of that id is there already (another import wrote it meanwhile).
        Result<RunRef> createRun(const ImportedRun& r, bool marked)
        {
            auto present = stateOf(r.run.uuid);
            if (!present)
                return present.error();
            if (*present != Present::No) {
                ++m_summary.runsSkipped;
                m_inTarget.insert(r.run.uuid);
                return RunRef {};
            }
            // Its parent: written by this import before it (parents first), or there before.
            NewRun run = r.run;
            if (!m_options.project.isEmpty())
                run.project = m_options.project;
            if (run.project.isEmpty())
                run.project = QStringLiteral("imported");
            if (!run.parentUuid.isEmpty() && !m_inTarget.contains(run.parentUuid)
                && !m_pending.contains(run.parentUuid)) {
                run.tags.insert(QStringLiteral("import.parent"), run.parentUuid);
                run.parentUuid.clear();
            }
            if (run.startTime <= 0)
                run.startTime = m_now;
            if (marked)
                run.tags.insert(kIncompleteTag, m_marker);
            auto ref = m_store.createRun(run);
            if (!ref)
                return ref.error();
            m_pending.insert(run.uuid); // in the target once its transaction commits
            return ref;
        }

        /// Runs whose creating transaction committed: in the target, and removed again if the import
        /// does not complete. (Only then: the row id of a run rolled back may be another's by now.)
        void committed(const QList<RunRef>& runs)
        {
            for (const RunRef& ref : runs) {
                m_inTarget.insert(ref.uuid);
                m_written << ref.rowId;
            }
            m_pending.clear();
        }

        /// The first `count` histories of `r`, each in one piece (packed), inside the caller's transaction.
        Status writeHistories(ImportedRun& r, qint64 rowId, qsizetype count, qsizetype from = 0)
        {
            const double start = r.run.startTime > 0 ? r.run.startTime : m_now;
            for (qsizetype i = from; i < from + count; ++i) {
                MetricHistory& h = r.metrics[i];
                if (h.times.size() != h.steps.size())
                    h.times.assign(h.steps.size(), start);
                if (auto st = m_store.storeHistory(rowId, h.key, h.steps, h.values, h.times); !st)
                    return st;
                m_summary.points += qint64(h.size());
            }
            return success();
        }

        /// Steps, datasets, notes, the archived flag and the end, inside the caller's transaction.
        Status writeRest(const ImportedRun& r, qint64 rowId)
        {
            if (!r.steps.isEmpty()) {
                if (auto st = m_store.addSteps(rowId, r.steps); !st)
                    return st;
                m_summary.steps += int(r.steps.size());
            }
            for (const DatasetRecord& d : r.datasets) {
                if (auto st = m_store.addDataset(rowId, d); !st)
                    return st;
                ++m_summary.datasets;
            }
            if (!r.notes.isEmpty())
                if (auto st = m_store.setNotes(rowId, r.notes); !st)
                    return st;
            if (!r.output.isEmpty())
                if (auto st = m_store.appendOutput(rowId, r.output); !st)
                    return st;
            if (!r.runtime.isEmpty() || !r.packages.isEmpty())
                if (auto st = m_store.setRuntime(rowId, r.runtime, r.packages); !st)
                    return st;
            if (r.archived)
                if (auto st = m_store.setArchived(rowId, true); !st)
                    return st;
            if (r.status != RunStatus::Running) {
                const double start = r.run.startTime > 0 ? r.run.startTime : m_now;
                if (auto st = m_store.recordEnd(rowId, r.status, r.exitCode, r.endTime.value_or(start)); !st)
                    return st;
            }
            ++m_summary.runsAdded;
            return success();
        }

        static void releaseHistories(ImportedRun& r)
        {
            for (MetricHistory& h : r.metrics) {
                std::vector<qint64>().swap(h.steps); // release as we go: sources can be large
                std::vector<double>().swap(h.values);
                std::vector<double>().swap(h.times);
            }
        }

        /// A run too large for one short transaction: created marked incomplete, its histories in
        /// transactions of their own (packed, or as rows in slices when too long to pack quickly),
        /// the rest and the removal of the mark in the last.
        Status writeLargeRun(ImportedRun& r)
        {
            qint64 rowId = 0;
            Status created = transaction([&]() -> Status {
                auto ref = createRun(r, true);
                if (!ref)
                    return ref.error();
                rowId = ref->rowId;
                return success();
            });
            if (!created)
                return created;
            if (rowId != 0)
                committed({ RunRef { rowId, r.run.uuid } });
            progress(1);
            if (rowId == 0)
                return success(); // imported by another import meanwhile
            const size_t maxPacked = PackingLimits {}.maxPackedPoints;
            qsizetype i = 0;
            while (i < r.metrics.size()) {
                if (m_options.control.cancelled())
                    return cancelled();
                const MetricHistory& h = r.metrics[i];
                if (h.size() > maxPacked) {
                    if (auto st = writeRows(r, rowId, i); !st)
                        return st;
                    ++i;
                    continue;
                }
                // Histories packed, as many as fit in one transaction (at least one).
                qsizetype count = 1;
                qint64 cost = kUsPerHistory + qint64(double(h.size()) * kUsPerPackedPoint);
                while (i + count < r.metrics.size()) {
                    const MetricHistory& more = r.metrics[i + count];
                    const qint64 c = kUsPerHistory + qint64(double(more.size()) * kUsPerPackedPoint);
                    if (more.size() > maxPacked || cost + c > kBudgetUs)
                        break;
                    cost += c;
                    ++count;
                }
                qint64 points = 0;
                Status st = markedTransaction(rowId, [&]() -> Status {
                    const qint64 before = m_summary.points;
                    if (auto s = writeHistories(r, rowId, count, i); !s)
                        return s;
                    points = m_summary.points - before;
                    return success();
                });
                if (!st)
                    return st;
                i += count;
                progress(points);
            }
            Status finished = markedTransaction(rowId, [&]() -> Status {
                if (auto st = writeRest(r, rowId); !st)
                    return st;
                return m_store.removeTag(rowId, kIncompleteTag);
            });
            if (!finished)
                return finished;
            releaseHistories(r);
            return success();
        }

        /// A history too long to pack in one short transaction: rows, a slice per transaction.
        Status writeRows(ImportedRun& r, qint64 rowId, qsizetype index)
        {
            MetricHistory& h = r.metrics[index];
            const double start = r.run.startTime > 0 ? r.run.startTime : m_now;
            if (h.times.size() != h.steps.size())
                h.times.assign(h.steps.size(), start);
            for (size_t from = 0; from < h.size(); from += kRowsPerTransaction) {
                if (m_options.control.cancelled())
                    return cancelled();
                const size_t n = std::min<size_t>(kRowsPerTransaction, h.size() - from);
                Status st = markedTransaction(rowId, [&]() -> Status {
                    return m_store.logMetric(rowId, h.key, std::span(h.steps).subspan(from, n),
                        std::span(h.values).subspan(from, n), std::span(h.times).subspan(from, n));
                });
                if (!st)
                    return st;
                m_summary.points += qint64(n);
                progress(qint64(n));
            }
            return success();
        }

        template <typename Body> Status transaction(Body&& body)
        {
            Status st = inWriteTransaction(m_db, std::forward<Body>(body));
            if (st)
                m_pacing.afterCommit();
            return st;
        }

        /// A transaction that writes only while the run still carries this import's mark: a run
        /// another import removed meanwhile (taking this one for interrupted) is not written into.
        template <typename Body> Status markedTransaction(qint64 rowId, Body&& body)
        {
            return transaction([&]() -> Status {
                auto s = m_db.prepare("SELECT value FROM tags WHERE run_id = ? AND key = ?");
                if (!s)
                    return s.error();
                s->bind(1, rowId);
                s->bind(2, kIncompleteTag);
                const int rc = s->step();
                if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                    return m_db.sqliteError(rc, QStringLiteral("checking an imported run"));
                if (rc != SQLITE_ROW || s->text(0) != m_marker) {
                    return Error { m_db.path()
                            + QStringLiteral(": a run being imported was removed by another import "
                                             "meanwhile"),
                        QStringLiteral("import the source again once the other import has finished") };
                }
                s = Statement();
                return body();
            });
        }

        /// Everything of one run, the run last, in short transactions.
        Status removeRun(qint64 rowId)
        {
            auto keys = m_db.prepare("SELECT key_id, count FROM metric_latest WHERE run_id = ?");
            if (!keys)
                return keys.error();
            keys->bind(1, rowId);
            QList<std::pair<qint64, qint64>> histories;
            if (int rc = keys->forEachRow([&] {
                    histories.append({ keys->int64(0), keys->int64(1) });
                });
                rc != SQLITE_DONE)
                return m_db.sqliteError(rc, QStringLiteral("removing an imported run"));
            keys = Statement();
            // Long histories' rows in slices of steps (their packed part goes with the run).
            for (const auto& [keyId, count] : histories) {
                if (count <= kRowsPerTransaction)
                    continue;
                for (;;) {
                    qint64 removed = 0;
                    Status st = transaction([&]() -> Status {
                        auto d = m_db.prepare(
                            "DELETE FROM metrics WHERE run_id = ?1 AND key_id = ?2 AND step <= coalesce((SELECT step "
                            "FROM metrics WHERE run_id = ?1 AND key_id = ?2 ORDER BY step, seq LIMIT 1 OFFSET ?3), "
                            "9223372036854775807)");
                        if (!d)
                            return d.error();
                        d->bind(1, rowId);
                        d->bind(2, keyId);
                        d->bind(3, kRowsPerTransaction);
                        if (int rc = d->step(); rc != SQLITE_DONE)
                            return m_db.sqliteError(rc, QStringLiteral("removing an imported run"));
                        removed = sqlite3_changes(m_db.handle());
                        return success();
                    });
                    if (!st)
                        return st;
                    if (removed == 0)
                        break;
                }
            }
            return transaction([&]() -> Status { return deleteRun(rowId); });
        }

        /// Deletes a run and everything of it inside the caller's transaction.
        Status deleteRun(qint64 rowId)
        {
            static const char* const statements[] = {
                "DELETE FROM metrics WHERE run_id = ?1",
                "DELETE FROM metric_packed WHERE run_id = ?1",
                "DELETE FROM metric_latest WHERE run_id = ?1",
                "DELETE FROM params WHERE run_id = ?1",
                "DELETE FROM tags WHERE run_id = ?1",
                "DELETE FROM run_output WHERE run_id = ?1",
                "DELETE FROM step_io WHERE step_id IN (SELECT id FROM steps WHERE run_id = ?1)",
                "DELETE FROM step_edges WHERE to_step IN (SELECT id FROM steps WHERE run_id = ?1) OR from_step IN "
                "(SELECT id FROM steps WHERE run_id = ?1)",
                "DELETE FROM steps WHERE run_id = ?1",
                "DELETE FROM artifacts WHERE run_id = ?1",
                "DELETE FROM feature_profiles WHERE dataset_id IN (SELECT id FROM datasets WHERE run_id = ?1)",
                "DELETE FROM datasets WHERE run_id = ?1",
                "UPDATE runs SET parent_id = NULL WHERE parent_id = ?1",
                // Its project, when no other run is in it (an import that created it leaves no trace).
                "DELETE FROM projects WHERE id = (SELECT project_id FROM runs WHERE id = ?1) AND NOT EXISTS "
                "(SELECT 1 FROM runs WHERE project_id = projects.id AND id <> ?1)",
                "DELETE FROM runs WHERE id = ?1",
            };
            for (const char* sql : statements) {
                auto s = m_db.prepare(sql);
                if (!s)
                    return s.error();
                s->bind(1, rowId);
                if (int rc = s->step(); rc != SQLITE_DONE)
                    return m_db.sqliteError(rc, QStringLiteral("removing an imported run"));
            }
            return success();
        }

        Status removeWritten()
        {
            // Children first (they were written after their parents).
            while (!m_written.isEmpty()) {
                if (auto st = removeRun(m_written.last()); !st)
                    return st;
                m_written.removeLast();
            }
            return success();
        }

        Error cancelled() const { return Error { QStringLiteral("import cancelled: nothing was written"), {} }; }

        void progress(qint64 work)
        {
            m_done += work;
            m_options.control.report(std::min(1.0, double(m_done) / double(m_total)));
        }

        RunStore& m_store;
        Database& m_db;
        const ImportOptions& m_options;
        ImportSummary& m_summary;
        QString m_marker;
        WriterPacing m_pacing;
        const double m_now = nowSeconds();
        QSet<QString> m_inTarget;
        QSet<QString> m_pending; ///< created in the transaction in progress
        QList<qint64> m_written; ///< row ids of the runs this import created, in order
        qint64 m_total = 1;
        qint64 m_done = 0;
    };

} // namespace

Result<ImportSummary> writeImportedRuns(RunStore& target, ImportedSource source, const ImportOptions& options)
{
    ImportSummary summary;
    summary.kind = source.kind;
    summary.problems = source.problems;
    summary.runsInSource = int(source.runs.size());
    if (auto st = target.database().checkWritable(); !st)
        return st.error();
    if (target.database().isWriting())
        return Error { QStringLiteral("an import cannot be part of another write transaction"), {} };
    const QList<ImportedRun*> ordered = parentsFirst(source.runs);
    ImportWriter writer(target, options, summary);
    if (auto st = writer.write(ordered); !st)
        return st.error();
    return summary;
}

Result<ImportSummary> importSource(const QString& path, RunStore& target, const ImportOptions& options)
{
    ReadControl reading = options.control;
    // Reading is the first half of the progress, writing the second.
    if (options.control.progress)
        reading.progress = [&](double f) { options.control.progress(f / 2); };
    auto source = readSource(path, reading, options.kind);
    if (!source)
        return source.error();
    ImportOptions writing = options;
    if (options.control.progress)
        writing.control.progress = [&](double f) { options.control.progress(0.5 + f / 2); };
    return writeImportedRuns(target, std::move(*source), writing);
}

QString repairedRunsText(const ImportSummary& summary)
{
    if (summary.runsRepaired == 0)
        return {};
    return QStringLiteral(" (%1 of them completing an interrupted import)").arg(summary.runsRepaired);
}

Result<ImportSummary> importSourceInto(const QString& path, const QString& target, const ImportOptions& options)
{
    auto store = RunStore::open(target, OpenMode::ReadWrite);
    if (!store)
        return store.error();
    return importSource(path, *store, options);
}

QString importSummaryLine(const QString& source, const ImportSummary& summary)
{
    return QStringLiteral("%1 (%2): %3 runs imported%8, %4 already there, %5 metric points, %6 steps, %7 datasets")
        .arg(source, toString(summary.kind))
        .arg(summary.runsAdded)
        .arg(summary.runsSkipped)
        .arg(summary.points)
        .arg(summary.steps)
        .arg(summary.datasets)
        .arg(repairedRunsText(summary));
}

} // namespace reprise
