// Weights & Biases run folders: the real offline run of ../shared/fixtures/wandb/ (compared with its
// own config.yaml, wandb-summary.json and wandb-metadata.json), and run folders written here from
// the documented format (FORMATS.md: LevelDB log framing with zlib's CRC-32, Record protobufs):
// history with nested, media and non-finite values, records spanning blocks, damaged and cut logs.

#include "import/simple_yaml.h"
#include "import/source_cache.h"
#include "import/source_import.h"
#include "import/wandb_log.h"
#include "store/run_store.h"
#include "support/wandb_writer.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using namespace reprise;
using namespace reprise::test::wandb;

namespace {

const QString kFixtures = QStringLiteral(REPRISE_FIXTURES_DIR);
const QString kWandbRoot = kFixtures + QStringLiteral("/wandb/wandb");
const QString kRunDir = kWandbRoot + QStringLiteral("/offline-run-20210216_154407-g9dvvkua");

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

const MetricHistory* findMetric(const ImportedRun& run, const QString& key)
{
    for (const MetricHistory& h : run.metrics)
        if (h.key == key)
            return &h;
    return nullptr;
}

} // namespace

class TestWandb : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fixtureMatchesItsOwnFiles();
    void fixtureImportsOnceAndOpensThroughTheCache();
    void writtenRunHistorySummaryConfigOutput();
    void damagedAndCutLogsKeepTheValidPart_data();
    void damagedAndCutLogsKeepTheValidPart();
    void notAWandbLog();

private:
    /// A run folder written from the format: returns its path.
    QString writeRun(const QString& name, QByteArray* logBytes = nullptr);
    QTemporaryDir m_dir;
};

void TestWandb::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo::exists(kRunDir),
        qPrintable(QStringLiteral("fixtures not found in ") + kFixtures + QStringLiteral(": set REPRISE_FIXTURES")));
    qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8());
}

void TestWandb::fixtureMatchesItsOwnFiles()
{
    const QString log = kRunDir + QStringLiteral("/run-g9dvvkua.wandb");
    // Detected by content: the wandb/ folder, a run folder, the log itself.
    QCOMPARE(int(detectSource(kWandbRoot)), int(SourceKind::Wandb));
    QCOMPARE(int(detectSource(QFileInfo(kWandbRoot).absolutePath())), int(SourceKind::Wandb));
    QCOMPARE(int(detectSource(kRunDir)), int(SourceKind::Wandb));
    QCOMPARE(int(detectSource(log)), int(SourceKind::Wandb));

    // The log: every chunk's CRC-32 checks (10 records: header, run, files, artifact, telemetry,
    // exit, stats, summary, final, footer), nothing damaged.
    const WandbLog parsed = parseWandbLog(readAll(log));
    QVERIFY(parsed.isWandbLog);
    QCOMPARE(parsed.records, qint64(10));
    QCOMPARE(parsed.damaged, qint64(0));
    QVERIFY(!parsed.truncated);
    QCOMPARE(parsed.runId, QStringLiteral("g9dvvkua"));
    QCOMPARE(parsed.project, QStringLiteral("code-toad"));
    QVERIFY(parsed.exited);

    auto source = readSource(kWandbRoot, {});
    QVERIFY2(source, qPrintable(source ? QString() : source.error().message));
    QCOMPARE(int(source->kind), int(SourceKind::Wandb));
    QCOMPARE(source->runs.size(), 1);
    QVERIFY2(source->problems.isEmpty(), qPrintable(source->problems.value(0).message));
    const ImportedRun& run = source->runs.first();
    QCOMPARE(run.run.project, QStringLiteral("code-toad"));
    QCOMPARE(run.run.name, QStringLiteral("g9dvvkua"));
    QCOMPARE(run.run.tags.value(QStringLiteral("wandb.run_id")), QStringLiteral("g9dvvkua"));
    QCOMPARE(int(run.status), int(RunStatus::Finished));
    QCOMPARE(run.exitCode.value_or(-1), 0);

    // Params: exactly config.yaml's keys, less W&B's own (wandb_version, _wandb), unwrapped from {value: }.
    const YamlDocument config = parseYaml(readAll(kRunDir + QStringLiteral("/files/config.yaml")));
    QVERIFY(config.error.isEmpty());
    QMap<QString, QString> expectedParams;
    const QVariantMap root = config.root.toMap();
    for (auto it = root.begin(); it != root.end(); ++it)
        if (it.key() != QLatin1String("wandb_version") && it.key() != QLatin1String("_wandb"))
            expectedParams.insert(it.key(), it->toMap().value(QStringLiteral("value")).toString());
    QMap<QString, QString> params;
    for (auto it = run.run.params.begin(); it != run.run.params.end(); ++it)
        params.insert(it.key(), it->value);
    QCOMPARE(params, expectedParams);
    QVERIFY(root.contains(QStringLiteral("_wandb"))); // there, and left out

    // Metrics: wandb-summary.json's numbers (no history in this run), none of its _ keys.
    const QJsonObject summary
        = QJsonDocument::fromJson(readAll(kRunDir + QStringLiteral("/files/wandb-summary.json"))).object();
    QMap<QString, double> expectedMetrics, metrics;
    for (auto it = summary.begin(); it != summary.end(); ++it)
        if (!it.key().startsWith(u'_') && it->isDouble())
            expectedMetrics.insert(it.key(), it->toDouble());
    for (const MetricHistory& h : run.metrics)
        metrics.insert(h.key, h.values.back());
    QCOMPARE(metrics, expectedMetrics);

    // wandb-metadata.json: code version, launch spec, runtime, user, host; start from the log's
    // run record (the metadata's startedAt says the same second).
    const QJsonObject meta
        = QJsonDocument::fromJson(readAll(kRunDir + QStringLiteral("/files/wandb-metadata.json"))).object();
    const QJsonObject git = meta.value(QStringLiteral("git")).toObject();
    QCOMPARE(run.run.code.commit, git.value(QStringLiteral("commit")).toString());
    QCOMPARE(run.run.tags.value(QStringLiteral("git.remote")), git.value(QStringLiteral("remote")).toString());
    QCOMPARE(run.run.code.root, meta.value(QStringLiteral("root")).toString());
    QCOMPARE(run.run.launch.argv,
        QStringList(
            { meta.value(QStringLiteral("executable")).toString(), meta.value(QStringLiteral("program")).toString() }));
    QCOMPARE(
        run.run.launch.workingDir, meta.value(QStringLiteral("root")).toString() + QStringLiteral("/standalone_tests"));
    QCOMPARE(run.runtime.value(QStringLiteral("python")), meta.value(QStringLiteral("python")).toString());
    QCOMPARE(run.run.user, meta.value(QStringLiteral("username")).toString());
    QCOMPARE(run.run.host, meta.value(QStringLiteral("host")).toString());
    QCOMPARE(run.run.startTime, 1613519047.0);
    QCOMPARE(QDateTime::fromSecsSinceEpoch(qint64(run.run.startTime), Qt::UTC).toString(Qt::ISODate).left(19),
        meta.value(QStringLiteral("startedAt")).toString().left(19));
}

void TestWandb::fixtureImportsOnceAndOpensThroughTheCache()
{
    const QString db = m_dir.filePath(QStringLiteral("fixture.db"));
    QVERIFY(RunStore::open(db, OpenMode::Create));
    auto first = importSourceInto(kWandbRoot, db, {});
    QVERIFY2(first, qPrintable(first ? QString() : first.error().message));
    QCOMPARE(first->runsAdded, 1);
    auto again = importSourceInto(kRunDir, db, {}); // another spelling of the same run
    QVERIFY(again);
    QCOMPARE(again->runsAdded, 0);
    QCOMPARE(again->runsSkipped, 1);

    auto cached = refreshSourceCache(kWandbRoot, {});
    QVERIFY2(cached, qPrintable(cached ? QString() : cached.error().message));
    QCOMPARE(int(cached->kind), int(SourceKind::Wandb));
    auto store = RunStore::open(cached->cache, OpenMode::ReadOnly);
    QVERIFY(store);
    auto run
        = store->loadRun(stableRunId(QStringLiteral("wandb:/code-toad/g9dvvkua/offline-run-20210216_154407-g9dvvkua")));
    QVERIFY2(run, qPrintable(run ? QString() : run.error().message));
    QCOMPARE(run->runtime.value(QStringLiteral("python")), QStringLiteral("3.7.5"));
    QCOMPARE(run->code.commit, QStringLiteral("86db7dc9144c87a4b41cad77a0dae2e55288b587"));
}

QString TestWandb::writeRun(const QString& name, QByteArray* logBytes)
{
    const QString dir = m_dir.filePath(name + QStringLiteral("/wandb/run-20260101_120000-abc123xy"));
    QList<QByteArray> records;
    records << field(21, {}); // header
    const QByteArray config = field(1, item("lr", "0.01"))
        + field(1, item("optimizer", R"({"name": "sgd", "momentum": 0.9})"))
        + field(1, item("_wandb", R"({"cli_version": "0.16.0"})"));
    records << field(17,
        field(1, "abc123xy") + field(2, "team") + field(3, "digits") + field(4, config) + field(8, "bright-sun-7")
            + field(10, "baseline") + field(10, "sgd") + field(13, "box") + field(17, timestamp(1767268800)));
    const double t0 = 1767268800;
    for (int step = 0; step < 3; ++step) {
        QList<QByteArray> items { item("_step", QByteArray::number(step)),
            item("_timestamp", QByteArray::number(t0 + 10 + step, 'f', 1)),
            item("_runtime", QByteArray::number(10 + step)),
            item("loss", QByteArray::number(1.0 / (step + 1), 'g', 17)),
            item("val", QByteArray(R"({"acc": )") + QByteArray::number(0.5 + step / 10.0, 'g', 17) + "}"),
            item("sample", R"({"_type": "image-file", "path": "media/images/x.png", "width": 8})"),
            item("acc", QByteArray::number(0.25 * step), true) }; // a newer client's flat nested_key
        if (step == 1)
            items << item("note", R"("a string")") << item("weird", "NaN") << item("big", "-Infinity");
        if (step == 2)
            items << item("padding", QByteArray("\"") + QByteArray(70000, 'x') + "\""); // spans three blocks
        records << history(items);
    }
    records << field(4, number(1, 1) + field(2, timestamp(1767268811)) + field(3, "epoch 1\n"));
    records << field(4, number(1, 0) + field(2, timestamp(1767268812)) + field(3, "warning\n"));
    records << field(3, field(1, item("test_acc", "0.93")) + field(1, item("loss", "0.3333333333333333")));
    records << field(18, number(1, 1) + number(2, 42));
    const QByteArray bytes = wandbFile(records);
    if (logBytes)
        *logBytes = bytes;
    writeTo(dir + QStringLiteral("/run-abc123xy.wandb"), bytes);
    writeTo(dir + QStringLiteral("/files/config.yaml"),
        "wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.16.0\nlr:\n  desc: null\n  value: "
        "0.01\noptimizer:\n  desc: null\n  value:\n    name: sgd\n    momentum: 0.9\n");
    writeTo(dir + QStringLiteral("/files/requirements.txt"), "numpy==1.24.2\nscikit-learn==1.2.1\n# comment\n");
    writeTo(dir + QStringLiteral("/files/wandb-metadata.json"),
        R"({"python": "3.11.2", "program": "train.py", "codePath": "examples/train.py", "root": "/home/u/repo",
            "args": ["--epochs", "3"], "executable": "/usr/bin/python3", "host": "box", "username": "u",
            "git": {"remote": "https://example.org/repo.git", "commit": "0123456789abcdef0123456789abcdef01234567"}})");
    return dir;
}

void TestWandb::writtenRunHistorySummaryConfigOutput()
{
    const QString dir = writeRun(QStringLiteral("written"));
    auto source = readSource(QFileInfo(dir).absolutePath(), {});
    QVERIFY2(source, qPrintable(source ? QString() : source.error().message));
    QCOMPARE(source->runs.size(), 1);
    const ImportedRun& run = source->runs.first();
    QCOMPARE(run.run.name, QStringLiteral("bright-sun-7"));
    QCOMPARE(run.run.project, QStringLiteral("digits"));
    QCOMPARE(run.run.tags.value(QStringLiteral("wandb.tags")), QStringLiteral("baseline,sgd"));
    QCOMPARE(int(run.status), int(RunStatus::Failed));
    QCOMPARE(run.exitCode.value_or(0), 1);
    QCOMPARE(run.endTime.value_or(0), 1767268800.0 + 42);

    // Params from config.yaml: unwrapped, nested keys dotted, _wandb left out.
    QCOMPARE(run.run.params.value(QStringLiteral("lr")).value, QStringLiteral("0.01"));
    QCOMPARE(run.run.params.value(QStringLiteral("lr")).type, QStringLiteral("float"));
    QCOMPARE(run.run.params.value(QStringLiteral("optimizer.name")).value, QStringLiteral("sgd"));
    QCOMPARE(run.run.params.value(QStringLiteral("optimizer.momentum")).value, QStringLiteral("0.9"));
    QCOMPARE(run.run.params.size(), 3);

    // History: _step as step, _timestamp as time, nested dicts flattened with '/', nested_key read.
    const MetricHistory* loss = findMetric(run, QStringLiteral("loss"));
    QVERIFY(loss);
    QCOMPARE(loss->steps, (std::vector<qint64> { 0, 1, 2 }));
    QCOMPARE(loss->values, (std::vector<double> { 1.0, 0.5, 1.0 / 3 }));
    QCOMPARE(loss->times, (std::vector<double> { 1767268810, 1767268811, 1767268812 }));
    const MetricHistory* valAcc = findMetric(run, QStringLiteral("val/acc"));
    QVERIFY(valAcc);
    QCOMPARE(valAcc->values, (std::vector<double> { 0.5, 0.6, 0.7 }));
    const MetricHistory* acc = findMetric(run, QStringLiteral("acc"));
    QVERIFY(acc);
    QCOMPARE(acc->values, (std::vector<double> { 0, 0.25, 0.5 }));
    const MetricHistory* weird = findMetric(run, QStringLiteral("weird"));
    const MetricHistory* big = findMetric(run, QStringLiteral("big"));
    QVERIFY(weird && big);
    QVERIFY(std::isnan(weird->values.front()));
    QCOMPARE(big->values.front(), -std::numeric_limits<double>::infinity());
    // Skipped and counted: 3 images, 1 string, 1 long string.
    QVERIFY(!findMetric(run, QStringLiteral("sample")) && !findMetric(run, QStringLiteral("note")));
    QCOMPARE(run.run.tags.value(QStringLiteral("wandb.skipped_values")), QStringLiteral("5"));
    QVERIFY(!findMetric(run, QStringLiteral("_runtime")));
    // The summary's key without a history: one point at the last step.
    const MetricHistory* testAcc = findMetric(run, QStringLiteral("test_acc"));
    QVERIFY(testAcc);
    QCOMPARE(testAcc->values, (std::vector<double> { 0.93 }));
    QCOMPARE(testAcc->steps, (std::vector<qint64> { 2 }));

    // Output records (no output.log): by stream, in order.
    QCOMPARE(run.output.size(), 2);
    QCOMPARE(run.output[0].stream, QStringLiteral("stdout"));
    QCOMPARE(run.output[0].data, QStringLiteral("epoch 1\n"));
    QCOMPARE(run.output[1].stream, QStringLiteral("stderr"));
    // Metadata: a program run from the folder holding it; requirements as packages.
    QCOMPARE(run.run.launch.argv, QStringList({ "/usr/bin/python3", "train.py", "--epochs", "3" }));
    QCOMPARE(run.run.launch.workingDir, QStringLiteral("/home/u/repo/examples"));
    QCOMPARE(run.packages.value(QStringLiteral("scikit-learn")), QStringLiteral("1.2.1"));
    QCOMPARE(run.packages.size(), 2);

    // Written and read back as Compare reads it: the history points, in the store.
    const QString db = m_dir.filePath(QStringLiteral("written.db"));
    QVERIFY(RunStore::open(db, OpenMode::Create));
    auto imported = importSourceInto(dir, db, {});
    QVERIFY2(imported, qPrintable(imported ? QString() : imported.error().message));
    QCOMPARE(imported->runsAdded, 1);
    QCOMPARE(importSourceInto(dir, db, {})->runsAdded, 0);
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    QVERIFY(store);
    auto ref = store->resolveRun(run.run.uuid);
    QVERIFY(ref);
    auto stored = store->loadMetric(*ref, QStringLiteral("val/acc"));
    QVERIFY(stored);
    QCOMPARE(stored->values, valAcc->values);
    QCOMPARE(stored->steps, valAcc->steps);
    auto record = store->loadRun(*ref);
    QVERIFY(record);
    QCOMPARE(record->packages.value(QStringLiteral("numpy")), QStringLiteral("1.24.2"));
    QCOMPARE(record->runtime.value(QStringLiteral("python")), QStringLiteral("3.11.2"));
    auto output = store->loadOutput(*ref);
    QVERIFY(output);
    QCOMPARE(output->size(), 2);
}

void TestWandb::damagedAndCutLogsKeepTheValidPart_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("problem");
    QTest::newRow("flipped byte in a middle chunk") << "flip"
                                                    << "damaged parts skipped";
    QTest::newRow("cut in the last record") << "cut"
                                            << "cut short";
}

void TestWandb::damagedAndCutLogsKeepTheValidPart()
{
    QFETCH(QString, damage);
    QFETCH(QString, problem);
    QByteArray bytes;
    const QString dir = writeRun(QStringLiteral("damaged-") + damage, &bytes);
    const QString log = dir + QStringLiteral("/run-abc123xy.wandb");
    if (damage == QLatin1String("flip"))
        bytes[32768 + 1000] = char(bytes[32768 + 1000] ^ 0x40); // inside the spanning history row
    else
        bytes.chop(3); // inside the exit record
    writeTo(log, bytes);
    auto source = readSource(dir, {});
    QVERIFY2(source, qPrintable(source ? QString() : source.error().message));
    // One problem names the log and what was wrong; the other is the count of skipped media values.
    QList<ImportProblem> ofLog;
    for (const ImportProblem& p : source->problems)
        if (p.file == log)
            ofLog << p;
    QCOMPARE(ofLog.size(), 1);
    QVERIFY2(ofLog.first().message.contains(problem), qPrintable(ofLog.first().message));
    const ImportedRun& run = source->runs.first();
    const MetricHistory* loss = findMetric(run, QStringLiteral("loss"));
    QVERIFY(loss);
    if (damage == QLatin1String("flip")) {
        // The row that spanned the damaged block is lost; the rows around it, the output, summary
        // and exit that follow are kept.
        QCOMPARE(loss->steps, (std::vector<qint64> { 0, 1 }));
        QCOMPARE(int(run.status), int(RunStatus::Failed));
        QCOMPARE(run.output.size(), 2);
    } else {
        QCOMPARE(loss->steps, (std::vector<qint64> { 0, 1, 2 }));
        QCOMPARE(int(run.status), int(RunStatus::Killed)); // no exit record survived
    }
}

void TestWandb::notAWandbLog()
{
    const QString fake = m_dir.filePath(QStringLiteral("fake/run-x.wandb"));
    writeTo(fake, "not a log at all");
    QCOMPARE(int(detectSource(fake)), int(SourceKind::Unknown));
    const WandbLog parsed = parseWandbLog("not a log");
    QVERIFY(!parsed.isWandbLog);
    QVERIFY(!parsed.problem.isEmpty());
    auto read = readWandb(QFileInfo(fake).absolutePath(), {});
    QVERIFY(!read);
    QVERIFY(read.error().message.contains(QStringLiteral("no W&B run folder")));
}

QTEST_GUILESS_MAIN(TestWandb)
#include "tst_wandb.moc"
