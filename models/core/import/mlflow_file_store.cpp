// MLflow's file store (mlruns/): experiments and runs as folders of small files.

#include "import/checked_number.h"
#include "import/mlflow_datasets.h"
#include "import/simple_yaml.h"
#include "import/source_reader.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <cmath>

namespace reprise {

namespace {

    /// `file` relative to `dir` ("eval/loss"), both made absolute first: QDir::relativeFilePath()
    /// returns a relative path unchanged, which made keys of whole paths ("mlruns/0/…/params/x").
    QString keyOf(const QString& dir, const QString& file)
    {
        return QDir(QFileInfo(dir).absoluteFilePath()).relativeFilePath(QFileInfo(file).absoluteFilePath());
    }

    /// Every file under `dir` as (relative path → contents): keys with '/' are subfolders.
    QMap<QString, QString> keyedFiles(const QString& dir)
    {
        QMap<QString, QString> out;
        QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            out.insert(keyOf(dir, file), QString::fromUtf8(readWholeFile(file)));
        }
        return out;
    }

    /// MLflow's RunStatus enum: 1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED; nullopt otherwise.
    std::optional<RunStatus> fileStoreStatus(const QString& text)
    {
        switch (integerFromText(text).value_or(0)) {
        case 1:
        case 2:
            return RunStatus::Running;
        case 3:
            return RunStatus::Finished;
        case 4:
            return RunStatus::Failed;
        case 5:
            return RunStatus::Killed;
        default:
            return std::nullopt;
        }
    }

    /// A time in milliseconds since the epoch ("1700000000000"), as seconds; nullopt (with a problem of
    /// `file`) when it is written but is no such time. Empty and "null" are no time, silently.
    std::optional<double> epochMilliseconds(
        const QString& text, const QString& file, const char* key, ImportedSource& source)
    {
        if (text.isEmpty() || text == QLatin1String("null"))
            return std::nullopt;
        const std::optional<qint64> ms = integerFromText(text);
        const std::optional<double> seconds = ms ? checkedEpochSeconds(double(*ms) / 1000.0) : std::nullopt;
        if (!seconds) {
            source.problems << ImportProblem {
                file,
                QStringLiteral("%1 '%2' is not a time in milliseconds: left out").arg(QLatin1String(key), text.left(40))
            };
            return std::nullopt;
        }
        return seconds;
    }

    /// A value as Python's repr(float) wrote it ("nan", "inf", "-inf" included).
    std::optional<double> parseValue(const QByteArray& text)
    {
        bool ok = false;
        const double v = text.toDouble(&ok);
        if (ok)
            return v;
        const QByteArray lower = text.toLower();
        if (lower == "nan")
            return std::numeric_limits<double>::quiet_NaN();
        if (lower == "inf" || lower == "infinity")
            return std::numeric_limits<double>::infinity();
        if (lower == "-inf" || lower == "-infinity")
            return -std::numeric_limits<double>::infinity();
        return std::nullopt;
    }

    /// One metric file: lines "ts value [step [dataset_name dataset_digest]]". Bad lines are counted.
    MetricHistory readMetricFile(const QString& key, const QByteArray& bytes, qint64& badLines)
    {
        struct Point {
            qint64 step;
            qint64 ts;
            double value;
        };
        std::vector<Point> points;
        for (const QByteArray& raw : bytes.split('\n')) {
            const QByteArray line = raw.trimmed();
            if (line.isEmpty())
                continue;
            const QList<QByteArray> fields = line.split(' ');
            bool tsOk = false, stepOk = true;
            const qint64 ts = fields.value(0).toLongLong(&tsOk);
            const auto value = parseValue(fields.value(1));
            const qint64 step = fields.size() >= 3 ? fields[2].toLongLong(&stepOk) : 0;
            if (fields.size() < 2 || fields.size() > 6 || !tsOk || !value || !stepOk) {
                ++badLines;
                continue;
            }
            points.push_back(Point { step, ts, *value });
        }
        // MLflow's order: step, then timestamp, then value.
        std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
            return a.step != b.step ? a.step < b.step : a.ts != b.ts ? a.ts < b.ts : a.value < b.value;
        });
        MetricHistory h;
        h.key = key;
        for (const Point& p : points) {
            h.steps.push_back(p.step);
            h.values.push_back(p.value);
            h.times.push_back(double(p.ts) / 1000.0);
        }
        return h;
    }

    QString scalarText(const QVariantMap& map, const char* key)
    {
        return map.value(QString::fromLatin1(key)).toString();
    }

    /// An experiment's datasets (<exp>/datasets/<id>/meta.yaml: name, digest, source, profile) by id.
    QHash<QString, DatasetRecord> readDatasets(const QString& experiment)
    {
        QHash<QString, DatasetRecord> out;
        const QString folder = experiment + QStringLiteral("/datasets");
        for (const QString& id : QDir(folder).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const QVariantMap m
                = parseYaml(readWholeFile(folder + u'/' + id + QStringLiteral("/meta.yaml"))).root.toMap();
            if (m.isEmpty())
                continue;
            DatasetRecord d;
            d.name = scalarText(m, "name");
            d.hash = scalarText(m, "digest");
            d.uri = scalarText(m, "source");
            d.rows = mlflowProfileRows(scalarText(m, "profile"));
            out.insert(id, d);
        }
        return out;
    }

    /// The datasets a run used: <run>/inputs/<id>/meta.yaml naming a dataset of its experiment, its
    /// role in the `mlflow.data.context` tag.
    QList<DatasetRecord> runDatasets(const QString& run, const QHash<QString, DatasetRecord>& datasets)
    {
        QList<DatasetRecord> out;
        const QString folder = run + QStringLiteral("/inputs");
        for (const QString& id : QDir(folder).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const QVariantMap m
                = parseYaml(readWholeFile(folder + u'/' + id + QStringLiteral("/meta.yaml"))).root.toMap();
            if (scalarText(m, "source_type") != QLatin1String("DATASET")
                || !datasets.contains(scalarText(m, "source_id")))
                continue;
            DatasetRecord d = datasets.value(scalarText(m, "source_id"));
            d.role = m.value(QStringLiteral("tags")).toMap().value(QStringLiteral("mlflow.data.context")).toString();
            out << d;
        }
        return out;
    }

    /// One run folder; false when it is not a run (no meta.yaml with a run id).
    bool readRun(const QString& dir, const QString& project, bool trashed,
        const QHash<QString, DatasetRecord>& datasets, ImportedSource& source)
    {
        const QString metaPath = dir + QStringLiteral("/meta.yaml");
        if (!QFileInfo::exists(metaPath))
            return false;
        const YamlDocument meta = parseYaml(readWholeFile(metaPath));
        const QVariantMap m = meta.root.toMap();
        QString id = scalarText(m, "run_uuid");
        if (id.isEmpty())
            id = scalarText(m, "run_id");
        if (id.isEmpty()) {
            source.problems << ImportProblem { metaPath, QStringLiteral("no run_id: not a run, skipped") };
            return false;
        }
        if (!meta.error.isEmpty())
            source.problems << ImportProblem { metaPath, meta.error };
        ImportedRun r;
        r.run.uuid = id.toLower();
        r.run.kind = QStringLiteral("import");
        r.run.project = project;
        r.run.name = scalarText(m, "run_name");
        if (r.run.name.isEmpty())
            r.run.name = scalarText(m, "name");
        r.run.user = scalarText(m, "user_id");
        r.run.startTime = epochMilliseconds(scalarText(m, "start_time"), metaPath, "start_time", source).value_or(0);
        r.endTime = epochMilliseconds(scalarText(m, "end_time"), metaPath, "end_time", source);
        const QString status = scalarText(m, "status");
        r.status = fileStoreStatus(status).value_or(RunStatus::Running);
        if (!status.isEmpty() && !fileStoreStatus(status))
            source.problems << ImportProblem { metaPath,
                QStringLiteral("status '%1' is none of MLflow's (1 to 5): read as running").arg(status.left(40)) };
        r.archived = trashed || scalarText(m, "lifecycle_stage") == QLatin1String("deleted");
        r.run.code.commit = scalarText(m, "source_version");
        const QString artifacts = scalarText(m, "artifact_uri");
        if (!artifacts.isEmpty())
            r.run.tags.insert(QStringLiteral("mlflow.artifactUri"), artifacts);
        r.run.tags.insert(QStringLiteral("import.source"), QStringLiteral("mlflow"));

        const QMap<QString, QString> params = keyedFiles(dir + QStringLiteral("/params"));
        for (auto it = params.begin(); it != params.end(); ++it)
            r.run.params.insert(it.key(), ParamValue::infer(it->trimmed()));
        const QMap<QString, QString> tags = keyedFiles(dir + QStringLiteral("/tags"));
        for (auto it = tags.begin(); it != tags.end(); ++it) {
            const QString& key = it.key();
            if (key == QLatin1String("mlflow.runName") && r.run.name.isEmpty())
                r.run.name = *it;
            else if (key == QLatin1String("mlflow.parentRunId"))
                r.run.parentUuid = it->trimmed().toLower();
            else if (key == QLatin1String("mlflow.source.git.commit"))
                r.run.code.commit = it->trimmed();
            else if (key == QLatin1String("mlflow.note.content"))
                r.notes = *it;
            r.run.tags.insert(key, *it);
        }
        QDirIterator metrics(dir + QStringLiteral("/metrics"), QDir::Files, QDirIterator::Subdirectories);
        while (metrics.hasNext()) {
            const QString file = metrics.next();
            qint64 bad = 0;
            r.metrics << readMetricFile(keyOf(dir + QStringLiteral("/metrics"), file), readWholeFile(file), bad);
            if (bad > 0)
                source.problems << ImportProblem { file, QStringLiteral("%1 unreadable lines skipped").arg(bad) };
        }
        r.datasets = runDatasets(dir, datasets);
        source.runs << std::move(r);
        return true;
    }

    /// One experiment folder: its meta.yaml names the project; every other folder may be a run.
    void readExperiment(const QString& dir, bool trashed, ImportedSource& source)
    {
        const YamlDocument meta = parseYaml(readWholeFile(dir + QStringLiteral("/meta.yaml")));
        QString name = meta.root.toMap().value(QStringLiteral("name")).toString();
        if (name.isEmpty())
            name = QStringLiteral("mlflow-") + QFileInfo(dir).fileName();
        trashed = trashed
            || meta.root.toMap().value(QStringLiteral("lifecycle_stage")).toString() == QLatin1String("deleted");
        static const QStringList reserved { QStringLiteral("tags"), QStringLiteral("datasets"),
            QStringLiteral("traces"), QStringLiteral("models") };
        const QHash<QString, DatasetRecord> datasets = readDatasets(dir);
        for (const QString& entry : QDir(dir).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            if (reserved.contains(entry) || entry.startsWith(u'.'))
                continue; // .ipynb_checkpoints and other junk
            readRun(dir + u'/' + entry, name, trashed, datasets, source);
        }
    }

} // namespace

Result<ImportedSource> readMlflowFileStore(const QString& path, const ReadControl& control)
{
    QString root = path;
    if (QFileInfo(path + QStringLiteral("/mlruns")).isDir()
        && !QFileInfo::exists(path + QStringLiteral("/0/meta.yaml")))
        root = path + QStringLiteral("/mlruns");
    ImportedSource source;
    source.kind = SourceKind::MlflowFileStore;
    QStringList experiments;
    for (const QString& entry : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        if (QFileInfo::exists(root + u'/' + entry + QStringLiteral("/meta.yaml")))
            experiments << root + u'/' + entry;
    QStringList trashed;
    for (const QString& entry : QDir(root + QStringLiteral("/.trash")).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        trashed << root + QStringLiteral("/.trash/") + entry;
    if (experiments.isEmpty() && trashed.isEmpty())
        return Error { path + QStringLiteral(": no MLflow experiments (folders with a meta.yaml) in it"), {} };
    const qsizetype total = experiments.size() + trashed.size();
    qsizetype done = 0;
    for (const QString& dir : std::as_const(experiments)) {
        if (control.cancelled())
            return Error { QStringLiteral("import cancelled"), {} };
        readExperiment(dir, false, source);
        control.report(double(++done) / double(total));
    }
    // Deleted experiments keep their runs: imported, archived.
    for (const QString& dir : std::as_const(trashed)) {
        if (control.cancelled())
            return Error { QStringLiteral("import cancelled"), {} };
        readExperiment(dir, true, source);
        control.report(double(++done) / double(total));
    }
    return source;
}

} // namespace reprise
