// DVC projects: dvc.yaml stages (+ dvc.lock hashes) as a pipeline run, params.yaml as its params,
// dvclive's metrics.json and plots/metrics/*.tsv as its metrics.

#include "import/checked_number.h"
#include "import/simple_yaml.h"
#include "import/source_reader.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QVariantMap>
#include <algorithm>

namespace reprise {

namespace {

    YamlDocument readYaml(const QString& path, ImportedSource& source)
    {
        YamlDocument doc = parseYaml(readWholeFile(path));
        if (!doc.error.isEmpty())
            source.problems << ImportProblem { path, doc.error + QStringLiteral("; the rest was read") };
        if (!doc.unknownTags.isEmpty())
            source.problems << ImportProblem { path,
                QStringLiteral("unknown YAML tags %1: read as plain values").arg(doc.unknownTags.join(u',')) };
        return doc;
    }

    /// A deps/outs entry: "path" or {path: {...}} in dvc.yaml, {path, md5|hash, size} in dvc.lock.
    QString entryPath(const QVariant& entry)
    {
        if (entry.typeId() == QMetaType::QVariantMap) {
            const QVariantMap m = entry.toMap();
            if (m.contains(QStringLiteral("path")))
                return m.value(QStringLiteral("path")).toString();
            return m.isEmpty() ? QString() : m.firstKey();
        }
        return entry.toString();
    }

    struct LockedFile {
        QString hash;
        qint64 size = -1;
    };

    /// dvc.lock's hashes by (stage, path). A size that is no byte count is reported and left out.
    QMap<QString, LockedFile> lockedFiles(const QVariantList& entries, const QString& lockPath, ImportedSource& source)
    {
        QMap<QString, LockedFile> out;
        for (const QVariant& e : entries) {
            const QVariantMap m = e.toMap();
            LockedFile f;
            const QString path = m.value(QStringLiteral("path")).toString();
            const QString md5 = m.value(QStringLiteral("md5")).toString();
            if (!md5.isEmpty())
                f.hash = QStringLiteral("md5:") + md5;
            const QString size = m.value(QStringLiteral("size")).toString();
            if (!size.isEmpty()) {
                const std::optional<qint64> bytes = integerFromText(size);
                if (bytes && *bytes >= 0)
                    f.size = *bytes;
                else
                    source.problems << ImportProblem { lockPath,
                        QStringLiteral("size '%1' of %2 is not a byte count: left out").arg(size.left(40), path) };
            }
            out.insert(path, f);
        }
        return out;
    }

    bool under(const QString& path, const QString& folder)
    {
        return path == folder || path.startsWith(folder.endsWith(u'/') ? folder : folder + u'/');
    }

    /// dvclive plots: "step\t<name>" rows (a timestamp column may come too).
    MetricHistory readTsv(const QString& key, const QByteArray& bytes, qint64& bad, qint64& badTimes)
    {
        MetricHistory h;
        h.key = key;
        const QList<QByteArray> lines = bytes.split('\n');
        const QList<QByteArray> header = lines.value(0).trimmed().split('\t');
        const qsizetype stepColumn = header.indexOf("step");
        const qsizetype timeColumn = header.indexOf("timestamp");
        qsizetype valueColumn = -1;
        for (qsizetype c = 0; c < header.size(); ++c)
            if (c != stepColumn && c != timeColumn)
                valueColumn = c;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            if (line.isEmpty())
                continue;
            const QList<QByteArray> cells = line.split('\t');
            bool okValue = false;
            const std::optional<qint64> step = stepColumn < 0
                ? std::optional<qint64>(qint64(h.size()))
                : integerFromText(QString::fromUtf8(cells.value(stepColumn)));
            const double value = cells.value(valueColumn).toDouble(&okValue);
            if (!step || !okValue) {
                ++bad;
                continue;
            }
            h.steps.push_back(*step);
            h.values.push_back(value);
            if (timeColumn >= 0) {
                bool okTime = false;
                const double ms = cells.value(timeColumn).toDouble(&okTime); // dvclive: milliseconds
                if (okTime && checkedEpochSeconds(ms / 1000.0))
                    h.times.push_back(ms / 1000.0);
                else
                    ++badTimes; // the history is then kept without wall times
            }
        }
        if (h.times.size() != h.steps.size())
            h.times.clear();
        sortHistory(h);
        return h;
    }

} // namespace

Result<ImportedSource> readDvcProject(const QString& path, const ReadControl& control)
{
    const QString root = QFileInfo(path).isFile() ? QFileInfo(path).absolutePath() : QFileInfo(path).absoluteFilePath();
    const QString dvcYaml = root + QStringLiteral("/dvc.yaml");
    if (!QFileInfo::exists(dvcYaml))
        return Error { path + QStringLiteral(": no dvc.yaml"), QStringLiteral("open the DVC project's folder") };
    ImportedSource source;
    source.kind = SourceKind::Dvc;
    const YamlDocument pipeline = readYaml(dvcYaml, source);
    const QVariantMap stages = pipeline.root.toMap().value(QStringLiteral("stages")).toMap();
    if (stages.isEmpty())
        return Error { dvcYaml + QStringLiteral(": no stages"), pipeline.error };
    const QString lockPath = root + QStringLiteral("/dvc.lock");
    const QByteArray lockBytes = readWholeFile(lockPath);
    const QVariantMap locked = QFileInfo::exists(lockPath)
        ? readYaml(lockPath, source).root.toMap().value(QStringLiteral("stages")).toMap()
        : QVariantMap();

    ImportedRun r;
    r.run.kind = QStringLiteral("import");
    r.run.name = QFileInfo(root).fileName();
    r.run.project = QFileInfo(root).fileName();
    r.run.launch.workingDir = root;
    // The same pipeline state (dvc.lock) is the same run: a new `dvc repro` imports as a new run.
    r.run.uuid = stableRunId(QStringLiteral("dvc:") + QFileInfo(root).canonicalFilePath() + u':'
        + QString::fromLatin1(QCryptographicHash::hash(lockBytes, QCryptographicHash::Md5).toHex()));
    r.run.tags.insert(QStringLiteral("import.source"), QStringLiteral("dvc"));
    r.run.startTime = QFileInfo(QFileInfo::exists(lockPath) ? lockPath : dvcYaml).lastModified().toSecsSinceEpoch();
    r.endTime = r.run.startTime;

    // Params: params.yaml, flattened ("train.lr").
    if (QFileInfo::exists(root + QStringLiteral("/params.yaml"))) {
        const QMap<QString, QString> flat = flattenYaml(readYaml(root + QStringLiteral("/params.yaml"), source).root);
        for (auto it = flat.begin(); it != flat.end(); ++it)
            r.run.params.insert(it.key(), ParamValue::infer(*it));
    }

    // Stages: commands, deps and outs with their locked hashes; edges from an out to a dep under it.
    QMap<QString, QStringList> outsByStage;
    for (auto it = stages.begin(); it != stages.end(); ++it) {
        const QVariantMap stage = it.value().toMap();
        if (stage.contains(QStringLiteral("foreach")) || stage.contains(QStringLiteral("matrix"))) {
            source.problems << ImportProblem { dvcYaml,
                QStringLiteral("stage '%1' uses foreach/matrix: its generated stages are not read").arg(it.key()) };
            continue;
        }
        const QVariantMap lock = locked.value(it.key()).toMap();
        const QMap<QString, LockedFile> lockedDeps
            = lockedFiles(lock.value(QStringLiteral("deps")).toList(), lockPath, source);
        const QMap<QString, LockedFile> lockedOuts
            = lockedFiles(lock.value(QStringLiteral("outs")).toList(), lockPath, source);
        StepRecord step;
        step.name = it.key();
        const QVariant cmd = stage.value(QStringLiteral("cmd"));
        step.command = cmd.typeId() == QMetaType::QVariantList ? cmd.toStringList().join(QStringLiteral(" && "))
                                                               : cmd.toString();
        step.status = lock.isEmpty() ? QStringLiteral("skipped") : QStringLiteral("finished");
        const QVariant stageParams = lock.value(QStringLiteral("params"));
        if (stageParams.isValid())
            step.paramsJson = QString::fromUtf8(
                QJsonDocument(QJsonObject::fromVariantMap(stageParams.toMap())).toJson(QJsonDocument::Compact));
        for (const QVariant& dep : stage.value(QStringLiteral("deps")).toList()) {
            const QString p = entryPath(dep);
            const LockedFile f = lockedDeps.value(p);
            step.inputs << ArtifactRecord { 0, p, f.hash, f.size };
        }
        for (const QVariant& out : stage.value(QStringLiteral("outs")).toList()) {
            const QString p = entryPath(out);
            const LockedFile f = lockedOuts.value(p);
            step.outputs << ArtifactRecord { 0, p, f.hash, f.size };
            outsByStage[it.key()] << p;
        }
        r.steps << step;
    }
    for (StepRecord& step : r.steps)
        for (auto other = outsByStage.begin(); other != outsByStage.end(); ++other) {
            if (other.key() == step.name)
                continue;
            for (const ArtifactRecord& in : std::as_const(step.inputs))
                if (std::any_of(other->begin(), other->end(),
                        [&](const QString& out) { return under(in.path, out) || under(out, in.path); })
                    && !step.after.contains(other.key()))
                    step.after << other.key();
        }
    // Dependencies first (the store links a step to steps recorded before it); cycles keep file order.
    QList<StepRecord> ordered;
    QSet<QString> placed;
    while (ordered.size() < r.steps.size()) {
        const qsizetype before = ordered.size();
        for (const StepRecord& step : std::as_const(r.steps))
            if (!placed.contains(step.name) && std::all_of(step.after.begin(), step.after.end(), [&](const QString& a) {
                    return placed.contains(a);
                })) {
                ordered << step;
                placed.insert(step.name);
            }
        if (ordered.size() == before) { // a cycle: drop its edges rather than the steps
            for (StepRecord step : std::as_const(r.steps))
                if (!placed.contains(step.name)) {
                    step.after.clear();
                    ordered << step;
                    placed.insert(step.name);
                }
            source.problems << ImportProblem { dvcYaml, QStringLiteral("the stages depend on each other in a cycle") };
        }
    }
    r.steps = ordered;
    control.report(0.5);

    // dvclive: metrics.json (nested, with "step") and plots/metrics/**.tsv histories.
    QDirIterator live(root, { QStringLiteral("metrics.json") }, QDir::Files, QDirIterator::Subdirectories);
    QSet<QString> fromPlots;
    QDirIterator plots(root, { QStringLiteral("*.tsv") }, QDir::Files, QDirIterator::Subdirectories);
    while (plots.hasNext()) {
        const QString file = plots.next();
        const qsizetype at = file.indexOf(QLatin1String("/plots/metrics/"));
        if (at < 0)
            continue;
        QString key = file.mid(at + int(qstrlen("/plots/metrics/")));
        key.chop(4);
        qint64 bad = 0, badTimes = 0;
        MetricHistory h = readTsv(key, readWholeFile(file), bad, badTimes);
        if (bad > 0)
            source.problems << ImportProblem { file, QStringLiteral("%1 unreadable rows skipped").arg(bad) };
        if (badTimes > 0)
            source.problems << ImportProblem { file,
                QStringLiteral("%1 timestamps are no time in milliseconds: the points are kept without wall times")
                    .arg(badTimes) };
        if (h.size() > 0) {
            fromPlots.insert(key);
            r.metrics << std::move(h);
        }
    }
    while (live.hasNext()) {
        const QString file = live.next();
        if (file.contains(QLatin1String("/.dvc/")))
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(readWholeFile(file), &error);
        if (error.error != QJsonParseError::NoError) {
            source.problems << ImportProblem { file, QStringLiteral("not JSON: ") + error.errorString() };
            continue;
        }
        const QMap<QString, QString> flat = flattenYaml(doc.toVariant());
        qint64 step = 0;
        if (flat.contains(QStringLiteral("step"))) {
            const std::optional<qint64> written = integerFromText(flat.value(QStringLiteral("step")));
            if (written)
                step = *written;
            else
                source.problems << ImportProblem { file,
                    QStringLiteral("step '%1' is not a whole number that fits in 64 bits: its values are kept at "
                                   "step 0")
                        .arg(flat.value(QStringLiteral("step")).left(40)) };
        }
        for (auto it = flat.begin(); it != flat.end(); ++it) {
            bool ok = false;
            const double v = it->toDouble(&ok);
            if (!ok || it.key() == QLatin1String("step") || fromPlots.contains(it.key()))
                continue; // a history from plots/ has this point already
            MetricHistory h;
            h.key = it.key();
            h.steps = { step };
            h.values = { v };
            r.metrics << h;
        }
    }
    source.runs << std::move(r);
    control.report(1.0);
    return source;
}

} // namespace reprise
