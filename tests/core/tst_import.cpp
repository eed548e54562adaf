// Importers against real third-party files (../shared/fixtures: MLflow, TensorBoard) and against
// DVC and CSV-logger inputs written here from those tools' documented formats; damaged inputs.

#include "import/simple_yaml.h"
#include "import/source_import.h"
#include "import/tensorboard_events.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <limits>

using namespace reprise;

namespace {

const QString kFixtures = QStringLiteral(REPRISE_FIXTURES_DIR);
const QString kMlflowDb = kFixtures + QStringLiteral("/mlflow/mlflow/db_version_7ac759974ad8_with_metrics.sql");
const QString kMlruns = kFixtures + QStringLiteral("/mlruns/Hyperparameter-Tuning-with-Python/mlruns");
const QString kLingvo = kFixtures + QStringLiteral("/tfevents/lingvo/events.out.tfevents.test");
const QString kReducer = kFixtures + QStringLiteral("/tfevents/tensorboard-reducer");

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

/// Imports `source` into a fresh database in `dir`; the store stays open for checks.
RunStore importInto(const QString& dbPath, const QString& source, ImportSummary* summary = nullptr)
{
    auto store = RunStore::open(dbPath, OpenMode::Create);
    if (!store)
        qFatal("cannot create %s", qPrintable(dbPath));
    auto result = importSource(source, *store, {});
    if (!result)
        qWarning() << result.error().message;
    else if (summary)
        *summary = *result;
    return std::move(*store);
}

qint64 count(const RunStore& store, const char* sql)
{
    auto s = store.database().prepare(sql);
    return s && s->step() == SQLITE_ROW ? s->int64(0) : -1;
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

QByteArray record(const QByteArray& data)
{
    const quint64 length = quint64(data.size());
    const QByteArray len(reinterpret_cast<const char*>(&length), 8);
    const quint32 lenCrc = maskedCrc32c(len.constData(), 8);
    const quint32 dataCrc = maskedCrc32c(data.constData(), size_t(data.size()));
    return len + QByteArray(reinterpret_cast<const char*>(&lenCrc), 4) + data
        + QByteArray(reinterpret_cast<const char*>(&dataCrc), 4);
}

} // namespace

class TestImport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void detectsKindsByContent();
    void mlflowDatabaseMatchesMlflowsOwnLatestValues();
    void reimportAddsNothing();
    void mlflowFileStore();
    void tensorBoardEventFiles();
    void tensorBoardDamagedFilesKeepTheValidPrefix();
    void tensorBoardScalarTensorsAndHparams();
    void dvcProject();
    void lightningAndKerasCsv();
    void yamlSubset();
    void badInputsGetMessagesNotCrashes();
    void numbersThatDoNotFitAreProblemsOfTheirFile_data();
    void numbersThatDoNotFitAreProblemsOfTheirFile();
    void tensorBoardImpossibleShapesAndTimes_data();
    void tensorBoardImpossibleShapesAndTimes();
    void importsAreTransactional();

private:
    QTemporaryDir m_dir;
};

void TestImport::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo::exists(kMlflowDb),
        qPrintable(QStringLiteral("fixtures not found in ") + kFixtures + QStringLiteral(": set REPRISE_FIXTURES")));
}

void TestImport::detectsKindsByContent()
{
    QCOMPARE(int(detectSource(kMlflowDb)), int(SourceKind::MlflowDatabase)); // named .sql, but an MLflow SQLite file
    QCOMPARE(int(detectSource(kMlruns)), int(SourceKind::MlflowFileStore));
    QCOMPARE(
        int(detectSource(QFileInfo(kMlruns).absolutePath())), int(SourceKind::MlflowFileStore)); // the folder above
    QCOMPARE(int(detectSource(kLingvo)), int(SourceKind::TensorBoard));
    QCOMPARE(int(detectSource(kReducer)), int(SourceKind::TensorBoard));
    // An event file under a name that says nothing.
    const QString renamed = m_dir.filePath(QStringLiteral("renamed.bin"));
    QVERIFY(QFile::copy(kLingvo, renamed));
    QCOMPARE(int(detectSource(renamed)), int(SourceKind::TensorBoard));
    const QString text = m_dir.filePath(QStringLiteral("notes.txt"));
    writeFile(text, "just text\n");
    QCOMPARE(int(detectSource(text)), int(SourceKind::Unknown));
    QCOMPARE(int(detectSource(m_dir.filePath(QStringLiteral("missing")))), int(SourceKind::Unknown));
}

void TestImport::mlflowDatabaseMatchesMlflowsOwnLatestValues()
{
    ImportSummary summary;
    RunStore store = importInto(m_dir.filePath(QStringLiteral("mlflow.db")), kMlflowDb, &summary);
    QCOMPARE(int(summary.kind), int(SourceKind::MlflowDatabase));
    QCOMPARE(summary.runsAdded, 26);
    QCOMPARE(summary.points, qint64(404));
    QCOMPARE(count(store, "SELECT count(*) FROM runs"), qint64(26));

    // MLflow's oracle: the latest value of every (run, metric).
    const QJsonObject expected = QJsonDocument::fromJson(
        readFile(
            kFixtures + QStringLiteral("/mlflow/mlflow/db_version_7ac759974ad8_with_metrics_expected_values.json")))
                                     .object();
    QVERIFY(!expected.isEmpty());
    int compared = 0, oracleValues = 0;
    for (auto run = expected.begin(); run != expected.end(); ++run) {
        oracleValues += int(run.value().toObject().size());
        auto record = store.loadRun(run.key());
        QVERIFY2(record, qPrintable(run.key()));
        QCOMPARE(record->kind, QStringLiteral("import"));
        const QJsonObject metrics = run.value().toObject();
        QCOMPARE(record->metrics.size(), metrics.size());
        for (const MetricSummary& m : record->metrics) {
            QCOMPARE(m.value, metrics.value(m.key).toDouble()); // exactly
            ++compared;
        }
    }
    QCOMPARE(compared, oracleValues);
    QCOMPARE(expected.size(), 26);
    // Tags, user, source and the git commit of a run.
    auto run = store.loadRun(QStringLiteral("f8a6361f177a40b291751d743ec0cd52"));
    QVERIFY(run);
    QCOMPARE(run->code.commit, QStringLiteral("0ff05042fb4c67b6fd3fe63a88b2a8946860e026"));
    QCOMPARE(run->user, QStringLiteral("czumar"));
    QCOMPARE(run->project, QStringLiteral("Default"));
    QCOMPARE(run->tags.value(QStringLiteral("mlflow.source.name")), QStringLiteral("gen_metrics.py"));
    QCOMPARE(int(run->status), int(RunStatus::Finished));
    // Step -1 is a legal step and kept.
    auto history = store.loadMetric(*store.resolveRun(run->uuid), QStringLiteral("metric_0"));
    QVERIFY(history);
    QCOMPARE(history->steps.front(), qint64(-1));
}

void TestImport::reimportAddsNothing()
{
    const QString db = m_dir.filePath(QStringLiteral("twice.db"));
    ImportSummary first, second;
    {
        RunStore store = importInto(db, kMlruns, &first);
    }
    RunStore store = importInto(db, kMlruns, &second);
    QVERIFY(first.runsAdded > 0);
    QCOMPARE(second.runsAdded, 0);
    QCOMPARE(second.runsSkipped, first.runsAdded);
    QCOMPARE(second.points, qint64(0));
    QCOMPARE(count(store, "SELECT count(*) FROM runs"), qint64(first.runsAdded));
}

void TestImport::mlflowFileStore()
{
    ImportSummary summary;
    RunStore store = importInto(m_dir.filePath(QStringLiteral("mlruns.db")), kMlruns, &summary);
    QCOMPARE(int(summary.kind), int(SourceKind::MlflowFileStore));
    QCOMPARE(summary.runsAdded, 19); // every run folder with a meta.yaml, deleted experiments included
    QCOMPARE(summary.points, qint64(33)); // every line of every metrics file
    // Nested runs: the child links to its parent.
    auto child = store.loadRun(QStringLiteral("f7d034672fce496d891b6f054749ea99"));
    QVERIFY(child);
    QCOMPARE(child->parentUuid, QStringLiteral("a3112407148b4966b929bc9f8784a3d3"));
    QCOMPARE(child->name, QStringLiteral("CHILD_RUN"));
    QCOMPARE(child->project, QStringLiteral("example1"));
    auto parent = store.loadRun(QStringLiteral("a3112407148b4966b929bc9f8784a3d3"));
    QCOMPARE(parent->params.value(QStringLiteral("param1")).type, QStringLiteral("int"));
    QCOMPARE(parent->tags.value(QStringLiteral("release.version")).isEmpty(), false);
    QCOMPARE(int(parent->status), int(RunStatus::Finished));
    auto foo = store.loadMetric(*store.resolveRun(parent->uuid), QStringLiteral("foo"));
    QCOMPARE(foo->size(), size_t(3));
    QCOMPARE(foo->steps, (std::vector<qint64> { 1, 2, 3 }));
    QCOMPARE(foo->values[0], 0.5957562753945062);
    QCOMPARE(foo->times[0], 1656994881.659);
    // Runs of deleted experiments (.trash) are kept, archived.
    auto trashed = store.loadRun(QStringLiteral("ab795bf92a764a2da07fd57761d87abb"));
    QVERIFY(trashed);
    QVERIFY(trashed->archived);
    QVERIFY(!parent->archived);
}

void TestImport::tensorBoardEventFiles()
{
    const EventFileContents lingvo = parseEventFile(readFile(kLingvo));
    QVERIFY(lingvo.isEventFile);
    QVERIFY2(lingvo.problem.isEmpty(), qPrintable(lingvo.problem));
    QCOMPARE(lingvo.records, qint64(361));
    QCOMPARE(lingvo.scalars.size(), 7);
    for (const auto& points : lingvo.scalars)
        QCOMPARE(points.size(), size_t(360));
    QVERIFY(lingvo.scalars.contains(QStringLiteral("bleu/dev")));

    ImportSummary summary;
    RunStore store = importInto(m_dir.filePath(QStringLiteral("tb.db")), kReducer, &summary);
    QCOMPARE(int(summary.kind), int(SourceKind::TensorBoard));
    QCOMPARE(summary.runsAdded, 1);
    QCOMPARE(summary.points, qint64(100));
    auto table = loadRunTable(store.database());
    QCOMPARE(table->uuids.size(), size_t(1));
    auto run = store.loadRun(table->uuids.front());
    QCOMPARE(run->name, QStringLiteral("strict/run_1")); // the folder, relative to the log dir
    QCOMPARE(run->metrics.size(), 1);
    QCOMPARE(run->metrics.first().count, qint64(100));
}

void TestImport::tensorBoardDamagedFilesKeepTheValidPrefix()
{
    const QByteArray bytes = readFile(kLingvo);
    const EventFileContents whole = parseEventFile(bytes);
    // A truncated tail (a file still being written).
    EventFileContents cut = parseEventFile(bytes.left(bytes.size() - 10));
    QVERIFY(cut.problem.contains(QStringLiteral("truncated")));
    QCOMPARE(cut.records, whole.records - 1);
    // A flipped byte in a record's data: CRC mismatch, the records before it kept.
    QByteArray flipped = bytes;
    flipped[int(whole.validBytes / 2)] = char(flipped[int(whole.validBytes / 2)] ^ 0x40);
    EventFileContents bad = parseEventFile(flipped);
    QVERIFY2(bad.problem.contains(QStringLiteral("CRC mismatch")), qPrintable(bad.problem));
    QVERIFY(bad.records > 100 && bad.records < whole.records);
    // Through the importer: a per-file message and the valid part imported.
    const QString dir = m_dir.filePath(QStringLiteral("damaged-logs/run_a"));
    writeFile(dir + QStringLiteral("/events.out.tfevents.1.host"), flipped);
    ImportSummary summary;
    RunStore store = importInto(m_dir.filePath(QStringLiteral("damaged.db")), QFileInfo(dir).absolutePath(), &summary);
    QCOMPARE(summary.runsAdded, 1);
    QCOMPARE(summary.problems.size(), 1);
    QVERIFY(summary.problems.first().file.endsWith(QStringLiteral("events.out.tfevents.1.host")));
    QVERIFY(summary.problems.first().message.contains(QStringLiteral("kept the")));
    QCOMPARE(summary.points, qint64(7 * (bad.records - 1)));
}

void TestImport::tensorBoardScalarTensorsAndHparams()
{
    // Events written here byte by byte from the documented protobuf layout: a TF2 scalar tensor
    // (DT_DOUBLE in tensor_content), a DT_HALF in half_val, and an hparams session start.
    const QByteArray version = field(1, 1, fixed64(1.7e9)) + field(3, 2, "brain.Event:2");
    const QByteArray doubleTensor = field(1, 0, varint(2)) + field(4, 2, fixed64(0.25));
    const QByteArray halfTensor = field(1, 0, varint(19)) + field(13, 0, varint(0x3C00)); // 1.0
    const QByteArray scalars = field(5, 2,
        field(1, 2, field(1, 2, "loss") + field(8, 2, doubleTensor))
            + field(1, 2, field(1, 2, "lr") + field(8, 2, halfTensor))
            + field(1, 2, field(1, 2, "unknown") + field(99, 0, varint(1))));
    const QByteArray hparamValue = field(1, 2, "lr") + field(2, 2, field(2, 1, fixed64(0.01)));
    const QByteArray pluginData = field(3, 2, field(1, 2, hparamValue));
    const QByteArray hparams = field(5, 2,
        field(1, 2,
            field(1, 2, "_hparams_/session_start_info")
                + field(9, 2, field(1, 2, field(1, 2, "hparams") + field(2, 2, pluginData)))));
    const QByteArray file = record(version) + record(field(1, 1, fixed64(1.7e9 + 1)) + field(2, 0, varint(7)) + scalars)
        + record(field(1, 1, fixed64(1.7e9 + 2)) + hparams);
    const EventFileContents events = parseEventFile(file);
    QVERIFY2(events.problem.isEmpty(), qPrintable(events.problem));
    QCOMPARE(events.scalars.value(QStringLiteral("loss")).size(), size_t(1));
    QCOMPARE(events.scalars.value(QStringLiteral("loss")).front().value, 0.25);
    QCOMPARE(events.scalars.value(QStringLiteral("loss")).front().step, std::int64_t(7));
    QCOMPARE(events.scalars.value(QStringLiteral("lr")).front().value, 1.0);
    QVERIFY(!events.scalars.contains(QStringLiteral("unknown"))); // unknown fields skipped, no value
    QCOMPARE(events.hparams.value(QStringLiteral("lr")), QStringLiteral("0.01"));
}

void TestImport::dvcProject()
{
    // A DVC project as `dvc repro` leaves it (formats from dvc.org's dvc.yaml and dvc.lock references).
    const QString root = m_dir.filePath(QStringLiteral("dvc-project"));
    writeFile(root + QStringLiteral("/dvc.yaml"), R"(stages:
  prepare:
    cmd: python src/prepare.py data/data.xml
    deps:
      - data/data.xml
      - src/prepare.py
    params:
      - prepare.seed
    outs:
      - data/prepared
  featurize:
    cmd: python src/featurization.py data/prepared data/features
    deps:
      - data/prepared
      - src/featurization.py
    outs:
      - data/features
  train:
    cmd:
      - python src/train.py data/features model.pkl
      - echo trained
    deps:
      - data/features/train.pkl   # a file inside the featurize output
    outs:
      - model.pkl
metrics:
  - dvclive/metrics.json
)");
    writeFile(root + QStringLiteral("/dvc.lock"), R"(schema: '2.0'
stages:
  prepare:
    cmd: python src/prepare.py data/data.xml
    deps:
    - path: data/data.xml
      md5: 22a1a2931c8370d3aeedd7183606fd7f
      size: 14445097
    - path: src/prepare.py
      md5: f09ea0c15980b43010257ccb9f0055e2
      size: 1576
    params:
      params.yaml:
        prepare.seed: 20170428
    outs:
    - path: data/prepared
      md5: 153aad06d376b6595932470e459ef42a.dir
      size: 8437363
      nfiles: 2
  featurize:
    cmd: python src/featurization.py data/prepared data/features
    deps:
    - path: data/prepared
      md5: 153aad06d376b6595932470e459ef42a.dir
      size: 8437363
      nfiles: 2
    outs:
    - path: data/features
      md5: f35d4cc2c552ac959ae602162b8543f3.dir
      size: 2232588
      nfiles: 2
  train:
    cmd: python src/train.py data/features model.pkl
    deps:
    - path: data/features/train.pkl
      md5: 9c5e3a3a8a5c3f9d7b2bdbc7a2c2d1e0
      size: 1116294
    outs:
    - path: model.pkl
      md5: 0b1d4ab4e9bf2a4e7b0b3b8dc2b4e1a1
      size: 1878
)");
    writeFile(root + QStringLiteral("/params.yaml"),
        "prepare:\n  split: 0.20\n  seed: 20170428\ntrain:\n  n_est: 50\n  min_split: 0.01\n");
    writeFile(
        root + QStringLiteral("/dvclive/metrics.json"), R"({"step": 2, "train": {"loss": 0.25}, "avg_prec": 0.91})");
    writeFile(root + QStringLiteral("/dvclive/plots/metrics/train/loss.tsv"), "step\tloss\n0\t0.9\n1\t0.5\n2\t0.25\n");

    QCOMPARE(int(detectSource(root)), int(SourceKind::Dvc));
    ImportSummary summary;
    RunStore store = importInto(m_dir.filePath(QStringLiteral("dvc.db")), root, &summary);
    QCOMPARE(int(summary.kind), int(SourceKind::Dvc));
    QCOMPARE(summary.runsAdded, 1);
    QCOMPARE(summary.steps, 3);
    auto table = loadRunTable(store.database());
    auto run = store.loadRun(table->uuids.front());
    QVERIFY(run);
    QCOMPARE(
        run->params.value(QStringLiteral("train.n_est")), (ParamValue { QStringLiteral("50"), QStringLiteral("int") }));
    QCOMPARE(run->params.value(QStringLiteral("prepare.split")).type, QStringLiteral("float"));
    QMap<QString, StepRecord> steps;
    for (const StepRecord& s : run->steps)
        steps.insert(s.name, s);
    QCOMPARE(steps.size(), 3);
    QCOMPARE(steps[QStringLiteral("train")].command,
        QStringLiteral("python src/train.py data/features model.pkl && echo trained"));
    QCOMPARE(steps[QStringLiteral("featurize")].after, QStringList { QStringLiteral("prepare") });
    QCOMPARE(steps[QStringLiteral("train")].after, QStringList { QStringLiteral("featurize") }); // a file inside an out
    QCOMPARE(
        steps[QStringLiteral("prepare")].inputs.first().hash, QStringLiteral("md5:22a1a2931c8370d3aeedd7183606fd7f"));
    QCOMPARE(steps[QStringLiteral("prepare")].inputs.first().size, qint64(14445097));
    QVERIFY(steps[QStringLiteral("prepare")].paramsJson.contains(QStringLiteral("20170428")));
    QMap<QString, MetricSummary> metrics;
    for (const MetricSummary& m : run->metrics)
        metrics.insert(m.key, m);
    QCOMPARE(metrics.value(QStringLiteral("train/loss")).count, qint64(3)); // the history from plots/
    QCOMPARE(metrics.value(QStringLiteral("avg_prec")).value, 0.91);
    QCOMPARE(metrics.value(QStringLiteral("avg_prec")).step, qint64(2));

    // The same pipeline state again: nothing new. A new dvc.lock: a new run.
    ImportSummary again = *importSource(root, store, {});
    QCOMPARE(again.runsAdded, 0);
    writeFile(root + QStringLiteral("/dvc.lock"), readFile(root + QStringLiteral("/dvc.lock")).replace("1878", "1900"));
    QCOMPARE(importSource(root, store, {})->runsAdded, 1);
}

void TestImport::lightningAndKerasCsv()
{
    // Lightning CSVLogger: sparse rows (train and val logged in different rows), several rows per step.
    const QString logs = m_dir.filePath(QStringLiteral("lightning_logs"));
    writeFile(logs + QStringLiteral("/version_0/metrics.csv"),
        "epoch,step,train_loss,val_loss,val_acc\n0,49,0.9,,\n0,99,0.7,,\n0,99,,0.75,0.61\n1,149,0.5,,\n1,199,0.4,,\n1,"
        "199,,0.55,0.72\n");
    writeFile(logs + QStringLiteral("/version_0/hparams.yaml"),
        "lr: 0.001\nbatch_size: 32\nlayers: !!python/tuple\n- 64\n- 32\noptimizer:\n  name: adam\n  betas: [0.9, "
        "0.999]\n");
    writeFile(logs + QStringLiteral("/version_1/metrics.csv"), "epoch,step,train_loss\n0,49,1.1\n");
    QCOMPARE(int(detectSource(logs)), int(SourceKind::LightningCsv));
    ImportSummary summary;
    RunStore store = importInto(m_dir.filePath(QStringLiteral("lightning.db")), logs, &summary);
    QCOMPARE(summary.runsAdded, 2);
    QCOMPARE(summary.points, qint64(14 + 2)); // every non-empty cell but the step, epoch included
    bool tagReported = false;
    for (const ImportProblem& p : summary.problems)
        tagReported |= p.message.contains(QStringLiteral("!!python/tuple"));
    QVERIFY(tagReported);
    RunRecord version0;
    const auto table = loadRunTable(store.database());
    QVERIFY(table);
    for (const QString& id : table->uuids) {
        auto run = store.loadRun(id);
        if (run->name == QLatin1String("version_0"))
            version0 = *run;
    }
    QCOMPARE(version0.params.value(QStringLiteral("lr")).type, QStringLiteral("float"));
    // A tuple of numbers stays numbers, as the Python client stores a list param (json.dumps).
    QCOMPARE(version0.params.value(QStringLiteral("layers")),
        (ParamValue { QStringLiteral("[64, 32]"), QStringLiteral("json") }));
    QCOMPARE(version0.params.value(QStringLiteral("optimizer.name")).value, QStringLiteral("adam"));
    QCOMPARE(version0.project, QStringLiteral("lightning_logs"));

    // Keras CSVLogger, \r\n line ends, a restart appended (epoch starts again, no new header).
    const QString keras = m_dir.filePath(QStringLiteral("training.log.csv"));
    writeFile(keras, "epoch,accuracy,loss\r\n0,0.5,1.2\r\n1,0.6,0.9\r\n0,0.62,0.88\r\n1,0.7,0.7\r\n");
    QCOMPARE(int(detectSource(keras)), int(SourceKind::KerasCsv));
    RunStore kerasStore = importInto(m_dir.filePath(QStringLiteral("keras.db")), keras, &summary);
    QCOMPARE(int(summary.kind), int(SourceKind::KerasCsv));
    auto run = kerasStore.loadRun(loadRunTable(kerasStore.database())->uuids.front());
    auto loss = kerasStore.loadMetric(*kerasStore.resolveRun(run->uuid), QStringLiteral("loss"));
    QCOMPARE(loss->steps, (std::vector<qint64> { 0, 1, 2, 3 })); // the restart continues the steps
    QCOMPARE(loss->values.back(), 0.7);
    QCOMPARE(run->tags.value(QStringLiteral("import.restarts")), QStringLiteral("1"));
}

void TestImport::yamlSubset()
{
    const YamlDocument doc
        = parseYaml("# comment\nname: 'it''s'\nquoted: \"a # not a comment\"\nlist:\n- a\n- {b: 1, c: [2, 3]}\n"
                    "block: |\n  line one\n  line two\nempty:\nflow: [x, 'y, z']\n");
    QVERIFY2(doc.error.isEmpty(), qPrintable(doc.error));
    const QVariantMap m = doc.root.toMap();
    QCOMPARE(m.value(QStringLiteral("name")).toString(), QStringLiteral("it's"));
    QCOMPARE(m.value(QStringLiteral("quoted")).toString(), QStringLiteral("a # not a comment"));
    QCOMPARE(m.value(QStringLiteral("list")).toList().size(), 2);
    QCOMPARE(m.value(QStringLiteral("list")).toList()[1].toMap().value(QStringLiteral("c")).toList().size(), 2);
    QCOMPARE(m.value(QStringLiteral("block")).toString(), QStringLiteral("line one\nline two"));
    QCOMPARE(m.value(QStringLiteral("flow")).toList()[1].toString(), QStringLiteral("y, z"));
    QVERIFY(m.contains(QStringLiteral("empty")));
    // Nonsense does not crash and says where it stopped.
    const YamlDocument bad = parseYaml("a: 1\n   b: 2\n  c: [unclosed\n");
    QVERIFY(!bad.error.isEmpty());
}

void TestImport::badInputsGetMessagesNotCrashes()
{
    // A truncated MLflow database.
    const QString truncated = m_dir.filePath(QStringLiteral("truncated-mlflow.db"));
    writeFile(truncated, readFile(kMlflowDb).left(4096 * 3));
    auto store = RunStore::open(m_dir.filePath(QStringLiteral("bad.db")), OpenMode::Create);
    QCOMPARE(int(detectSource(truncated)), int(SourceKind::MlflowDatabase)); // by the schema text left
    auto result = importSource(truncated, *store, {});
    QVERIFY(!result);
    QVERIFY2(
        result.error().message.startsWith(truncated + QStringLiteral(": the database file is damaged or truncated")),
        qPrintable(result.error().message));
    QCOMPARE(count(*store, "SELECT count(*) FROM runs"), qint64(0));

    // A newer, unknown MLflow schema revision with extra columns and tables, Windows artifact paths,
    // non-UTF-8 bytes and infinities as MLflow stores them.
    const QString newer = m_dir.filePath(QStringLiteral("newer-mlflow.db"));
    {
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(QFile::encodeName(newer).constData(), &db), SQLITE_OK);
        const char* sql = R"(
            CREATE TABLE alembic_version(version_num TEXT); INSERT INTO alembic_version VALUES('ffffffffffff');
            CREATE TABLE experiments(experiment_id INTEGER PRIMARY KEY, name TEXT, workspace TEXT, lifecycle_stage TEXT, future_col BLOB);
            INSERT INTO experiments VALUES(1, 'exp', 'default', 'active', x'00');
            CREATE TABLE runs(run_uuid TEXT PRIMARY KEY, name TEXT, status TEXT, start_time INTEGER, end_time INTEGER,
                              user_id TEXT, lifecycle_stage TEXT, experiment_id INTEGER, artifact_uri TEXT, quantum TEXT);
            INSERT INTO runs VALUES('0123456789abcdef0123456789abcdef', CAST(x'ff6e616d65' AS TEXT), 'KILLED', 1000, 2000,
                                    'u', 'deleted', 1, 'C:\Users\me\mlruns\1\artifacts', 'q');
            CREATE TABLE metrics(key TEXT, value FLOAT, timestamp INTEGER, run_uuid TEXT, step INTEGER, is_nan BOOLEAN);
            INSERT INTO metrics VALUES('loss', 1.7976931348623157e308, 1000, '0123456789abcdef0123456789abcdef', 0, 0);
            INSERT INTO metrics VALUES('loss', 0, 1001, '0123456789abcdef0123456789abcdef', 1, 1);
            INSERT INTO metrics VALUES('loss', -1.7976931348623157e308, 1002, '0123456789abcdef0123456789abcdef', 2, 0);
            INSERT INTO metrics VALUES('loss', 5, 1003, 'not-a-run-of-this-db', 0, 0);
            CREATE TABLE trace_info(request_id TEXT);)";
        QCOMPARE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    auto imported = importSource(newer, *store, {});
    QVERIFY2(imported, qPrintable(imported ? QString() : imported.error().message));
    QCOMPARE(imported->runsAdded, 1);
    auto run = store->loadRun(QStringLiteral("0123456789abcdef0123456789abcdef"));
    QCOMPARE(int(run->status), int(RunStatus::Killed));
    QVERIFY(run->archived);
    QCOMPARE(
        run->tags.value(QStringLiteral("mlflow.artifactUri")), QStringLiteral("C:\\Users\\me\\mlruns\\1\\artifacts"));
    auto loss = store->loadMetric(*store->resolveRun(run->uuid), QStringLiteral("loss"));
    QCOMPARE(loss->size(), size_t(3));
    QVERIFY(std::isinf(loss->values[0]) && loss->values[0] > 0);
    QVERIFY(std::isnan(loss->values[1]));
    QVERIFY(std::isinf(loss->values[2]) && loss->values[2] < 0);

    // A log dir with a symlink loop and a file that is not an event file at all.
    const QString loop = m_dir.filePath(QStringLiteral("loop-logs"));
    writeFile(loop + QStringLiteral("/run/events.out.tfevents.2.host"), readFile(kLingvo).left(2000));
    QVERIFY(QFile::link(loop, loop + QStringLiteral("/run/again")));
    writeFile(loop + QStringLiteral("/run/events.out.tfevents.3.host"), QByteArray(300, 'x'));
    auto logs = importSource(loop, *store, {});
    QVERIFY(logs);
    QCOMPARE(logs->runsAdded, 1);
    QCOMPARE(logs->problems.size(), 2); // the truncated one and the garbage one

    // MLflow metric files with junk lines and non-UTF-8 keys.
    const QString mlruns = m_dir.filePath(QStringLiteral("junk/mlruns"));
    writeFile(mlruns + QStringLiteral("/1/meta.yaml"), "artifact_location: file:///x\nexperiment_id: '1'\nname: e\n");
    writeFile(mlruns + QStringLiteral("/1/abc/meta.yaml"),
        "run_id: abcabcabcabcabcabcabcabcabcabcab\nstatus: 3\nstart_time: 5\n");
    writeFile(mlruns + QStringLiteral("/1/abc/metrics/nested/key"),
        "1 0.5 0\nnot a line\n2 nan 1\n3 inf 2 ds digest\n\xff\xfe\n");
    writeFile(mlruns + QStringLiteral("/1/.ipynb_checkpoints/x"), "junk");
    auto junk = importSource(mlruns, *store, {});
    QVERIFY(junk);
    QCOMPARE(junk->runsAdded, 1);
    QCOMPARE(junk->points, qint64(3));
    QCOMPARE(junk->problems.size(), 1);
    QVERIFY(junk->problems.first().message.contains(QStringLiteral("2 unreadable lines")));

    // Not run data at all.
    auto nothing = importSource(m_dir.filePath(QStringLiteral("junk/mlruns/1/abc/metrics")), *store, {});
    QVERIFY(!nothing);
    QVERIFY(nothing.error().message.contains(QStringLiteral("not a kind of run data")));
}

void TestImport::numbersThatDoNotFitAreProblemsOfTheirFile_data()
{
    // Files of each reader with one number that does not fit where it goes (a step of 3e21, a NaN
    // epoch, a byte count of 2^63): reported as a problem of that file, the valid rest imported.
    // A ".db" file is an SQLite database made from the SQL given for it.
    QTest::addColumn<QVariantMap>("files");
    QTest::addColumn<QString>("source"); // what is imported, relative to the folder
    QTest::addColumn<QString>("problemFile"); // the problem's file ends so; empty: no problem at all
    QTest::addColumn<QString>("problem");
    QTest::addColumn<qint64>("points");
    QTest::addColumn<QList<qint64>>("lossSteps");

    const QString csv = QStringLiteral("logs/version_0/metrics.csv");
    auto lightning = [&](const char* step) {
        return QVariantMap { { csv,
            QStringLiteral("epoch,step,loss\n0,1,0.5\n0,%1,0.4\n0,2,0.3\n").arg(QLatin1String(step)) } };
    };
    const QString notAStep = QStringLiteral("1 rows skipped: their step is not a whole number that fits in 64 bits");
    for (const char* step : { "3e21", "-3e21", "nan", "inf", "-inf", "9223372036854775808", "-9.3e18", "1.5" })
        QTest::addRow("lightning step %s", step)
            << lightning(step) << QStringLiteral("logs") << csv
            << (notAStep + QStringLiteral(" (the first: '%1')").arg(QLatin1String(step))) << qint64(4)
            << QList<qint64> { 1, 2 };
    QTest::newRow("lightning step 2^63-1 fits")
        << lightning("9223372036854775807") << QStringLiteral("logs") << QString() << QString() << qint64(6)
        << QList<qint64> { 1, 2, 9223372036854775807 };
    QTest::newRow("lightning step 49.0 as pandas writes it") << lightning("49.0") << QStringLiteral("logs") << QString()
                                                             << QString() << qint64(6) << QList<qint64> { 1, 2, 49 };
    // The input libFuzzer found (tests/fuzz/corpus/csv_logs/crash-ubsan-step-3e21).
    QTest::newRow("lightning, the fuzzer's input")
        << QVariantMap { { csv,
                             QByteArray("epoch,step,loss\nep\xcf\xd1"
                                        "5\n0,2999999999999999999999,\n") },
               { QStringLiteral("logs/version_0/hparams.yaml"), QByteArray("lt-uple\n-telt-uple\n-tep") } }
        << QStringLiteral("logs") << csv
        << QStringLiteral("1 rows skipped: their step is not a whole number that fits in 64 bits (the first: "
                          "'2999999999999999999999')")
        << qint64(0) << QList<qint64> {};

    const QString keras = QStringLiteral("keras.csv");
    const QString notAnEpoch = QStringLiteral(
        "1 rows skipped: their epoch is not a whole number, or the step it continues to does not fit in 64 bits");
    for (const char* epoch : { "3e21", "nan", "-inf", "9223372036854775808", "0.5" })
        QTest::addRow("keras epoch %s", epoch)
            << QVariantMap { { keras, QStringLiteral("epoch,loss\n0,0.5\n%1,0.4\n1,0.3\n").arg(QLatin1String(epoch)) } }
            << keras << keras << (notAnEpoch + QStringLiteral(" (the first: '%1')").arg(QLatin1String(epoch)))
            << qint64(2) << QList<qint64> { 0, 1 };
    QTest::newRow("keras restart after epoch 2^63-1")
        << QVariantMap { { keras, QStringLiteral("epoch,loss\n9223372036854775807,0.5\n0,0.4\n") } } << keras << keras
        << (notAnEpoch + QStringLiteral(" (the first: '0')")) << qint64(1) << QList<qint64> { 9223372036854775807 };
    QTest::newRow("keras restart at epoch -2^63")
        << QVariantMap { { keras, QStringLiteral("epoch,loss\n0,0.5\n-9223372036854775808,0.4\n1,0.3\n") } } << keras
        << keras << (notAnEpoch + QStringLiteral(" (the first: '-9223372036854775808')")) << qint64(2)
        << QList<qint64> { 0, 1 };

    const QString meta = QStringLiteral("mlruns/1/run/meta.yaml");
    auto mlflowRun = [&](const QString& fields) {
        return QVariantMap { { QStringLiteral("mlruns/1/meta.yaml"),
                                 QStringLiteral("artifact_location: x\nexperiment_id: '1'\n") },
            { meta, QString(QStringLiteral("run_id: 0123456789abcdef0123456789abcdef\n") + fields) },
            { QStringLiteral("mlruns/1/run/metrics/loss"),
                QStringLiteral("1700000000000 0.5 0\n1700000000001 0.4 1\n") } };
    };
    for (const char* time : { "3e21", "-3e21", "nan", "inf", "9223372036854775807", "1.5" }) {
        QTest::addRow("mlflow start_time %s", time)
            << mlflowRun(QStringLiteral("status: 3\nstart_time: %1\n").arg(QLatin1String(time)))
            << QStringLiteral("mlruns") << meta
            << QStringLiteral("start_time '%1' is not a time in milliseconds: left out").arg(QLatin1String(time))
            << qint64(2) << QList<qint64> { 0, 1 };
        QTest::addRow("mlflow end_time %s", time)
            << mlflowRun(
                   QStringLiteral("status: 3\nstart_time: 1700000000000\nend_time: %1\n").arg(QLatin1String(time)))
            << QStringLiteral("mlruns") << meta
            << QStringLiteral("end_time '%1' is not a time in milliseconds: left out").arg(QLatin1String(time))
            << qint64(2) << QList<qint64> { 0, 1 };
    }
    QTest::newRow("mlflow status 3e21") << mlflowRun(QStringLiteral("status: 3e21\nstart_time: 1700000000000\n"))
                                        << QStringLiteral("mlruns") << meta
                                        << QStringLiteral("status '3e21' is none of MLflow's (1 to 5): read as running")
                                        << qint64(2) << QList<qint64> { 0, 1 };
    QVariantMap bigStep = mlflowRun(QStringLiteral("status: 3\nstart_time: 1700000000000\n"));
    bigStep[QStringLiteral("mlruns/1/run/metrics/loss")]
        = QStringLiteral("1 0.5 0\n2 0.4 9223372036854775808\n3 0.3 2\n4 0.2 3e21\n5 nan 3\n");
    QTest::newRow("mlflow metric step 2^63")
        << bigStep << QStringLiteral("mlruns") << QStringLiteral("mlruns/1/run/metrics/loss")
        << QStringLiteral("2 unreadable lines skipped") << qint64(3) << QList<qint64> { 0, 2, 3 };

    auto dvc = [&](const char* size, const QString& metricsJson) {
        return QVariantMap { { QStringLiteral("dvc/dvc.yaml"),
                                 QStringLiteral("stages:\n  train:\n    cmd: python t.py\n    deps:\n    - data\n") },
            { QStringLiteral("dvc/dvc.lock"),
                QStringLiteral("schema: '2.0'\nstages:\n  train:\n    cmd: python t.py\n    deps:\n    - path: data\n"
                               "      md5: aa\n      size: %1\n")
                    .arg(QLatin1String(size)) },
            { QStringLiteral("dvc/dvclive/plots/metrics/loss.tsv"),
                QStringLiteral("step\tloss\n0\t0.5\n9223372036854775808\t0.45\n1\t0.4\n") },
            { QStringLiteral("dvc/dvclive/metrics.json"), metricsJson } };
    };
    const QString json = QStringLiteral(R"({"step": 1, "acc": 0.9})");
    for (const char* size : { "3e21", "-1", "nan", "9223372036854775808" })
        QTest::addRow("dvc.lock size %s", size)
            << dvc(size, json) << QStringLiteral("dvc") << QStringLiteral("dvc/dvc.lock")
            << QStringLiteral("size '%1' of data is not a byte count: left out").arg(QLatin1String(size)) << qint64(3)
            << QList<qint64> { 0, 1 };
    QTest::newRow("dvclive plot step 2^63")
        << dvc("10", json) << QStringLiteral("dvc") << QStringLiteral("dvclive/plots/metrics/loss.tsv")
        << QStringLiteral("1 unreadable rows skipped") << qint64(3) << QList<qint64> { 0, 1 };
    for (const char* timestamp : { "nan", "inf", "1e300" }) {
        QVariantMap timed = dvc("10", json);
        timed[QStringLiteral("dvc/dvclive/plots/metrics/loss.tsv")]
            = QStringLiteral("step\ttimestamp\tloss\n0\t1700000000000\t0.5\n1\t%1\t0.4\n")
                  .arg(QLatin1String(timestamp));
        QTest::addRow("dvclive plot timestamp %s", timestamp)
            << timed << QStringLiteral("dvc") << QStringLiteral("dvclive/plots/metrics/loss.tsv")
            << QStringLiteral("1 timestamps are no time in milliseconds: the points are kept without wall times")
            << qint64(3) << QList<qint64> { 0, 1 };
    }
    QTest::newRow("dvclive metrics.json step 3e21")
        << dvc("10", QStringLiteral(R"({"step": 3e21, "acc": 0.9})")) << QStringLiteral("dvc")
        << QStringLiteral("dvclive/metrics.json")
        << QStringLiteral("step '3e+21' is not a whole number that fits in 64 bits: its values are kept at step 0")
        << qint64(3) << QList<qint64> { 0, 1 };

    auto mlflowDb = [&](const char* start, const char* end) {
        return QVariantMap { { QStringLiteral("mlflow.db"),
            QStringLiteral(
                "CREATE TABLE experiments(experiment_id INTEGER, name TEXT);"
                "INSERT INTO experiments VALUES(1, 'e');"
                "CREATE TABLE runs(run_uuid TEXT, status TEXT, start_time INTEGER, end_time INTEGER,"
                " experiment_id INTEGER);"
                "INSERT INTO runs VALUES('0123456789abcdef0123456789abcdef', 'FINISHED', %1, %2, 1);"
                "CREATE TABLE metrics(key TEXT, value FLOAT, timestamp INTEGER, run_uuid TEXT, step INTEGER);"
                "INSERT INTO metrics VALUES('loss', 0.5, 1, '0123456789abcdef0123456789abcdef', 0);"
                "INSERT INTO metrics VALUES('loss', 0.4, 2, '0123456789abcdef0123456789abcdef', 1);")
                .arg(QLatin1String(start), QLatin1String(end)) } };
    };
    QTest::newRow("mlflow.db start_time 2^63-1")
        << mlflowDb("9223372036854775807", "1700000000000") << QStringLiteral("mlflow.db")
        << QStringLiteral("mlflow.db")
        << QStringLiteral(
               "1 run start or end times are no time in milliseconds (the first: '9223372036854775807'): left out")
        << qint64(2) << QList<qint64> { 0, 1 };
    QTest::newRow("mlflow.db end_time 1e300")
        << mlflowDb("1700000000000", "1e300") << QStringLiteral("mlflow.db") << QStringLiteral("mlflow.db")
        << QStringLiteral("1 run start or end times are no time in milliseconds (the first: '1.0e+300'): left out")
        << qint64(2) << QList<qint64> { 0, 1 };
}

void TestImport::numbersThatDoNotFitAreProblemsOfTheirFile()
{
    QFETCH(QVariantMap, files);
    QFETCH(QString, source);
    QFETCH(QString, problemFile);
    QFETCH(QString, problem);
    QFETCH(qint64, points);
    QFETCH(QList<qint64>, lossSteps);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (auto it = files.begin(); it != files.end(); ++it) {
        const QString path = dir.filePath(it.key());
        if (!path.endsWith(QStringLiteral(".db"))) {
            writeFile(path, it->toByteArray());
            continue;
        }
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(QFile::encodeName(path).constData(), &db), SQLITE_OK);
        const int rc = sqlite3_exec(db, it->toString().toUtf8().constData(), nullptr, nullptr, nullptr);
        sqlite3_close(db);
        QCOMPARE(rc, SQLITE_OK);
    }
    auto store = RunStore::open(dir.filePath(QStringLiteral("target.db")), OpenMode::Create);
    QVERIFY(store);
    auto summary = importSource(dir.filePath(source), *store, {});
    QVERIFY2(summary, qPrintable(summary ? QString() : summary.error().message));
    QCOMPARE(summary->runsAdded, 1);
    QStringList seen;
    bool found = false;
    for (const ImportProblem& p : summary->problems) {
        seen << p.file + QStringLiteral(": ") + p.message;
        found |= p.file.endsWith(problemFile) && p.message.contains(problem);
    }
    if (problemFile.isEmpty())
        QVERIFY2(seen.isEmpty(), qPrintable(seen.join(u'\n')));
    else
        QVERIFY2(found, qPrintable(seen.join(u'\n')));
    QCOMPARE(summary->points, points);
    // The run's times are times (the run table shows them as dates).
    auto run = store->loadRun(loadRunTable(store->database())->uuids.front());
    QVERIFY(run);
    QVERIFY(std::isfinite(run->startTime) && std::abs(run->startTime) < 9.2e15);
    QVERIFY(!run->endTime || (std::isfinite(*run->endTime) && std::abs(*run->endTime) < 9.2e15));
    if (!lossSteps.isEmpty()) {
        auto loss = store->loadMetric(*store->resolveRun(run->uuid), QStringLiteral("loss"));
        QVERIFY(loss);
        QCOMPARE(QList<qint64>(loss->steps.begin(), loss->steps.end()), lossSteps);
    }
}

void TestImport::tensorBoardImpossibleShapesAndTimes_data()
{
    QTest::addColumn<QList<qint64>>("dims"); // the shape of a DT_DOUBLE tensor "shaped"
    QTest::addColumn<double>("wallTime"); // of the event holding it
    QTest::addColumn<QString>("problem"); // empty: none
    QTest::addColumn<bool>("shapedKept");
    QTest::addColumn<double>("start"); // the run's start time: the header's wall time, whatever comes after

    const double t = 1.7e9;
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const QString impossible
        = QStringLiteral("1 tensor values skipped: their shape has more elements than fit in 64 bits");
    QTest::newRow("scalar shape []") << QList<qint64> {} << t + 1 << QString() << true << t;
    QTest::newRow("shape [1, 1]") << QList<qint64> { 1, 1 } << t + 1 << QString() << true << t;
    QTest::newRow("shape [-1] (unknown): not a scalar") << QList<qint64> { -1 } << t + 1 << QString() << false << t;
    QTest::newRow("shape [2^62, 4]") << QList<qint64> { qint64(1) << 62, 4 } << t + 1 << impossible << false << t;
    QTest::newRow("shape [2^32, 2^32]") << QList<qint64> { qint64(1) << 32, qint64(1) << 32 } << t + 1 << impossible
                                        << false << t;
    QTest::newRow("shape [-1, -2^63]") << QList<qint64> { -1, std::numeric_limits<qint64>::min() } << t + 1
                                       << impossible << false << t;
    QTest::newRow("shape [2^63-1, 2^63-1, 0]")
        << QList<qint64> { std::numeric_limits<qint64>::max(), std::numeric_limits<qint64>::max(), 0 } << t + 1
        << impossible << false << t;
    const QString noTime = QStringLiteral("1 points have a wall time that is no time");
    QTest::newRow("wall time nan") << QList<qint64> {} << nan << QStringLiteral("2 points have a wall time") << true
                                   << t;
    QTest::newRow("wall time inf") << QList<qint64> { 1 } << inf << QStringLiteral("2 points have a wall time") << true
                                   << t;
    QTest::newRow("wall time 1e300") << QList<qint64> { -1 } << 1e300 << noTime << false << t;
}

void TestImport::tensorBoardImpossibleShapesAndTimes()
{
    QFETCH(QList<qint64>, dims);
    QFETCH(double, wallTime);
    QFETCH(QString, problem);
    QFETCH(bool, shapedKept);
    QFETCH(double, start);
    QByteArray shape;
    for (qint64 d : dims)
        shape += field(2, 2, field(1, 0, varint(quint64(d)))); // TensorShapeProto.dim { size }
    const QByteArray tensor = field(1, 0, varint(2)) + field(2, 2, shape) + field(4, 2, fixed64(0.25));
    auto simple = [](const char* tag, float v) {
        return field(1, 2, field(1, 2, tag) + field(2, 5, QByteArray(reinterpret_cast<const char*>(&v), 4)));
    };
    const QByteArray file = record(field(1, 1, fixed64(1.7e9)) + field(3, 2, "brain.Event:2"))
        + record(field(1, 1, fixed64(wallTime)) + field(2, 0, varint(7))
            + field(5, 2, simple("loss", 0.5f) + field(1, 2, field(1, 2, "shaped") + field(8, 2, tensor))))
        + record(field(1, 1, fixed64(1.7e9 + 5)) + field(2, 0, varint(8)) + field(5, 2, simple("loss", 0.25f)));
    const EventFileContents events = parseEventFile(file);
    QVERIFY2(events.problem.isEmpty(), qPrintable(events.problem));
    QCOMPARE(events.records, qint64(3));
    QCOMPARE(events.scalars.contains(QStringLiteral("shaped")), shapedKept);

    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("logs/run/events.out.tfevents.1.host")), file);
    auto store = RunStore::open(dir.filePath(QStringLiteral("target.db")), OpenMode::Create);
    auto summary = importSource(dir.filePath(QStringLiteral("logs")), *store, {});
    QVERIFY2(summary, qPrintable(summary ? QString() : summary.error().message));
    QStringList messages;
    for (const ImportProblem& p : summary->problems) {
        QVERIFY(p.file.endsWith(QStringLiteral("events.out.tfevents.1.host")));
        messages << p.message;
    }
    if (problem.isEmpty())
        QVERIFY2(messages.isEmpty(), qPrintable(messages.join(u'\n')));
    else
        QVERIFY2(messages.size() == 1 && messages.first().startsWith(problem), qPrintable(messages.join(u'\n')));
    QCOMPARE(summary->points, qint64(shapedKept ? 3 : 2)); // both "loss" points kept whatever else
    auto run = store->loadRun(loadRunTable(store->database())->uuids.front());
    QCOMPARE(run->startTime, start);
}

void TestImport::importsAreTransactional()
{
    const QString db = m_dir.filePath(QStringLiteral("cancelled.db"));
    auto store = RunStore::open(db, OpenMode::Create);
    std::atomic<bool> cancel { false };
    ImportOptions options;
    options.control.cancel = &cancel;
    // Cancel once half of the writing is done: nothing may stay.
    options.control.progress = [&](double f) {
        if (f > 0.75)
            cancel = true;
    };
    auto result = importSource(kMlruns, *store, options);
    QVERIFY(!result);
    QVERIFY(result.error().message.contains(QStringLiteral("cancelled")));
    QCOMPARE(count(*store, "SELECT count(*) FROM runs"), qint64(0));
    QCOMPARE(count(*store, "SELECT count(*) FROM metrics"), qint64(0));
    // And then it imports whole.
    cancel = false;
    options.control.progress = nullptr;
    QCOMPARE(importSource(kMlruns, *store, options)->runsAdded, 19);
}

QTEST_GUILESS_MAIN(TestImport)
#include "tst_import.moc"
