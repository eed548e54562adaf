// DVC projects: dvc.yaml stages (+ dvc.lock hashes) as a pipeline run, params.yaml as its params,
// dvclive's metrics.json and plots/metrics/*.tsv as its metrics.

#include "import/checked_number.h"
#include "import/simple_yaml.h"
#include "import/source_reader.h"
#include "launch/git_info.h"

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

    /// dvclive plots: "step\t<name>" rows (a timestamp column may come too). The value column is the
    /// one named after the metric (the last such: a metric named "step" or "timestamp" shares its
    /// name with dvclive's own column); a file without a step column is in logging order.
    MetricHistory readTsv(const QString& key, const QByteArray& bytes, qint64& bad, qint64& badTimes)
    {
        MetricHistory h;
        h.key = key;
        const QList<QByteArray> lines = bytes.split('\n');
        const QList<QByteArray> header = lines.value(0).trimmed().split('\t');
        const QByteArray name = key.section(u'/', -1).toUtf8();
        qsizetype valueColumn = header.lastIndexOf(name);
        if (valueColumn < 0)
            for (qsizetype c = 0; c < header.size(); ++c)
                if (header[c] != "step" && header[c] != "timestamp")
                    valueColumn = c;
        qsizetype stepColumn = -1, timeColumn = -1;
        for (qsizetype c = 0; c < header.size(); ++c) {
            if (c == valueColumn)
                continue;
            if (header[c] == "step" && stepColumn < 0)
                stepColumn = c;
            else if (header[c] == "timestamp" && timeColumn < 0)
                timeColumn = c;
        }
        qint64 row = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            if (line.isEmpty())
                continue;
            const QList<QByteArray> cells = line.split('\t');
            bool okValue = false;
            const std::optional<qint64> step = stepColumn < 0
                ? std::optional<qint64>(row)
                : integerFromText(QString::fromUtf8(cells.value(stepColumn)));
            ++row;
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

    /// dvclive's metrics.json flattened to dvclive's own names: nested keys joined by '/' (the
    /// path of the metric's plot), numbers only; the top-level "step" is dvclive's step, not a metric.
    void flattenSummary(const QVariant& value, const QString& prefix, QMap<QString, double>& out)
    {
        if (value.typeId() == QMetaType::QVariantMap) {
            const QVariantMap map = value.toMap();
            for (auto it = map.begin(); it != map.end(); ++it)
                if (!(prefix.isEmpty() && it.key() == QLatin1String("step")))
                    flattenSummary(*it, prefix.isEmpty() ? it.key() : prefix + u'/' + it.key(), out);
        } else if (value.typeId() == QMetaType::Double || value.typeId() == QMetaType::LongLong
            || value.typeId() == QMetaType::Int) {
            out.insert(prefix, value.toDouble());
        }
    }

    /// The metrics one dvclive folder holds, and the span of their wall times.
    struct LiveFolder {
        QList<MetricHistory> metrics;
        double first = 0;
        double last = 0;
    };

    bool ignoredFolder(const QString& relative)
    {
        return relative.startsWith(QLatin1String(".dvc/")) || relative.startsWith(QLatin1String(".git/"))
            || relative.contains(QLatin1String("/.dvc/")) || relative.contains(QLatin1String("/.git/"));
    }

    /// Every dvclive folder under `root`, by its path relative to `root` ("" for the root itself).
    /// A history (plots/metrics/<name>.tsv) is the metric; metrics.json is its summary, whose values
    /// only stand for a metric that has no history (logged with plot=False).
    QMap<QString, LiveFolder> readLiveFolders(const QString& root, ImportedSource& source)
    {
        QMap<QString, LiveFolder> folders;
        QMap<QString, QSet<QString>> fromPlots;
        const QDir base(root);
        QStringList tsvFiles;
        QDirIterator plots(root, { QStringLiteral("*.tsv") }, QDir::Files, QDirIterator::Subdirectories);
        while (plots.hasNext())
            tsvFiles << plots.next();
        tsvFiles.sort(); // iteration order is the file system's
        for (const QString& file : std::as_const(tsvFiles)) {
            const QString relative = base.relativeFilePath(file);
            const qsizetype at = QString(u'/' + relative).indexOf(QLatin1String("/plots/metrics/"));
            if (at < 0 || ignoredFolder(relative))
                continue;
            const QString folder = at == 0 ? QString() : relative.left(at - 1);
            QString key = relative.mid(at + int(qstrlen("plots/metrics/")));
            key.chop(4);
            qint64 bad = 0, badTimes = 0;
            MetricHistory h = readTsv(key, readWholeFile(file), bad, badTimes);
            if (bad > 0)
                source.problems << ImportProblem { file, QStringLiteral("%1 unreadable rows skipped").arg(bad) };
            if (badTimes > 0)
                source.problems << ImportProblem { file,
                    QStringLiteral("%1 timestamps are no time in milliseconds: the points are kept without wall times")
                        .arg(badTimes) };
            if (h.size() == 0)
                continue;
            LiveFolder& live = folders[folder];
            for (double t : h.times) {
                live.first = live.first == 0 ? t : std::min(live.first, t);
                live.last = std::max(live.last, t);
            }
            fromPlots[folder].insert(key);
            live.metrics << std::move(h);
        }
        QStringList summaries;
        QDirIterator json(root, { QStringLiteral("metrics.json") }, QDir::Files, QDirIterator::Subdirectories);
        while (json.hasNext())
            summaries << json.next();
        summaries.sort();
        for (const QString& file : std::as_const(summaries)) {
            const QString relative = base.relativeFilePath(file);
            if (ignoredFolder(relative))
                continue;
            const QString folder = relative.contains(u'/') ? relative.section(u'/', 0, -2) : QString();
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(readWholeFile(file), &error);
            if (error.error != QJsonParseError::NoError) {
                source.problems << ImportProblem { file, QStringLiteral("not JSON: ") + error.errorString() };
                continue;
            }
            const QVariant summary = doc.toVariant();
            qint64 step = 0;
            const QVariant written = summary.toMap().value(QStringLiteral("step"));
            if (written.isValid()) {
                const std::optional<qint64> whole = integerFromText(written.toString());
                if (whole)
                    step = *whole;
                else
                    source.problems << ImportProblem { file,
                        QStringLiteral("step '%1' is not a whole number that fits in 64 bits: its values are kept at "
                                       "step 0")
                            .arg(written.toString().left(40)) };
            }
            QMap<QString, double> values;
            flattenSummary(summary, QString(), values);
            LiveFolder& live = folders[folder];
            for (auto it = values.begin(); it != values.end(); ++it) {
                if (fromPlots.value(folder).contains(it.key()))
                    continue; // the last point of its history
                MetricHistory h;
                h.key = it.key();
                h.steps = { step };
                h.values = { *it };
                live.metrics << h;
            }
        }
        return folders;
    }

    /// When the project is in a git repository and its dvc.lock (`lockBytes`) is the one committed at HEAD:
    /// the time of the commit that wrote it, which is when that pipeline state was made. A lock edited
    /// since, no git, or no repository: nothing (the file's own time is used). Only git's plumbing reads run
    /// (rev-parse, log): nothing from the repository's configuration is executed.
    std::optional<double> lockCommitTime(const QString& root, const QByteArray& lockBytes)
    {
        const GitResult blob = runGit(root,
            { QStringLiteral("--no-pager"), QStringLiteral("rev-parse"), QStringLiteral("--verify"),
                QStringLiteral("-q"), QStringLiteral("HEAD:./dvc.lock") });
        if (!blob.ok)
            return std::nullopt;
        // git's object id of the file as it is on disk ("blob SIZE\0" + bytes), SHA-1 or SHA-256 repositories.
        const QString committed = blob.out.trimmed();
        QCryptographicHash hash(committed.size() == 64 ? QCryptographicHash::Sha256 : QCryptographicHash::Sha1);
        QByteArray header("blob ");
        header.append(QByteArray::number(lockBytes.size())).append('\0');
        hash.addData(header);
        hash.addData(lockBytes);
        if (QString::fromLatin1(hash.result().toHex()) != committed)
            return std::nullopt;
        const GitResult log = runGit(root,
            { QStringLiteral("--no-pager"), QStringLiteral("log"), QStringLiteral("-1"), QStringLiteral("--format=%ct"),
                QStringLiteral("--"), QStringLiteral("dvc.lock") });
        bool ok = false;
        const double seconds = log.out.trimmed().toDouble(&ok);
        if (!log.ok || !ok || seconds <= 0)
            return std::nullopt;
        return seconds;
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
    QList<ImportedRun> children; // one per dvclive folder, when there are several
    r.run.kind = QStringLiteral("import");
    r.run.name = QFileInfo(root).fileName();
    r.run.project = QFileInfo(root).fileName();
    r.run.launch.workingDir = root;
    // The same pipeline state (dvc.lock) is the same run: a new `dvc repro` imports as a new run.
    r.run.uuid = stableRunId(QStringLiteral("dvc:") + QFileInfo(root).canonicalFilePath() + u':'
        + QString::fromLatin1(QCryptographicHash::hash(lockBytes, QCryptographicHash::Md5).toHex()));
    r.run.tags.insert(QStringLiteral("import.source"), QStringLiteral("dvc"));
    // Dated by the commit of its dvc.lock when there is one (files copied or checked out later keep the
    // pipeline's own time), else by the lock file's (or dvc.yaml's) modification time.
    const std::optional<double> committed
        = QFileInfo::exists(lockPath) ? lockCommitTime(root, lockBytes) : std::optional<double>();
    r.run.startTime = committed.value_or(
        QFileInfo(QFileInfo::exists(lockPath) ? lockPath : dvcYaml).lastModified().toSecsSinceEpoch());
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

    // dvclive: every folder a Live() wrote into (metrics.json, plots/metrics/**.tsv) is one source of
    // metrics. One such folder: the pipeline run's metrics. Several (dvclive/ and dvclive/fold_0 …):
    // each is a run of its own, a child of the pipeline state it belongs to, never merged.
    QMap<QString, LiveFolder> folders = readLiveFolders(root, source);
    if (folders.size() == 1) {
        r.metrics = std::move(folders.first().metrics);
    } else {
        for (auto it = folders.begin(); it != folders.end(); ++it) {
            ImportedRun live;
            live.run.kind = QStringLiteral("import");
            live.run.name = it.key().isEmpty() ? r.run.name : it.key();
            live.run.project = r.run.project;
            live.run.parentUuid = r.run.uuid;
            live.run.uuid = stableRunId(QStringLiteral("dvclive:") + r.run.uuid + u':' + it.key());
            live.run.launch.workingDir = root;
            live.run.params = r.run.params; // trained with the pipeline's params
            live.run.tags.insert(QStringLiteral("import.source"), QStringLiteral("dvc"));
            live.run.tags.insert(QStringLiteral("dvclive.folder"), it.key().isEmpty() ? QStringLiteral(".") : it.key());
            live.run.startTime = it->first > 0 ? it->first : r.run.startTime;
            live.endTime = it->last > 0 ? it->last : r.endTime;
            live.metrics = std::move(it->metrics);
            children << std::move(live);
        }
    }
    source.runs << std::move(r);
    source.runs << children;
    control.report(1.0);
    return source;
}

} // namespace reprise
