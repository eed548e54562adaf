// Importers exact on everyone's data (issue 24): sources named by relative paths, dvclive summaries
// and folders, TensorBoard hparams and header times, a dvclive metric named "step", MLflow dataset
// profiles, DVC list params. Every input is written here from the formats' documentation
// (../shared/fixtures/FORMATS.md, dvclive's and MLflow's documented layouts).

#include "app/cli_process.h"
#include "import/source_cache.h"
#include "import/source_import.h"
#include "import/tensorboard_events.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <sqlite3.h>

using namespace reprise;

namespace {

void writeTo(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
}

// Event files written byte by byte from the documented protobuf layout and TFRecord framing.
QByteArray varint(quint64 v)
{
    QByteArray out;
    do {
        char b = char(v & 0x7f);
        v >>= 7;
        if (v)
            b = char(b | 0x80);
        out += b;
    } while (v);
    return out;
}

QByteArray field(int number, int type, const QByteArray& payload)
{
    QByteArray out = varint(quint64(number << 3 | type));
    if (type == 2)
        out += varint(quint64(payload.size()));
    return out + payload;
}

QByteArray fixed64(double v) { return QByteArray(reinterpret_cast<const char*>(&v), 8); }
QByteArray fixed32(float v) { return QByteArray(reinterpret_cast<const char*>(&v), 4); }

QByteArray record(const QByteArray& data)
{
    const quint64 length = quint64(data.size());
    const QByteArray len(reinterpret_cast<const char*>(&length), 8);
    const quint32 lenCrc = maskedCrc32c(len.constData(), 8);
    const quint32 dataCrc = maskedCrc32c(data.constData(), size_t(data.size()));
    return len + QByteArray(reinterpret_cast<const char*>(&lenCrc), 4) + data
        + QByteArray(reinterpret_cast<const char*>(&dataCrc), 4);
}

/// The first record of every event file: wall_time and file_version "brain.Event:2".
QByteArray header(double wallTime) { return record(field(1, 1, fixed64(wallTime)) + field(3, 2, "brain.Event:2")); }

QByteArray scalarEvent(double wallTime, quint64 step, const QByteArray& tag, float value)
{
    return record(field(1, 1, fixed64(wallTime)) + field(2, 0, varint(step))
        + field(5, 2, field(1, 2, field(1, 2, tag) + field(2, 5, fixed32(value)))));
}

/// An hparams session_start_info (the hparams plugin's content) holding `entries` (google.protobuf.Value
/// map entries).
QByteArray hparamsEvent(double wallTime, const QByteArray& entries)
{
    const QByteArray pluginData = field(3, 2, entries);
    return record(field(1, 1, fixed64(wallTime))
        + field(5, 2,
            field(1, 2,
                field(1, 2, "_hparams_/session_start_info")
                    + field(9, 2, field(1, 2, field(1, 2, "hparams") + field(2, 2, pluginData))))));
}

QByteArray numberHparam(const QByteArray& key, double v)
{
    return field(1, 2, field(1, 2, key) + field(2, 2, field(2, 1, fixed64(v))));
}

QByteArray textHparam(const QByteArray& key, const QByteArray& v)
{
    return field(1, 2, field(1, 2, key) + field(2, 2, field(3, 2, v)));
}

QByteArray boolHparam(const QByteArray& key, bool v)
{
    return field(1, 2, field(1, 2, key) + field(2, 2, field(4, 0, varint(v ? 1 : 0))));
}

const ImportedRun* runNamed(const ImportedSource& source, const QString& name)
{
    for (const ImportedRun& r : source.runs)
        if (r.run.name == name)
            return &r;
    return nullptr;
}

const MetricHistory* metric(const ImportedRun& run, const QString& key)
{
    for (const MetricHistory& h : run.metrics)
        if (h.key == key)
            return &h;
    return nullptr;
}

QStringList metricKeys(const ImportedRun& run)
{
    QStringList keys;
    for (const MetricHistory& h : run.metrics)
        keys << h.key;
    keys.sort();
    return keys;
}

QString problemsText(const QList<ImportProblem>& problems)
{
    QStringList lines;
    for (const ImportProblem& p : problems)
        lines << p.file + QStringLiteral(": ") + p.message;
    return lines.join(u'\n');
}

/// Restores the working directory when a test leaves (also when a check fails).
class WorkingDirectory {
public:
    explicit WorkingDirectory(const QString& dir)
        : m_previous(QDir::currentPath())
    {
        if (!QDir::setCurrent(dir))
            qFatal("cannot enter %s", qPrintable(dir));
    }
    ~WorkingDirectory() { QDir::setCurrent(m_previous); }
    WorkingDirectory(const WorkingDirectory&) = delete;
    WorkingDirectory& operator=(const WorkingDirectory&) = delete;

private:
    QString m_previous;
};

const QString kRunId = QStringLiteral("608e33a1b2c34d5e8f90a1b2c3d4e5f6");

/// An MLflow file store as MLflow 2.x writes it (FORMATS.md: mlruns/<exp>/meta.yaml, <run>/meta.yaml,
/// params/, tags/, metrics/ with '/' in a key as a folder).
void writeFileStore(const QString& mlruns)
{
    writeTo(mlruns + QStringLiteral("/0/meta.yaml"),
        "artifact_location: file:///tmp/mlruns/0\ncreation_time: 1700000000000\nexperiment_id: '0'\n"
        "last_update_time: 1700000000000\nlifecycle_stage: active\nname: Default\n");
    const QString run = mlruns + QStringLiteral("/0/") + kRunId;
    writeTo(run + QStringLiteral("/meta.yaml"),
        "artifact_uri: file:///tmp/mlruns/0/" + kRunId.toUtf8()
            + "/artifacts\nend_time: 1700000100000\nentry_point_name: ''\nexperiment_id: '0'\n"
              "lifecycle_stage: active\nrun_id: "
            + kRunId.toUtf8() + "\nrun_name: bright-owl\nrun_uuid: " + kRunId.toUtf8()
            + "\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: 3\n"
              "tags: []\nuser_id: me\n");
    writeTo(run + QStringLiteral("/params/train-data-path"), "data/train.csv");
    writeTo(run + QStringLiteral("/params/alpha"), "0.5");
    writeTo(run + QStringLiteral("/tags/mlflow.source.git.commit"), "3fa9c2e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6");
    writeTo(run + QStringLiteral("/tags/mlflow.user"), "me");
    writeTo(run + QStringLiteral("/metrics/rmse"), "1700000001000 0.8 0\n1700000002000 0.7 1\n");
    writeTo(run + QStringLiteral("/metrics/eval/loss"), "1700000001000 0.5 0\n");
}

void checkFileStoreRun(const ImportedSource& source)
{
    QCOMPARE(source.runs.size(), 1);
    const ImportedRun& r = source.runs.front();
    QCOMPARE(r.run.uuid, kRunId);
    QCOMPARE(r.run.params.keys(), (QStringList { "alpha", "train-data-path" }));
    QCOMPARE(r.run.params.value("alpha"), (ParamValue { "0.5", "float" }));
    QCOMPARE(r.run.code.commit, QStringLiteral("3fa9c2e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"));
    QCOMPARE(r.run.tags.value("mlflow.user"), QStringLiteral("me"));
    QCOMPARE(metricKeys(r), (QStringList { "eval/loss", "rmse" }));
}

/// A DVC pipeline (dvc.yaml, dvc.lock, params.yaml as `dvc repro` leaves them).
void writePipeline(const QString& root)
{
    writeTo(root + QStringLiteral("/dvc.yaml"),
        "stages:\n  train:\n    cmd: python train.py\n    deps:\n      - data\n    params:\n      - train\n"
        "    outs:\n      - model.pkl\n");
    writeTo(root + QStringLiteral("/dvc.lock"),
        "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data\n"
        "      md5: 153aad06d376b6595932470e459ef42a.dir\n      size: 8437363\n      nfiles: 2\n"
        "    outs:\n    - path: model.pkl\n      md5: 0b1d4ab4e9bf2a4e7b0b3b8dc2b4e1a1\n      size: 1878\n");
    writeTo(root + QStringLiteral("/params.yaml"), "train:\n  lr: 0.01\n  folds: 3\n");
}

} // namespace

class TestImportExact : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void relativePathsReadLikeAbsoluteOnes_data();
    void relativePathsReadLikeAbsoluteOnes();
    void relativePathsOfOtherKinds();
    void directOpenByARelativePath();
    void commandLineWithRelativePaths();
    void dvcliveSummaryIsTheHistorysLastValue();
    void severalDvcliveFoldersAreRunsOfTheirOwn();
    void dvcliveMetricNamedStep();
    void dvcListParamsKeepTheirNumbers();
    void tensorBoardHparamsInTheirShortestForm();
    void tensorBoardHeaderTimeIsTheStart();
    void mlflowDatasetRowsFromItsProfile();
    void mlflowFileStoreDatasets();

private:
    QTemporaryDir m_dir;
};

void TestImportExact::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Sources opened directly are read into caches under $XDG_CACHE_HOME: here, not the user's.
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
    writeFileStore(m_dir.filePath(QStringLiteral("project/mlruns")));
    QDir().mkpath(m_dir.filePath(QStringLiteral("project/notebooks")));
}

void TestImportExact::relativePathsReadLikeAbsoluteOnes_data()
{
    QTest::addColumn<QString>("cwd");
    QTest::addColumn<QString>("path");
    QTest::newRow("mlruns") << "project"
                            << "mlruns";
    QTest::newRow("./mlruns") << "project"
                              << "./mlruns";
    QTest::newRow("mlruns/") << "project"
                             << "mlruns/";
    QTest::newRow(".") << "project/mlruns"
                       << ".";
    QTest::newRow("..") << "project/notebooks"
                        << "..";
    QTest::newRow("../mlruns") << "project/notebooks"
                               << "../mlruns";
    QTest::newRow("absolute") << "project" << m_dir.filePath(QStringLiteral("project/mlruns"));
}

void TestImportExact::relativePathsReadLikeAbsoluteOnes()
{
    QFETCH(QString, cwd);
    QFETCH(QString, path);
    const WorkingDirectory in(m_dir.filePath(cwd));
    QCOMPARE(int(detectSource(path)), int(SourceKind::MlflowFileStore));
    auto source = readSource(path, {});
    QVERIFY2(source, qPrintable(source ? QString() : source.error().message));
    checkFileStoreRun(*source);
    if (QTest::currentTestFailed())
        return;

    // The same through an import into a database, as `reprise import mlruns` does it.
    auto store = RunStore::open(
        m_dir.filePath(QStringLiteral("relative-") + QString::number(qHash(path)) + ".db"), OpenMode::Create);
    QVERIFY(store);
    auto summary = importSource(path, *store, {});
    QVERIFY2(summary, qPrintable(summary ? QString() : summary.error().message));
    QCOMPARE(summary->runsAdded, 1);
    auto run = store->loadRun(kRunId);
    QVERIFY(run);
    QCOMPARE(run->params.keys(), (QStringList { "alpha", "train-data-path" }));
    QCOMPARE(run->code.commit, QStringLiteral("3fa9c2e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"));
}

void TestImportExact::relativePathsOfOtherKinds()
{
    // A TensorBoard log dir and a DVC project named by "." and "..": the same runs (ids, names,
    // projects) as by their absolute paths.
    const QString logs = m_dir.filePath(QStringLiteral("tb-logs"));
    writeTo(logs + QStringLiteral("/run_a/events.out.tfevents.1700000000.host.1.0"),
        header(1.7e9) + scalarEvent(1.7e9 + 1, 0, "loss", 0.5f));
    const QString dvc = m_dir.filePath(QStringLiteral("dvc-relative"));
    writePipeline(dvc);
    writeTo(dvc + QStringLiteral("/dvclive/plots/metrics/loss.tsv"), "step\tloss\n0\t0.5\n");
    for (const QString& absolute : { logs, dvc }) {
        auto expected = readSource(absolute, {});
        QVERIFY(expected);
        const QList<std::pair<QString, QString>> spellings { { absolute, QStringLiteral(".") },
            { absolute + QStringLiteral("/run_a"), QStringLiteral("..") },
            { m_dir.path(), QFileInfo(absolute).fileName() } };
        for (const auto& [cwd, path] : spellings) {
            if (!QFileInfo(cwd).isDir())
                continue;
            const WorkingDirectory in(cwd);
            auto source = readSource(path, {});
            QVERIFY2(source, qPrintable(path));
            QCOMPARE(source->runs.size(), expected->runs.size());
            for (qsizetype i = 0; i < source->runs.size(); ++i) {
                QCOMPARE(source->runs[i].run.uuid, expected->runs[i].run.uuid);
                QCOMPARE(source->runs[i].run.name, expected->runs[i].run.name);
                QCOMPARE(source->runs[i].run.project, expected->runs[i].run.project);
                QCOMPARE(source->runs[i].run.launch.workingDir, expected->runs[i].run.launch.workingDir);
                QCOMPARE(metricKeys(source->runs[i]), metricKeys(expected->runs[i]));
            }
        }
    }
    auto tb = readSource(logs, {});
    QCOMPARE(tb->runs.front().run.project, QStringLiteral("tb-logs")); // never "." or ".."
}

void TestImportExact::directOpenByARelativePath()
{
    // Opened directly (`reprise mlruns`): read into a cache database; the keys are the same.
    const WorkingDirectory in(m_dir.filePath(QStringLiteral("project")));
    auto cached = refreshSourceCache(QStringLiteral("./mlruns"), {});
    QVERIFY2(cached, qPrintable(cached ? QString() : cached.error().message));
    QCOMPARE(cached->source, m_dir.filePath(QStringLiteral("project/mlruns")));
    QCOMPARE(cached->cache, sourceCachePath(m_dir.filePath(QStringLiteral("project/mlruns"))));
    auto store = RunStore::open(cached->cache, OpenMode::ReadOnly);
    QVERIFY(store);
    auto run = store->loadRun(kRunId);
    QVERIFY(run);
    QCOMPARE(run->params.keys(), (QStringList { "alpha", "train-data-path" }));
    QCOMPARE(run->code.commit, QStringLiteral("3fa9c2e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"));
    // The same source by another spelling is the same cache, up to date.
    QVERIFY(isSourceCacheFresh(QStringLiteral("mlruns")));
}

void TestImportExact::commandLineWithRelativePaths()
{
    // The real `reprise` as a user runs it: `reprise import mlruns` in the project, then the run
    // shown from the database, and from the file store itself (`--db ../mlruns` from a subfolder).
    QProcessEnvironment env = baseEnvironment();
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_dir.filePath(QStringLiteral("cli-cache")));
    const QString project = m_dir.filePath(QStringLiteral("project"));
    const Outcome imported = runReprise({ "import", "mlruns", "--db", "cli.db", "--json" }, project, env);
    QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
    QVERIFY2(imported.err.isEmpty(), qPrintable(imported.err));
    for (const auto& [cwd, db] : QList<std::pair<QString, QString>> { { project, "cli.db" },
             { project + QStringLiteral("/notebooks"), "../mlruns" }, { project, "./mlruns/" } }) {
        const Outcome shown = runReprise({ "show", kRunId.left(8), "--db", db, "--json" }, cwd, env);
        QVERIFY2(shown.exitCode == 0, qPrintable(db + QStringLiteral(": ") + shown.err));
        const QJsonObject run = QJsonDocument::fromJson(shown.out.toUtf8()).object();
        QCOMPARE(run.value("params").toObject().keys(), (QStringList { "alpha", "train-data-path" }));
        QCOMPARE(run.value("git").toObject().value("commit").toString(),
            QStringLiteral("3fa9c2e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"));
    }
}

void TestImportExact::dvcliveSummaryIsTheHistorysLastValue()
{
    // dvclive (dvc.org/doc/dvclive): metrics.json is the summary (nested dicts plus "step"),
    // plots/metrics/<name>.tsv the history of a metric logged with plot=True (the default).
    const QString root = m_dir.filePath(QStringLiteral("dvclive-summary"));
    writePipeline(root);
    writeTo(root + QStringLiteral("/dvclive/metrics.json"),
        R"({"step": 2, "train": {"loss": 0.25}, "val": {"obj_metric": 0.75}, "test": {"auc": 0.9}, "acc": 0.5})");
    writeTo(root + QStringLiteral("/dvclive/plots/metrics/train/loss.tsv"),
        "timestamp\tstep\tloss\n1700000000000\t0\t0.9\n1700000001000\t1\t0.5\n1700000002000\t2\t0.25\n");
    writeTo(root + QStringLiteral("/dvclive/plots/metrics/val/obj_metric.tsv"),
        "timestamp\tstep\tobj_metric\n1700000000000\t0\t0.5\n1700000001000\t1\t0.6\n1700000002000\t2\t0.75\n");
    auto source = readSource(root, {});
    QVERIFY(source);
    QVERIFY2(source->problems.isEmpty(), qPrintable(problemsText(source->problems)));
    QCOMPARE(source->runs.size(), 1);
    const ImportedRun& r = source->runs.front();
    // dvclive's own names (the slashed paths), each once; no dotted copy of a history's last point.
    QCOMPARE(metricKeys(r), (QStringList { "acc", "test/auc", "train/loss", "val/obj_metric" }));
    QCOMPARE(metric(r, "val/obj_metric")->steps, (std::vector<qint64> { 0, 1, 2 }));
    QCOMPARE(metric(r, "val/obj_metric")->values.back(), 0.75);
    // A summary value without a history is kept, under the slashed name, at the summary's step.
    QCOMPARE(metric(r, "test/auc")->steps, (std::vector<qint64> { 2 }));
    QCOMPARE(metric(r, "test/auc")->values, (std::vector<double> { 0.9 }));
}

void TestImportExact::severalDvcliveFoldersAreRunsOfTheirOwn()
{
    // Cross-validation as dvclive users write it: Live("dvclive") for the whole, Live("dvclive/fold_N")
    // per fold; every folder has its own metrics.json and plots/metrics.
    const QString root = m_dir.filePath(QStringLiteral("dvclive-folds"));
    writePipeline(root);
    writeTo(root + QStringLiteral("/dvclive/metrics.json"), R"({"step": 0, "eval": {"loss": 0.35}})");
    writeTo(root + QStringLiteral("/dvclive/plots/metrics/eval/loss.tsv"), "step\tloss\n0\t0.35\n");
    for (int fold = 0; fold < 3; ++fold) {
        const QString dir = root + QStringLiteral("/dvclive/fold_%1").arg(fold);
        const QByteArray last = QByteArray::number(0.3 + fold / 100.0);
        writeTo(dir + QStringLiteral("/metrics.json"), R"({"step": 2, "eval": {"loss": )" + last + "}}");
        writeTo(dir + QStringLiteral("/plots/metrics/eval/loss.tsv"),
            "timestamp\tstep\tloss\n" + QByteArray::number(1700000000000 + fold * 100000) + "\t0\t0.9\n"
                + QByteArray::number(1700000001000 + fold * 100000) + "\t1\t0.5\n"
                + QByteArray::number(1700000002000 + fold * 100000) + "\t2\t" + last + "\n");
    }
    auto source = readSource(root, {});
    QVERIFY(source);
    QVERIFY2(source->problems.isEmpty(), qPrintable(problemsText(source->problems)));
    QCOMPARE(source->runs.size(), 5); // the pipeline state, and one run per dvclive folder
    const ImportedRun* pipeline = runNamed(*source, QStringLiteral("dvclive-folds"));
    QVERIFY(pipeline);
    QCOMPARE(pipeline->steps.size(), 1);
    QVERIFY(pipeline->metrics.isEmpty()); // its folders' metrics are theirs, never merged
    QSet<QString> ids { pipeline->run.uuid };
    for (const QString& name : QStringList { "dvclive", "dvclive/fold_0", "dvclive/fold_1", "dvclive/fold_2" }) {
        const ImportedRun* live = runNamed(*source, name);
        QVERIFY2(live, qPrintable(name));
        QCOMPARE(live->run.parentUuid, pipeline->run.uuid); // linked to the pipeline state it belongs to
        QCOMPARE(live->run.project, pipeline->run.project);
        QCOMPARE(live->run.tags.value("dvclive.folder"), name);
        QCOMPARE(live->run.params, pipeline->run.params); // run with the pipeline's params
        QCOMPARE(metricKeys(*live), QStringList { "eval/loss" });
        ids.insert(live->run.uuid);
    }
    QCOMPARE(ids.size(), 5);
    const ImportedRun* fold1 = runNamed(*source, QStringLiteral("dvclive/fold_1"));
    QCOMPARE(metric(*fold1, "eval/loss")->steps, (std::vector<qint64> { 0, 1, 2 })); // one value per step
    QCOMPARE(metric(*fold1, "eval/loss")->values.back(), 0.31);
    QCOMPARE(fold1->run.startTime, 1700000100.0); // its first point
    QCOMPARE(fold1->endTime.value_or(0), 1700000102.0);
    QCOMPARE(
        metric(*runNamed(*source, QStringLiteral("dvclive")), "eval/loss")->values, (std::vector<double> { 0.35 }));

    // Written and read again: parents first; a second import adds nothing.
    auto store = RunStore::open(m_dir.filePath(QStringLiteral("folds.db")), OpenMode::Create);
    QVERIFY(store);
    QCOMPARE(importSource(root, *store, {})->runsAdded, 5);
    QCOMPARE(importSource(root, *store, {})->runsAdded, 0);
    auto fold2 = store->loadRun(runNamed(*source, QStringLiteral("dvclive/fold_2"))->run.uuid);
    QVERIFY(fold2);
    QCOMPARE(fold2->parentUuid, pipeline->run.uuid);
    QCOMPARE(fold2->metrics.size(), 1);
    QCOMPARE(fold2->metrics.front().count, qint64(3));
    QCOMPARE(fold2->metrics.front().value, 0.32);
}

void TestImportExact::dvcliveMetricNamedStep()
{
    // live.log_metric("train/step", n): the TSV of a metric named "step" has a single "step" column
    // (its own name and dvclive's step column are one), and the variant with a timestamp.
    const QString root = m_dir.filePath(QStringLiteral("dvclive-step"));
    writePipeline(root);
    writeTo(root + QStringLiteral("/dvclive/plots/metrics/train/step.tsv"), "step\n10\n20\n30\n");
    writeTo(root + QStringLiteral("/dvclive/plots/metrics/eval/step.tsv"),
        "timestamp\tstep\tstep\n1700000000000\t0\t5\n1700000001000\t1\t7\n");
    writeTo(root + QStringLiteral("/dvclive/metrics.json"), R"({"step": 2, "train": {"step": 30}})");
    auto source = readSource(root, {});
    QVERIFY(source);
    QVERIFY2(source->problems.isEmpty(), qPrintable(problemsText(source->problems)));
    const ImportedRun& r = source->runs.front();
    QCOMPARE(metricKeys(r), (QStringList { "eval/step", "train/step" }));
    QCOMPARE(metric(r, "train/step")->values, (std::vector<double> { 10, 20, 30 }));
    QCOMPARE(metric(r, "train/step")->steps, (std::vector<qint64> { 0, 1, 2 })); // in logging order
    QCOMPARE(metric(r, "eval/step")->values, (std::vector<double> { 5, 7 }));
    QCOMPARE(metric(r, "eval/step")->steps, (std::vector<qint64> { 0, 1 }));
}

void TestImportExact::dvcListParamsKeepTheirNumbers()
{
    // params.yaml lists: numbers stay numbers, as the Python client stores a list param (json.dumps).
    const QString root = m_dir.filePath(QStringLiteral("dvc-lists"));
    writePipeline(root);
    writeTo(root + QStringLiteral("/params.yaml"),
        "model:\n  hidden: [24, 24]\n  dropout:\n    - 0.2\n    - 0.50\n  names: [a, 'b c']\n  flags: [true, null]\n"
        "  nested: [{k: 1}, [2.0, -3]]\n  scalar: 0.20\n");
    auto source = readSource(root, {});
    QVERIFY(source);
    const QMap<QString, ParamValue> params = source->runs.front().run.params;
    QCOMPARE(params.value("model.hidden"), (ParamValue { "[24, 24]", "json" }));
    QCOMPARE(params.value("model.dropout"), (ParamValue { "[0.2, 0.5]", "json" }));
    QCOMPARE(params.value("model.names"), (ParamValue { R"(["a", "b c"])", "json" }));
    QCOMPARE(params.value("model.flags"), (ParamValue { "[true, null]", "json" }));
    QCOMPARE(params.value("model.nested"), (ParamValue { R"([{"k": 1}, [2.0, -3]])", "json" }));
    QCOMPARE(params.value("model.scalar"), (ParamValue { "0.20", "float" })); // a scalar keeps its text
}

void TestImportExact::tensorBoardHparamsInTheirShortestForm()
{
    // hparams (FORMATS.md: session_start_info, a map of google.protobuf.Value): numbers are doubles.
    const QString logs = m_dir.filePath(QStringLiteral("tb-hparams"));
    const QByteArray entries = numberHparam("eps_end", 0.2) + numberHparam("gamma", 0.99)
        + numberHparam("batch_size", 32) + numberHparam("tiny", 1e-7) + numberHparam("third", 1.0 / 3)
        + textHparam("optimizer", "adam") + boolHparam("double_dqn", true);
    writeTo(logs + QStringLiteral("/dqn/events.out.tfevents.1700000000.host.1.0"),
        header(1.7e9) + hparamsEvent(1.7e9, entries) + scalarEvent(1.7e9 + 1, 0, "reward", 1.5f));
    auto source = readSource(logs, {});
    QVERIFY(source);
    QCOMPARE(source->runs.size(), 1);
    const QMap<QString, ParamValue> params = source->runs.front().run.params;
    QCOMPARE(params.value("eps_end"), (ParamValue { "0.2", "float" }));
    QCOMPARE(params.value("gamma"), (ParamValue { "0.99", "float" }));
    QCOMPARE(params.value("batch_size"), (ParamValue { "32", "int" }));
    QCOMPARE(params.value("tiny"), (ParamValue { "1e-07", "float" }));
    QCOMPARE(params.value("third").value.toDouble(), 1.0 / 3); // shortest, and reads back exactly
    QCOMPARE(params.value("third").value, QStringLiteral("0.3333333333333333"));
    QCOMPARE(params.value("optimizer"), (ParamValue { "adam", "str" }));
    QCOMPARE(params.value("double_dqn"), (ParamValue { "true", "bool" }));
}

void TestImportExact::tensorBoardHeaderTimeIsTheStart()
{
    // The first record's wall_time (the file_version event) is when the writer opened the file.
    const QString logs = m_dir.filePath(QStringLiteral("tb-header"));
    writeTo(logs + QStringLiteral("/empty/events.out.tfevents.1700000000.host.1.0"), header(1700000000.5));
    writeTo(logs + QStringLiteral("/trained/events.out.tfevents.1700000100.host.1.0"),
        header(1700000100.25) + scalarEvent(1700001360, 0, "loss", 0.5f) + scalarEvent(1700001420, 1, "loss", 0.25f));
    // A restart in the same folder: a second file; the run starts with the first header.
    writeTo(logs + QStringLiteral("/trained/events.out.tfevents.1700002000.host.1.0"),
        header(1700002000) + scalarEvent(1700002100, 2, "loss", 0.125f));
    auto source = readSource(logs, {});
    QVERIFY(source);
    QVERIFY2(source->problems.isEmpty(), qPrintable(problemsText(source->problems)));
    const ImportedRun* empty = runNamed(*source, QStringLiteral("empty"));
    QVERIFY(empty);
    QCOMPARE(empty->run.startTime, 1700000000.5);
    QCOMPARE(empty->endTime.value_or(0), 1700000000.5);
    const ImportedRun* trained = runNamed(*source, QStringLiteral("trained"));
    QVERIFY(trained);
    QCOMPARE(trained->run.startTime, 1700000100.25);
    QCOMPARE(trained->endTime.value_or(0), 1700002100.0);
    QCOMPARE(metric(*trained, "loss")->size(), size_t(3));
    // A file given alone: the same.
    auto single = readSource(logs + QStringLiteral("/empty/events.out.tfevents.1700000000.host.1.0"), {});
    QVERIFY(single);
    QCOMPARE(single->runs.front().run.startTime, 1700000000.5);
}

void TestImportExact::mlflowDatasetRowsFromItsProfile()
{
    // MLflow 2.4+: a dataset's profile is JSON (pandas: {"num_rows": N, "num_elements": M}).
    const QString path = m_dir.filePath(QStringLiteral("datasets-mlflow.db"));
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
    const char* sql = R"(
        CREATE TABLE alembic_version(version_num VARCHAR(32) NOT NULL PRIMARY KEY);
        INSERT INTO alembic_version VALUES('acf3f17fdcc7');
        CREATE TABLE experiments(experiment_id INTEGER PRIMARY KEY, name VARCHAR(256), artifact_location VARCHAR(256),
            lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
        INSERT INTO experiments VALUES(0, 'Default', 'mlruns/0', 'active', 1700000000000, 1700000000000);
        CREATE TABLE runs(run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20),
            source_name VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9),
            start_time BIGINT, end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20),
            artifact_uri VARCHAR(200), experiment_id INTEGER, deleted_time BIGINT);
        INSERT INTO runs VALUES('0123456789abcdef0123456789abcdef', 'iris', 'LOCAL', '', '', 'me', 'FINISHED',
            1700000000000, 1700000100000, '', 'active', 'mlruns/0/a/artifacts', 0, NULL);
        CREATE TABLE metrics(key VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid VARCHAR(32),
            step BIGINT NOT NULL DEFAULT 0, is_nan BOOLEAN NOT NULL DEFAULT 0);
        CREATE TABLE params(key VARCHAR(250), value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32));
        CREATE TABLE tags(key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32));
        CREATE TABLE datasets(dataset_uuid VARCHAR(36), experiment_id INTEGER, name VARCHAR(500), digest VARCHAR(36),
            dataset_source_type VARCHAR(36), dataset_source TEXT, dataset_schema TEXT, dataset_profile TEXT);
        INSERT INTO datasets VALUES('d1', 0, 'iris-train', '2a1b3c4d', 'local', '{"uri": "/data/iris.csv"}',
            '{"mlflow_colspec": [{"type": "double", "name": "sepal_length"}]}', '{"num_rows": 120, "num_elements": 600}');
        INSERT INTO datasets VALUES('d2', 0, 'no-profile', '5e6f', 'local', '{"uri": "/data/x.csv"}', NULL, NULL);
        CREATE TABLE inputs(input_uuid VARCHAR(36), source_type VARCHAR(36), source_id VARCHAR(36),
            destination_type VARCHAR(36), destination_id VARCHAR(36));
        INSERT INTO inputs VALUES('i1', 'DATASET', 'd1', 'RUN', '0123456789abcdef0123456789abcdef');
        INSERT INTO inputs VALUES('i2', 'DATASET', 'd2', 'RUN', '0123456789abcdef0123456789abcdef');
        CREATE TABLE input_tags(input_uuid VARCHAR(36), name VARCHAR(255), value VARCHAR(500));
        INSERT INTO input_tags VALUES('i1', 'mlflow.data.context', 'training');)";
    QCOMPARE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto source = readSource(path, {});
    QVERIFY(source);
    QCOMPARE(source->runs.size(), 1);
    QMap<QString, DatasetRecord> datasets;
    for (const DatasetRecord& d : source->runs.front().datasets)
        datasets.insert(d.name, d);
    QCOMPARE(datasets.size(), 2);
    QCOMPARE(datasets.value("iris-train").rows, qint64(120));
    QCOMPARE(datasets.value("iris-train").role, QStringLiteral("training"));
    QCOMPARE(datasets.value("no-profile").rows, qint64(0)); // unknown stays 0
}

void TestImportExact::mlflowFileStoreDatasets()
{
    // The file store keeps the same (FORMATS.md): <exp>/datasets/<id>/meta.yaml, and per run
    // inputs/<id>/meta.yaml naming the dataset, its role in the mlflow.data.context tag.
    const QString mlruns = m_dir.filePath(QStringLiteral("datasets-mlruns"));
    writeFileStore(mlruns);
    const QString id = QStringLiteral("9f2c1e0d8b7a69584736251403f2e1d0");
    writeTo(mlruns + QStringLiteral("/0/datasets/") + id + QStringLiteral("/meta.yaml"),
        "digest: 2a1b3c4d\nname: iris-train\nprofile: '{\"num_rows\": 120, \"num_elements\": 600}'\n"
        "schema: '{\"mlflow_colspec\": [{\"type\": \"double\", \"name\": \"sepal_length\"}]}'\n"
        "source: '{\"uri\": \"/data/iris.csv\"}'\nsource_type: local\n");
    writeTo(mlruns + QStringLiteral("/0/") + kRunId + QStringLiteral("/inputs/0c5d7e9f/meta.yaml"),
        "destination_id: " + id.toUtf8() + "\ndestination_type: RUN\nsource_id: " + id.toUtf8()
            + "\nsource_type: DATASET\ntags:\n  mlflow.data.context: training\n");
    auto source = readSource(mlruns, {});
    QVERIFY(source);
    QCOMPARE(source->runs.size(), 1);
    const QList<DatasetRecord> datasets = source->runs.front().datasets;
    QCOMPARE(datasets.size(), 1);
    QCOMPARE(datasets.front().name, QStringLiteral("iris-train"));
    QCOMPARE(datasets.front().hash, QStringLiteral("2a1b3c4d"));
    QCOMPARE(datasets.front().rows, qint64(120));
    QCOMPARE(datasets.front().role, QStringLiteral("training"));
}

QTEST_GUILESS_MAIN(TestImportExact)
#include "tst_import_exact.moc"
