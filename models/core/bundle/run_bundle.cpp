// Reproduction bundles: a run, its code and what it needs, in one tar file (layout in run_bundle.h).

#include "bundle/run_bundle.h"

#include "import/source_import.h"
#include "launch/git_info.h"
#include "store/run_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <cmath>
#include <limits>

namespace reprise {

namespace {

    const QString kPrefix = QStringLiteral("reprise-bundle/");

    QJsonValue number(double v)
    {
        if (std::isnan(v))
            return QStringLiteral("nan");
        if (std::isinf(v))
            return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
        return v;
    }
    double toNumber(const QJsonValue& v)
    {
        if (v.isDouble())
            return v.toDouble();
        const QString s = v.toString();
        if (s == QLatin1String("inf"))
            return std::numeric_limits<double>::infinity();
        if (s == QLatin1String("-inf"))
            return -std::numeric_limits<double>::infinity();
        return std::numeric_limits<double>::quiet_NaN();
    }
    /// Steps beyond 2^53 do not survive a JSON number: those are text.
    QJsonValue integer(qint64 v)
    {
        return std::llabs(v) < (qint64(1) << 53) ? QJsonValue(double(v)) : QJsonValue(QString::number(v));
    }
    qint64 toInteger(const QJsonValue& v) { return v.isString() ? v.toString().toLongLong() : qint64(v.toDouble()); }

    QJsonObject mapJson(const QMap<QString, QString>& map)
    {
        QJsonObject out;
        for (auto it = map.begin(); it != map.end(); ++it)
            out.insert(it.key(), *it);
        return out;
    }
    QMap<QString, QString> jsonMap(const QJsonValue& v)
    {
        QMap<QString, QString> out;
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            out.insert(it.key(), it.value().toString());
        return out;
    }

    QJsonArray artifactsJson(const QList<ArtifactRecord>& list)
    {
        QJsonArray out;
        for (const ArtifactRecord& a : list)
            out.append(QJsonObject { { QStringLiteral("path"), a.path }, { QStringLiteral("hash"), a.hash },
                { QStringLiteral("size"), integer(a.size) } });
        return out;
    }
    QList<ArtifactRecord> jsonArtifacts(const QJsonValue& v)
    {
        QList<ArtifactRecord> out;
        for (const QJsonValue& a : v.toArray())
            out << ArtifactRecord { 0, a[QLatin1String("path")].toString(), a[QLatin1String("hash")].toString(),
                toInteger(a[QLatin1String("size")]) };
        return out;
    }

    QString sha256(const QByteArray& bytes)
    {
        return QStringLiteral("sha256:")
            + QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    }
    QString sha256OfFile(const QString& path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        QCryptographicHash h(QCryptographicHash::Sha256);
        if (!h.addData(&f))
            return {};
        return QStringLiteral("sha256:") + QString::fromLatin1(h.result().toHex());
    }

    /// Everything of the run that a rerun and its report need, histories whole.
    Result<QJsonObject> runJson(
        const RunStore& store, const RunRecord& r, const RunRef& ref, int& metrics, qint64& points)
    {
        QJsonObject params;
        for (auto it = r.params.begin(); it != r.params.end(); ++it)
            params.insert(
                it.key(), QJsonObject { { QStringLiteral("value"), it->value }, { QStringLiteral("type"), it->type } });
        QJsonArray steps;
        for (const StepRecord& s : r.steps)
            steps.append(QJsonObject { { QStringLiteral("name"), s.name }, { QStringLiteral("status"), s.status },
                { QStringLiteral("start"), number(s.startTime) }, { QStringLiteral("end"), number(s.endTime) },
                { QStringLiteral("cached"), s.cached }, { QStringLiteral("command"), s.command },
                { QStringLiteral("params"), s.paramsJson }, { QStringLiteral("log"), s.log },
                { QStringLiteral("inputs"), artifactsJson(s.inputs) },
                { QStringLiteral("outputs"), artifactsJson(s.outputs) },
                { QStringLiteral("after"), QJsonArray::fromStringList(s.after) } });
        QJsonArray datasets;
        for (const DatasetRecord& d : r.datasets) {
            QJsonArray profiles;
            for (const FeatureProfile& p : d.profiles)
                profiles.append(QJsonObject { { QStringLiteral("feature"), p.feature },
                    { QStringLiteral("type"), p.type }, { QStringLiteral("count"), integer(p.count) },
                    { QStringLiteral("missing"), integer(p.missing) }, { QStringLiteral("stats"), p.statsJson },
                    { QStringLiteral("sample"), p.sampleJson },
                    { QStringLiteral("sample_values"), QString::fromLatin1(p.sampleValues.toBase64()) } });
            datasets.append(QJsonObject { { QStringLiteral("name"), d.name }, { QStringLiteral("uri"), d.uri },
                { QStringLiteral("hash"), d.hash }, { QStringLiteral("rows"), integer(d.rows) },
                { QStringLiteral("role"), d.role }, { QStringLiteral("profiles"), profiles } });
        }
        QJsonArray histories;
        for (const MetricSummary& m : r.metrics) {
            auto h = store.loadMetric(ref, m.key);
            if (!h)
                return h.error();
            QJsonArray s, v, t;
            for (size_t i = 0; i < h->size(); ++i) {
                s.append(integer(h->steps[i]));
                v.append(number(h->values[i]));
                t.append(number(i < h->times.size() ? h->times[i] : r.startTime));
            }
            histories.append(QJsonObject { { QStringLiteral("key"), m.key }, { QStringLiteral("steps"), s },
                { QStringLiteral("values"), v }, { QStringLiteral("times"), t } });
            ++metrics;
            points += qint64(h->size());
        }
        QJsonArray output;
        if (auto chunks = store.loadOutput(ref))
            for (const OutputChunk& c : *chunks)
                output.append(QJsonObject { { QStringLiteral("stream"), c.stream },
                    { QStringLiteral("time"), number(c.time) }, { QStringLiteral("data"), c.data } });
        QJsonObject configFiles;
        for (auto it = r.launch.configFiles.begin(); it != r.launch.configFiles.end(); ++it)
            configFiles.insert(it.key(), *it);
        return QJsonObject {
            { QStringLiteral("uuid"), r.uuid },
            { QStringLiteral("project"), r.project },
            { QStringLiteral("name"), r.name },
            { QStringLiteral("kind"), r.kind },
            { QStringLiteral("status"), toString(r.status) },
            { QStringLiteral("start"), number(r.startTime) },
            { QStringLiteral("end"), r.endTime ? number(*r.endTime) : QJsonValue() },
            { QStringLiteral("exit_code"), r.exitCode ? QJsonValue(*r.exitCode) : QJsonValue() },
            { QStringLiteral("user"), r.user },
            { QStringLiteral("host"), r.host },
            { QStringLiteral("notes"), r.notes },
            { QStringLiteral("launch"),
                QJsonObject { { QStringLiteral("argv"), QJsonArray::fromStringList(r.launch.argv) },
                    { QStringLiteral("working_dir"), r.launch.workingDir },
                    { QStringLiteral("environment"), mapJson(r.launch.environment) },
                    { QStringLiteral("config_files"), configFiles } } },
            { QStringLiteral("code"),
                QJsonObject { { QStringLiteral("commit"), r.code.commit }, { QStringLiteral("branch"), r.code.branch },
                    { QStringLiteral("root"), r.code.root }, { QStringLiteral("dirty"), r.code.dirty },
                    { QStringLiteral("patch"), r.code.patch } } },
            { QStringLiteral("params"), params },
            { QStringLiteral("tags"), mapJson(r.tags) },
            { QStringLiteral("runtime"), mapJson(r.runtime) },
            { QStringLiteral("packages"), mapJson(r.packages) },
            { QStringLiteral("steps"), steps },
            { QStringLiteral("datasets"), datasets },
            { QStringLiteral("artifacts"), artifactsJson(r.artifacts) },
            { QStringLiteral("metrics"), histories },
            { QStringLiteral("output"), output },
        };
    }

    /// run.json back into a run to import and a record to draft from.
    void readRunJson(const QJsonObject& o, ImportedRun& r, RunRecord& rec)
    {
        NewRun& n = r.run;
        n.uuid = o[QLatin1String("uuid")].toString();
        n.project = o[QLatin1String("project")].toString();
        n.name = o[QLatin1String("name")].toString();
        n.kind = o[QLatin1String("kind")].toString(QStringLiteral("run"));
        n.user = o[QLatin1String("user")].toString();
        n.host = o[QLatin1String("host")].toString();
        n.startTime = toNumber(o[QLatin1String("start")]);
        const QJsonObject launch = o[QLatin1String("launch")].toObject();
        for (const QJsonValue& a : launch[QLatin1String("argv")].toArray())
            n.launch.argv << a.toString();
        n.launch.workingDir = launch[QLatin1String("working_dir")].toString();
        n.launch.environment = jsonMap(launch[QLatin1String("environment")]);
        n.launch.configFiles = jsonMap(launch[QLatin1String("config_files")]);
        const QJsonObject code = o[QLatin1String("code")].toObject();
        n.code.commit = code[QLatin1String("commit")].toString();
        n.code.branch = code[QLatin1String("branch")].toString();
        n.code.root = code[QLatin1String("root")].toString();
        n.code.dirty = code[QLatin1String("dirty")].toBool();
        n.code.patch = code[QLatin1String("patch")].toString();
        const QJsonObject params = o[QLatin1String("params")].toObject();
        for (auto it = params.begin(); it != params.end(); ++it)
            n.params.insert(it.key(),
                ParamValue { it->toObject()[QLatin1String("value")].toString(),
                    it->toObject()[QLatin1String("type")].toString(QStringLiteral("str")) });
        n.tags = jsonMap(o[QLatin1String("tags")]);
        r.runtime = jsonMap(o[QLatin1String("runtime")]);
        r.packages = jsonMap(o[QLatin1String("packages")]);
        r.status = parseRunStatus(o[QLatin1String("status")].toString()).value_or(RunStatus::Finished);
        if (!o[QLatin1String("end")].isNull())
            r.endTime = toNumber(o[QLatin1String("end")]);
        if (o[QLatin1String("exit_code")].isDouble())
            r.exitCode = o[QLatin1String("exit_code")].toInt();
        r.notes = o[QLatin1String("notes")].toString();
        for (const QJsonValue& v : o[QLatin1String("steps")].toArray()) {
            StepRecord s;
            s.name = v[QLatin1String("name")].toString();
            s.status = v[QLatin1String("status")].toString();
            s.startTime = toNumber(v[QLatin1String("start")]);
            s.endTime = toNumber(v[QLatin1String("end")]);
            s.cached = v[QLatin1String("cached")].toBool();
            s.command = v[QLatin1String("command")].toString();
            s.paramsJson = v[QLatin1String("params")].toString(QStringLiteral("{}"));
            s.log = v[QLatin1String("log")].toString();
            s.inputs = jsonArtifacts(v[QLatin1String("inputs")]);
            s.outputs = jsonArtifacts(v[QLatin1String("outputs")]);
            for (const QJsonValue& a : v[QLatin1String("after")].toArray())
                s.after << a.toString();
            r.steps << s;
        }
        for (const QJsonValue& v : o[QLatin1String("datasets")].toArray()) {
            DatasetRecord d;
            d.name = v[QLatin1String("name")].toString();
            d.uri = v[QLatin1String("uri")].toString();
            d.hash = v[QLatin1String("hash")].toString();
            d.rows = toInteger(v[QLatin1String("rows")]);
            d.role = v[QLatin1String("role")].toString();
            for (const QJsonValue& p : v[QLatin1String("profiles")].toArray()) {
                FeatureProfile f;
                f.feature = p[QLatin1String("feature")].toString();
                f.type = p[QLatin1String("type")].toString();
                f.count = toInteger(p[QLatin1String("count")]);
                f.missing = toInteger(p[QLatin1String("missing")]);
                f.statsJson = p[QLatin1String("stats")].toString(QStringLiteral("{}"));
                f.sampleJson = p[QLatin1String("sample")].toString(QStringLiteral("[]"));
                f.sampleValues = QByteArray::fromBase64(p[QLatin1String("sample_values")].toString().toLatin1());
                d.profiles << f;
            }
            r.datasets << d;
        }
        for (const QJsonValue& v : o[QLatin1String("metrics")].toArray()) {
            MetricHistory h;
            h.key = v[QLatin1String("key")].toString();
            const QJsonArray s = v[QLatin1String("steps")].toArray(), x = v[QLatin1String("values")].toArray(),
                             t = v[QLatin1String("times")].toArray();
            for (qsizetype i = 0; i < s.size() && i < x.size(); ++i) {
                h.steps.push_back(toInteger(s[i]));
                h.values.push_back(toNumber(x[i]));
                h.times.push_back(i < t.size() ? toNumber(t[i]) : n.startTime);
            }
            r.metrics << h;
        }
        for (const QJsonValue& v : o[QLatin1String("output")].toArray())
            r.output << OutputChunk { v[QLatin1String("stream")].toString(), toNumber(v[QLatin1String("time")]),
                v[QLatin1String("data")].toString() };

        rec.uuid = n.uuid;
        rec.project = n.project;
        rec.name = n.name;
        rec.kind = n.kind;
        rec.status = r.status;
        rec.startTime = n.startTime;
        rec.endTime = r.endTime;
        rec.exitCode = r.exitCode;
        rec.user = n.user;
        rec.host = n.host;
        rec.launch = n.launch;
        rec.code = n.code;
        rec.params = n.params;
        rec.tags = n.tags;
        rec.runtime = r.runtime;
        rec.packages = r.packages;
        rec.steps = r.steps;
        rec.datasets = r.datasets;
        rec.artifacts = jsonArtifacts(o[QLatin1String("artifacts")]);
    }

    /// The working dir relative to the code's root, when it lies inside it.
    QString relativeWorkingDir(const RunRecord& r)
    {
        if (r.code.root.isEmpty() || r.launch.workingDir.isEmpty())
            return {};
        const QString rel = QDir(r.code.root).relativeFilePath(r.launch.workingDir);
        return rel == QLatin1String(".") || rel.startsWith(QLatin1String("..")) ? QString() : rel;
    }

    bool isSafeRelative(const QString& path)
    {
        if (path.isEmpty())
            return true;
        if (QDir::isAbsolutePath(path))
            return false;
        for (const QString& part : path.split(u'/'))
            if (part == QLatin1String(".."))
                return false;
        return true;
    }

} // namespace

Result<BundleSummary> writeRunBundle(const RunStore& store, const QString& runId, const QString& output)
{
    auto ref = store.resolveRun(runId);
    if (!ref)
        return ref.error();
    auto record = store.loadRun(*ref);
    if (!record)
        return record.error();
    BundleSummary summary;
    summary.file = output;
    summary.runId = record->uuid;
    auto run = runJson(store, *record, *ref, summary.metrics, summary.points);
    if (!run)
        return run.error();
    const QByteArray runBytes = QJsonDocument(*run).toJson(QJsonDocument::Indented);

    // The code: a git bundle of the commit, made in a scratch repository so the user's gets no ref.
    QTemporaryDir scratch(QDir::tempPath() + QStringLiteral("/reprise-bundle-XXXXXX"));
    if (!scratch.isValid())
        return Error { QStringLiteral("cannot create a temporary folder: ") + scratch.errorString(), {} };
    const QString commit = record->code.commit;
    const QString root = record->code.root;
    QString codeKind = QStringLiteral("none");
    QString gitBundle;
    QByteArray trackedFiles; // git archive's tar, when no bundle can be made
    if (commit.isEmpty()) {
        summary.code = QStringLiteral("no code: the run recorded no commit");
    } else if (!isCommitId(commit)) {
        summary.code = QStringLiteral("no code: the recorded commit '%1' is not a commit id").arg(commit);
    } else if (root.isEmpty() || !QFileInfo(root).isDir()
        || !runGit(root, { QStringLiteral("cat-file"), QStringLiteral("-e"), commit + QStringLiteral("^{commit}") })
                .ok) {
        summary.code
            = QStringLiteral("no code: commit %1 is not in the recorded repository '%2'").arg(commit.left(10), root);
    } else {
        const QString bare = scratch.filePath(QStringLiteral("code.git"));
        gitBundle = scratch.filePath(QStringLiteral("code.bundle"));
        const bool made
            = runGit(scratch.path(), { QStringLiteral("init"), QStringLiteral("-q"), QStringLiteral("--bare"), bare })
                  .ok
            && runGit(bare,
                { QStringLiteral("fetch"), QStringLiteral("-q"), QStringLiteral("--no-tags"), root,
                    commit + QStringLiteral(":refs/heads/reprise-run") })
                   .ok
            && runGit(bare,
                { QStringLiteral("bundle"), QStringLiteral("create"), QStringLiteral("-q"), gitBundle,
                    QStringLiteral("refs/heads/reprise-run") })
                   .ok;
        if (made) {
            codeKind = QStringLiteral("git-bundle");
            summary.code = QStringLiteral("git bundle of commit ") + commit.left(10);
        } else {
            // A shallow clone cannot make a bundle: the files git tracks at that commit then.
            QProcess archive;
            archive.setWorkingDirectory(root);
            archive.start(QStringLiteral("git"), { QStringLiteral("archive"), QStringLiteral("--format=tar"), commit });
            archive.waitForFinished(120000);
            if (archive.exitStatus() == QProcess::NormalExit && archive.exitCode() == 0) {
                trackedFiles = archive.readAllStandardOutput();
                codeKind = QStringLiteral("files");
                summary.code
                    = QStringLiteral("tracked files of commit %1 (git could not make a bundle)").arg(commit.left(10));
            } else {
                summary.code
                    = QStringLiteral("no code: git could neither bundle nor archive commit ") + commit.left(10);
            }
        }
    }
    summary.hasCode = codeKind != QLatin1String("none");

    QJsonObject hashes { { QStringLiteral("run.json"), sha256(runBytes) } };
    if (codeKind == QLatin1String("git-bundle"))
        hashes.insert(QStringLiteral("code.bundle"), sha256OfFile(gitBundle));
    if (!record->code.patch.isEmpty())
        hashes.insert(QStringLiteral("code.patch"), sha256(record->code.patch.toUtf8()));
    const QString codeName = root.isEmpty() ? QStringLiteral("code") : QFileInfo(root).fileName();
    const QJsonObject manifest {
        { QStringLiteral("format"), QStringLiteral("reprise-bundle") },
        { QStringLiteral("version"), kBundleVersion },
        { QStringLiteral("run"), record->uuid },
        { QStringLiteral("name"), record->name },
        { QStringLiteral("project"), record->project },
        { QStringLiteral("code"),
            QJsonObject { { QStringLiteral("kind"), codeKind }, { QStringLiteral("commit"), commit },
                { QStringLiteral("name"), codeName }, { QStringLiteral("working_dir"), relativeWorkingDir(*record) },
                { QStringLiteral("note"), summary.code } } },
        { QStringLiteral("sha256"), hashes },
    };

    QSaveFile out(output);
    if (!out.open(QIODevice::WriteOnly))
        return Error { output + QStringLiteral(": cannot write it: ") + out.errorString(), {} };
    TarWriter tar(&out);
    Status st = tar.addDirectory(QStringLiteral("reprise-bundle"));
    if (st)
        st = tar.addFile(
            kPrefix + QStringLiteral("manifest.json"), QJsonDocument(manifest).toJson(QJsonDocument::Indented));
    if (st)
        st = tar.addFile(kPrefix + QStringLiteral("run.json"), runBytes);
    if (st && codeKind == QLatin1String("git-bundle"))
        st = tar.addFileFrom(kPrefix + QStringLiteral("code.bundle"), gitBundle);
    if (st && !record->code.patch.isEmpty())
        st = tar.addFile(kPrefix + QStringLiteral("code.patch"), record->code.patch.toUtf8());
    if (st && codeKind == QLatin1String("files")) {
        // git archive's members, re-read with the same checks, under code/.
        QTemporaryFile inner(scratch.filePath(QStringLiteral("files-XXXXXX.tar")));
        if (!inner.open() || inner.write(trackedFiles) != trackedFiles.size() || !inner.seek(0))
            st = Error { QStringLiteral("cannot write a temporary file in ") + scratch.path(), {} };
        auto members = st ? listTar(inner) : Result<QList<TarMember>>(Error { {}, {} });
        if (st && !members)
            st = members.error();
        for (qsizetype i = 0; st && i < members->size(); ++i) {
            const TarMember& m = members->at(i);
            const QString path = kPrefix + QStringLiteral("code/") + m.path;
            if (m.type == TarMember::Type::Directory)
                st = tar.addDirectory(path);
            else if (m.type == TarMember::Type::Symlink)
                st = tar.addSymlink(path, m.linkTarget);
            else if (auto data = readTarMember(inner, m))
                st = tar.addFile(path, *data, m.mode);
            else
                st = data.error();
        }
    }
    if (st)
        st = tar.finish();
    if (!st)
        return st.error();
    if (!out.commit())
        return Error { output + QStringLiteral(": cannot write it: ") + out.errorString(), {} };
    summary.bytes = QFileInfo(output).size();
    return summary;
}

Result<RunBundle> openRunBundle(const QString& file)
{
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        return Error { file + QStringLiteral(": cannot read it: ") + in.errorString(), {} };
    auto members = listTar(in);
    if (!members)
        return Error { file + QStringLiteral(": ") + members.error().message, members.error().hint };
    RunBundle bundle;
    bundle.file = QFileInfo(file).absoluteFilePath();
    bundle.members = *members;
    QHash<QString, TarMember> byPath;
    for (const TarMember& m : bundle.members)
        byPath.insert(m.path, m);
    const auto notBundle = [&](const QString& why) {
        return Error { file + QStringLiteral(": not a Reprise bundle: ") + why,
            QStringLiteral("make one with `reprise bundle RUN -o FILE`") };
    };
    const auto read = [&](const QString& name) -> Result<QByteArray> {
        const auto it = byPath.constFind(kPrefix + name);
        if (it == byPath.constEnd() || it->type != TarMember::Type::File)
            return notBundle(QStringLiteral("it has no ") + kPrefix + name);
        return readTarMember(in, *it, qint64(1) << 30);
    };
    auto manifestBytes = read(QStringLiteral("manifest.json"));
    if (!manifestBytes)
        return manifestBytes.error();
    bundle.manifest = QJsonDocument::fromJson(*manifestBytes).object();
    if (bundle.manifest[QLatin1String("format")].toString() != QLatin1String("reprise-bundle"))
        return notBundle(QStringLiteral("its manifest does not say format reprise-bundle"));
    if (bundle.manifest[QLatin1String("version")].toInt() > kBundleVersion)
        return Error { file
                + QStringLiteral(": a bundle of version %1, newer than this Reprise reads (%2)")
                      .arg(bundle.manifest[QLatin1String("version")].toInt())
                      .arg(kBundleVersion),
            QStringLiteral("update Reprise") };
    // Every member the manifest hashes must have that hash.
    const QJsonObject hashes = bundle.manifest[QLatin1String("sha256")].toObject();
    for (auto it = hashes.begin(); it != hashes.end(); ++it) {
        const auto m = byPath.constFind(kPrefix + it.key());
        if (m == byPath.constEnd())
            return notBundle(QStringLiteral("the manifest names %1, which is not in it").arg(it.key()));
        in.seek(m->offset);
        QCryptographicHash h(QCryptographicHash::Sha256);
        qint64 left = m->size;
        while (left > 0) {
            const QByteArray slice = in.read(std::min<qint64>(left, qint64(1) << 20));
            if (slice.isEmpty())
                break;
            h.addData(slice);
            left -= slice.size();
        }
        if (left != 0 || QStringLiteral("sha256:") + QString::fromLatin1(h.result().toHex()) != it.value().toString())
            return Error { file
                    + QStringLiteral(": %1 does not have the content the manifest says (changed or damaged)")
                          .arg(it.key()),
                QStringLiteral("make the bundle again") };
    }
    auto runBytes = read(QStringLiteral("run.json"));
    if (!runBytes)
        return runBytes.error();
    QJsonParseError error {};
    const QJsonDocument runDoc = QJsonDocument::fromJson(*runBytes, &error);
    if (!runDoc.isObject())
        return notBundle(QStringLiteral("run.json is not a JSON object (%1)").arg(error.errorString()));
    readRunJson(runDoc.object(), bundle.run, bundle.record);
    static const QRegularExpression uuid(QStringLiteral("^[0-9a-f]{32}$"));
    if (!uuid.match(bundle.record.uuid).hasMatch())
        return notBundle(QStringLiteral("run.json names no run id"));
    const QJsonObject code = bundle.manifest[QLatin1String("code")].toObject();
    bundle.codeKind = code[QLatin1String("kind")].toString(QStringLiteral("none"));
    bundle.codeName = code[QLatin1String("name")].toString(QStringLiteral("code"));
    bundle.workingDir = code[QLatin1String("working_dir")].toString();
    if (bundle.codeName.isEmpty() || bundle.codeName.contains(u'/') || bundle.codeName == QLatin1String("..")
        || bundle.codeName == QLatin1String(".") || bundle.codeName == QLatin1String("bundle"))
        bundle.codeName = QStringLiteral("code");
    if (!isSafeRelative(bundle.workingDir))
        return notBundle(QStringLiteral("its working dir '%1' leads out of the code").arg(bundle.workingDir));
    if (bundle.codeKind == QLatin1String("git-bundle") && !byPath.contains(kPrefix + QStringLiteral("code.bundle")))
        return notBundle(QStringLiteral("it says it holds a git bundle, but has none"));
    // Inputs: step inputs no step of the run produced.
    QSet<QString> produced;
    for (const StepRecord& s : bundle.record.steps)
        for (const ArtifactRecord& a : s.outputs)
            produced.insert(a.path);
    QSet<QString> seen;
    for (const StepRecord& s : bundle.record.steps)
        for (const ArtifactRecord& a : s.inputs)
            if (!produced.contains(a.path) && a.hash.startsWith(QLatin1String("sha256:")) && !seen.contains(a.path)) {
                seen.insert(a.path);
                bundle.inputs << BundleInput { a.path, a.hash };
            }
    return bundle;
}

Result<QString> unpackRunBundle(const RunBundle& bundle, const QString& folder)
{
    if (QFileInfo::exists(folder)
        && !QDir(folder).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        return Error { folder + QStringLiteral(": not empty; a bundle unpacks into a fresh folder"), {} };
    const QString archive = folder + QStringLiteral("/bundle");
    if (!QDir().mkpath(archive))
        return Error { archive + QStringLiteral(": cannot create it"), {} };
    QFile in(bundle.file);
    if (!in.open(QIODevice::ReadOnly))
        return Error { bundle.file + QStringLiteral(": cannot read it: ") + in.errorString(), {} };
    // Listed again: the file may have changed since it was opened.
    auto members = listTar(in);
    if (!members)
        return Error { bundle.file + QStringLiteral(": ") + members.error().message, members.error().hint };
    if (auto st = extractTar(in, *members, archive); !st)
        return st.error();
    const QString code = folder + u'/' + bundle.codeName;
    const QString commit = bundle.record.code.commit;
    // No hooks, no filters: nothing of the bundle runs while git unpacks it.
    const QStringList safe { QStringLiteral("-c"), QStringLiteral("core.hooksPath=/dev/null"), QStringLiteral("-c"),
        QStringLiteral("core.fsmonitor=false") };
    if (bundle.codeKind == QLatin1String("git-bundle")) {
        const QString file = archive + u'/' + kPrefix + QStringLiteral("code.bundle");
        GitResult r = runGit(folder,
            safe
                + QStringList { QStringLiteral("clone"), QStringLiteral("-q"), QStringLiteral("--no-checkout"),
                    QStringLiteral("--"), file, code });
        if (r.ok)
            r = runGit(code,
                safe
                    + QStringList {
                        QStringLiteral("checkout"), QStringLiteral("-q"), QStringLiteral("--detach"), commit });
        if (!r.ok)
            return Error {
                QStringLiteral("cannot check out commit %1 from the bundle: %2").arg(commit.left(10), r.err.trimmed()),
                QStringLiteral("the bundle is damaged; make it again")
            };
    } else if (bundle.codeKind == QLatin1String("files")) {
        if (!QDir().rename(archive + u'/' + kPrefix + QStringLiteral("code"), code))
            return Error { code + QStringLiteral(": cannot move the bundled files there"), {} };
    } else {
        QDir().mkpath(code);
    }
    if (!bundle.record.code.patch.isEmpty() && bundle.codeKind != QLatin1String("none")) {
        const GitResult apply = runGit(code, safe + QStringList { QStringLiteral("apply"), QStringLiteral("--binary") },
            bundle.record.code.patch.toUtf8());
        if (!apply.ok)
            return Error { QStringLiteral("the recorded uncommitted changes do not apply to the bundled code: ")
                    + apply.err.trimmed(),
                {} };
    }
    if (!bundle.workingDir.isEmpty())
        QDir().mkpath(code + u'/' + bundle.workingDir);
    return code;
}

QList<BundleCheck> checkBundleInputs(const RunBundle& bundle, const QString& directory)
{
    QList<BundleCheck> out;
    const QString recordedDir = bundle.record.launch.workingDir;
    for (const BundleInput& input : bundle.inputs) {
        QString relative = input.path;
        if (QDir::isAbsolutePath(relative) && !recordedDir.isEmpty() && relative.startsWith(recordedDir + u'/'))
            relative = relative.mid(recordedDir.size() + 1);
        const QString path = QDir::isAbsolutePath(relative) ? relative : QDir(directory).filePath(relative);
        out << BundleCheck { QStringLiteral("input ") + relative, input.hash,
            QFileInfo(path).isFile() ? sha256OfFile(path) : QString() };
    }
    return out;
}

QString bundleInterpreter(const RunBundle& bundle)
{
    const QString program = bundle.record.launch.argv.value(0);
    if (QFileInfo(program).fileName().startsWith(QLatin1String("python")))
        return program;
    return bundle.record.runtime.value(QStringLiteral("executable"));
}

QList<BundleCheck> checkBundleRuntime(
    const RunBundle& bundle, const QString& python, const QProcessEnvironment& environment)
{
    QList<BundleCheck> out;
    if (python.isEmpty() || (bundle.record.runtime.isEmpty() && bundle.record.packages.isEmpty()))
        return out;
    static const char* script = "import json, sys, platform\n"
                                "try:\n    from importlib import metadata\nexcept ImportError:\n    metadata = None\n"
                                "found = {}\n"
                                "for name in sys.argv[1:]:\n"
                                "    try:\n        found[name] = metadata.version(name)\n"
                                "    except Exception:\n        found[name] = ''\n"
                                "print(json.dumps({'python': platform.python_version(), 'packages': found}))\n";
    QProcess p;
    p.setProcessEnvironment(environment);
    p.start(python,
        QStringList { QStringLiteral("-I"), QStringLiteral("-c"), QString::fromLatin1(script) }
            + QStringList(bundle.record.packages.keys()));
    p.closeWriteChannel();
    const bool ran = p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!ran) {
        p.kill();
        p.waitForFinished(1000);
        out << BundleCheck { QStringLiteral("python"), bundle.record.runtime.value(QStringLiteral("python")),
            QString() };
        return out;
    }
    const QJsonObject here = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    if (bundle.record.runtime.contains(QStringLiteral("python")))
        out << BundleCheck { QStringLiteral("python"), bundle.record.runtime.value(QStringLiteral("python")),
            here[QLatin1String("python")].toString() };
    const QJsonObject packages = here[QLatin1String("packages")].toObject();
    for (auto it = bundle.record.packages.begin(); it != bundle.record.packages.end(); ++it)
        out << BundleCheck { QStringLiteral("package ") + it.key(), *it, packages[it.key()].toString() };
    return out;
}

RerunDraft makeBundleDraft(const RunBundle& bundle, const QString& target, const QString& codeRoot, const QString& cwd)
{
    RerunDraft draft = makeRerunDraft(bundle.record, target);
    draft.sourceLocation = bundle.file;
    const QString runDir = bundle.workingDir.isEmpty() ? codeRoot : codeRoot + u'/' + bundle.workingDir;
    draft.workingDir = cwd.isEmpty() ? runDir : QDir(cwd).absolutePath();
    draft.repository = codeRoot;
    draft.headNow = draft.code.commit;
    draft.mode = CodeMode::InPlace;
    // The command's own files (train.py, or a path into the recorded repository) point into the code.
    const QString recordedDir = bundle.record.launch.workingDir;
    const QString recordedRoot = bundle.record.code.root;
    for (qsizetype i = 1; i < draft.argv.size(); ++i) {
        QString& arg = draft.argv[i];
        if (!recordedRoot.isEmpty() && (arg == recordedRoot || arg.startsWith(recordedRoot + u'/')))
            arg = codeRoot + arg.mid(recordedRoot.size());
        else if (!cwd.isEmpty() && !arg.startsWith(u'-') && !QDir::isAbsolutePath(arg) && isSafeRelative(arg)
            && !arg.isEmpty() && bundle.codeKind != QLatin1String("none") && !recordedDir.isEmpty()
            && QFileInfo(QDir(runDir).filePath(arg)).exists())
            arg = QDir(runDir).filePath(arg);
    }
    setTrust(draft, true, QStringLiteral("it comes from a bundle file, ") + QFileInfo(bundle.file).fileName());
    return draft;
}

QString bundleCodeSummary(const RunBundle& bundle, const QString& codeRoot)
{
    const QString commit = bundle.record.code.commit.left(10);
    if (bundle.codeKind == QLatin1String("git-bundle"))
        return QStringLiteral("runs commit %1 from the bundle's git bundle%2, unpacked into a fresh folder (%3)")
            .arg(commit,
                bundle.record.code.patch.isEmpty() ? QString()
                                                   : QStringLiteral(" with the recorded uncommitted changes applied"),
                codeRoot);
    if (bundle.codeKind == QLatin1String("files"))
        return QStringLiteral("runs the files git tracked at commit %1, from the bundle%2, unpacked into a fresh "
                              "folder (%3)")
            .arg(commit.isEmpty() ? QStringLiteral("(none recorded)") : commit,
                bundle.record.code.patch.isEmpty() ? QString()
                                                   : QStringLiteral(" with the recorded uncommitted changes applied"),
                codeRoot);
    return QStringLiteral("the bundle holds no code: runs in an empty folder (%1)").arg(codeRoot);
}

Result<int> importBundledRun(const RunBundle& bundle, RunStore& target)
{
    ImportedSource source;
    source.kind = SourceKind::Reprise;
    ImportedRun run = bundle.run;
    run.run.tags.insert(QStringLiteral("bundle.file"), QFileInfo(bundle.file).fileName());
    source.runs << run;
    auto written = writeImportedRuns(target, std::move(source), {});
    if (!written)
        return written.error();
    return written->runsAdded;
}

} // namespace reprise
