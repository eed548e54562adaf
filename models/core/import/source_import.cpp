#include "import/source_import.h"

#include "store/run_store.h"

#include <QFileInfo>
#include <QSet>

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

Result<ImportedSource> readSource(const QString& path, const ReadControl& control, SourceKind kind)
{
    if (!QFileInfo::exists(path))
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
    case SourceKind::Reprise:
        return Error { path + QStringLiteral(": is a Reprise database already"),
            QStringLiteral("open it as a source: reprise ") + path };
    case SourceKind::Unknown:
        break;
    }
    return Error { path + QStringLiteral(": not a kind of run data Reprise reads"),
        QStringLiteral("Reprise reads MLflow (mlflow.db, mlruns/), TensorBoard event files, DVC projects "
                       "(dvc.yaml) and Lightning/Keras CSV logs") };
}

Result<ImportSummary> writeImportedRuns(RunStore& target, ImportedSource source, const ImportOptions& options)
{
    ImportSummary summary;
    summary.kind = source.kind;
    summary.problems = source.problems;
    summary.runsInSource = int(source.runs.size());
    if (auto st = target.database().checkWritable(); !st)
        return st.error();
    const QList<ImportedRun*> ordered = parentsFirst(source.runs);
    const double now = nowSeconds();
    Status written = inWriteTransaction(target.database(), [&]() -> Status {
        QSet<QString> inTarget;
        int done = 0;
        for (ImportedRun* r : ordered) {
            if (options.control.cancelled())
                return Error { QStringLiteral("import cancelled: nothing was written"), {} };
            if (auto existing = target.resolveRun(r->run.uuid); existing && existing->uuid == r->run.uuid) {
                ++summary.runsSkipped;
                inTarget.insert(r->run.uuid);
                continue;
            }
            NewRun run = r->run;
            if (!options.project.isEmpty())
                run.project = options.project;
            if (run.project.isEmpty())
                run.project = QStringLiteral("imported");
            if (!run.parentUuid.isEmpty() && !inTarget.contains(run.parentUuid)) {
                run.tags.insert(QStringLiteral("import.parent"), run.parentUuid);
                run.parentUuid.clear();
            }
            if (run.startTime <= 0)
                run.startTime = now;
            auto ref = target.createRun(run);
            if (!ref)
                return ref.error();
            inTarget.insert(run.uuid);
            for (MetricHistory& h : r->metrics) {
                if (h.times.size() != h.steps.size())
                    h.times.assign(h.steps.size(), run.startTime);
                if (auto st = target.logMetric(ref->rowId, h.key, h.steps, h.values, h.times); !st)
                    return st.error();
                summary.points += qint64(h.size());
                std::vector<qint64>().swap(h.steps); // release as we go: sources can be large
                std::vector<double>().swap(h.values);
                std::vector<double>().swap(h.times);
            }
            if (!r->steps.isEmpty()) {
                if (auto st = target.addSteps(ref->rowId, r->steps); !st)
                    return st.error();
                summary.steps += int(r->steps.size());
            }
            for (const DatasetRecord& d : r->datasets) {
                if (auto st = target.addDataset(ref->rowId, d); !st)
                    return st.error();
                ++summary.datasets;
            }
            if (!r->notes.isEmpty())
                if (auto st = target.setNotes(ref->rowId, r->notes); !st)
                    return st.error();
            if (r->archived)
                if (auto st = target.setArchived(ref->rowId, true); !st)
                    return st.error();
            if (r->status != RunStatus::Running)
                if (auto st = target.finishRun(ref->rowId, r->status, r->exitCode, r->endTime.value_or(run.startTime));
                    !st)
                    return st.error();
            ++summary.runsAdded;
            options.control.report(double(++done) / double(ordered.size()));
        }
        return success();
    });
    if (!written)
        return written.error();
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

} // namespace reprise
