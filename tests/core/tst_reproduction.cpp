// Reproduction reports and rerun drafts, without processes: tolerance rules, history comparison,
// input differences, verdicts over a real database, param edits and the REPRISE_PARAMS text.

#include "analysis/reproduction_report.h"
#include "launch/rerun_draft.h"
#include "launch/run_launcher.h"
#include "store/run_store.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <limits>

using namespace reprise;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

MetricHistory history(const QString& key, std::vector<qint64> steps, std::vector<double> values, double t0 = 100)
{
    MetricHistory h;
    h.key = key;
    h.steps = std::move(steps);
    h.values = std::move(values);
    for (size_t i = 0; i < h.steps.size(); ++i)
        h.times.push_back(t0 + double(i));
    return h;
}

} // namespace

class TestReproduction : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void toleranceRules();
    void historiesCompared_data();
    void historiesCompared();
    void inputDifferences();
    void verdictsOverADatabase();
    void firstDivergenceIsByLoggingTimeNotStep();
    void determinismTagsShown();
    void paramEdits();
    void paramsReachTheProgramWithTheirTypes();
    void commandDisplayAndSensitiveVariables();
    void codeModeDecidesTheWorktree();
};

void TestReproduction::toleranceRules()
{
    const Tolerance exact { 0, 0 };
    QVERIFY(exact.matches(1.0, 1.0));
    QVERIFY(!exact.matches(1.0, std::nextafter(1.0, 2.0)));
    QVERIFY(exact.matches(kNaN, kNaN));
    QVERIFY(!exact.matches(kNaN, 0));
    QVERIFY(exact.matches(kInf, kInf));
    QVERIFY(!exact.matches(kInf, -kInf));
    QVERIFY(!(Tolerance { 1e300, 1 }.matches(kInf, 1e308))); // an infinity is never "close"
    const Tolerance loose { 1e-6, 1e-3 };
    QVERIFY(loose.matches(1000.0, 1000.9)); // relative: 1e-3 * 1000.9
    QVERIFY(!loose.matches(1000.0, 1002.0));
    QVERIFY(loose.matches(0.0, 5e-7)); // absolute near zero
    QVERIFY(!loose.matches(0.0, 5e-6));
}

void TestReproduction::historiesCompared_data()
{
    QTest::addColumn<MetricHistory>("a");
    QTest::addColumn<MetricHistory>("b");
    QTest::addColumn<int>("state");
    QTest::addColumn<qint64>("firstStep");
    using S = MetricComparison::State;
    QTest::newRow("identical with NaN and inf")
        << history("m", { 0, 1, 2 }, { 1, kNaN, kInf }) << history("m", { 0, 1, 2 }, { 1, kNaN, kInf })
        << int(S::Identical) << qint64(0);
    QTest::newRow("within tolerance") << history("m", { 0, 1 }, { 1, 2 }) << history("m", { 0, 1 }, { 1, 2 + 1e-12 })
                                      << int(S::WithinTolerance) << qint64(0);
    QTest::newRow("value parts") << history("m", { 0, 10, 20 }, { 1, 2, 3 })
                                 << history("m", { 0, 10, 20 }, { 1, 2.5, 3 }) << int(S::Diverged) << qint64(10);
    QTest::newRow("steps part") << history("m", { 0, 1, 2 }, { 1, 1, 1 }) << history("m", { 0, 2, 3 }, { 1, 1, 1 })
                                << int(S::Diverged) << qint64(1);
    QTest::newRow("B stops early") << history("m", { 0, 1, 2 }, { 1, 1, 1 }) << history("m", { 0, 1 }, { 1, 1 })
                                   << int(S::Diverged) << qint64(2);
    QTest::newRow("B goes on") << history("m", { 5 }, { 1 }) << history("m", { 5, 6 }, { 1, 1 }) << int(S::Diverged)
                               << qint64(6);
    QTest::newRow("repeated steps in order") << history("m", { 0, 0, 1 }, { 1, 2, 3 })
                                             << history("m", { 0, 0, 1 }, { 2, 1, 3 }) << int(S::Diverged) << qint64(0);
    QTest::newRow("NaN against a number")
        << history("m", { 0, 1 }, { 1, kNaN }) << history("m", { 0, 1 }, { 1, 0 }) << int(S::Diverged) << qint64(1);
}

void TestReproduction::historiesCompared()
{
    QFETCH(MetricHistory, a);
    QFETCH(MetricHistory, b);
    QFETCH(int, state);
    QFETCH(qint64, firstStep);
    const MetricComparison m = compareHistories(a, b, Tolerance {});
    QCOMPARE(int(m.state), state);
    if (m.state == MetricComparison::State::Diverged)
        QCOMPARE(m.firstStep, firstStep);
    QCOMPARE(m.countA, qint64(a.size()));
    QCOMPARE(m.countB, qint64(b.size()));
}

void TestReproduction::inputDifferences()
{
    RunRecord a, b;
    a.code.commit = QStringLiteral("aaa");
    b.code.commit = QStringLiteral("bbb");
    a.params.insert(QStringLiteral("seed"), ParamValue { QStringLiteral("0"), QStringLiteral("int") });
    b.params.insert(QStringLiteral("seed"), ParamValue { QStringLiteral("7"), QStringLiteral("int") });
    a.params.insert(QStringLiteral("lr"), ParamValue { QStringLiteral("0.1"), QStringLiteral("float") });
    b.params.insert(QStringLiteral("lr"), ParamValue { QStringLiteral("0.1"), QStringLiteral("float") });
    a.packages.insert(QStringLiteral("numpy"), QStringLiteral("1.24.2"));
    b.packages.insert(QStringLiteral("numpy"), QStringLiteral("1.26.0"));
    a.runtime.insert(QStringLiteral("python"), QStringLiteral("3.11.2"));
    b.runtime.insert(QStringLiteral("python"), QStringLiteral("3.11.2"));
    a.datasets << DatasetRecord { 0, QStringLiteral("train"), {}, QStringLiteral("sha256:1"), 10, {}, {} };
    b.datasets << DatasetRecord { 0, QStringLiteral("train"), {}, QStringLiteral("sha256:2"), 10, {}, {} };
    a.artifacts << ArtifactRecord { 0, QStringLiteral("model.bin"), QStringLiteral("sha256:x"), 3 };
    b.artifacts << ArtifactRecord { 0, QStringLiteral("model.bin"), QStringLiteral("sha256:x"), 3 };
    b.status = RunStatus::Failed;
    b.exitCode = 1;
    QStringList seen;
    for (const InputDifference& d : compareInputs(a, b))
        seen << d.area + u':' + d.name + u':' + d.a + u'>' + d.b;
    QVERIFY(seen.contains(QStringLiteral("code:commit:aaa>bbb")));
    QVERIFY(seen.contains(QStringLiteral("params:seed:0>7")));
    QVERIFY(seen.contains(QStringLiteral("environment:package numpy:1.24.2>1.26.0")));
    QVERIFY(seen.contains(QStringLiteral("data:dataset train:sha256:1 (10 rows)>sha256:2 (10 rows)")));
    QVERIFY(seen.contains(QStringLiteral("outcome:status:running>failed (exit code 1)")));
    QCOMPARE(seen.filter(QStringLiteral("lr")).size(), 0);
    QCOMPARE(seen.filter(QStringLiteral("python")).size(), 0);
    QCOMPARE(seen.filter(QStringLiteral("model.bin")).size(), 0); // identical content is no difference
    QCOMPARE(seen.size(), 5);
}

void TestReproduction::verdictsOverADatabase()
{
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    QString made;
    auto make = [&](const std::vector<double>& loss, bool withAccuracy, double timing) {
        NewRun run;
        run.name = QStringLiteral("r");
        auto ref = store->createRun(run);
        std::vector<qint64> steps(loss.size());
        for (size_t i = 0; i < steps.size(); ++i)
            steps[i] = qint64(i);
        QList<MetricPoint> points;
        for (size_t i = 0; i < loss.size(); ++i)
            points << MetricPoint { QStringLiteral("loss"), steps[i], loss[i], 100.0 + double(i) };
        if (withAccuracy)
            points << MetricPoint { QStringLiteral("accuracy"), 0, 0.9, 200 };
        points << MetricPoint { QStringLiteral("time/epoch_s"), 0, timing, 50 };
        QVERIFY(store->logMetrics(ref->rowId, points));
        QVERIFY(store->finishRun(ref->rowId, RunStatus::Finished, 0, nowSeconds()));
        made = ref->uuid;
    };
    make({ 1, 0.5, 0.25 }, true, 1.5);
    const QString a = made;
    make({ 1, 0.5, 0.25 }, true, 1.7);
    const QString same = made;
    make({ 1, 0.5, 0.3 }, true, 1.5);
    const QString parted = made;
    make({ 1, 0.5, 0.25 }, false, 1.5);
    const QString missing = made;

    const QStringList timings { QStringLiteral("time/*") };
    auto report = buildReproductionReport(*store, a, *store, same, Tolerance {}, timings);
    QVERIFY(report);
    QCOMPARE(int(report->verdict), int(Verdict::Reproduced));
    QVERIFY(report->exact);
    QCOMPARE(report->ignored, QStringList { QStringLiteral("time/epoch_s") });
    QCOMPARE(report->metrics.size(), 2);

    // Without ignoring the timing, it diverges there.
    report = buildReproductionReport(*store, a, *store, same, Tolerance {});
    QCOMPARE(int(report->verdict), int(Verdict::Diverged));
    QCOMPARE(report->firstMetric, QStringLiteral("time/epoch_s"));

    // A loose tolerance accepts 0.25 against 0.3; the default does not.
    report = buildReproductionReport(*store, a, *store, parted, Tolerance {}, timings);
    QCOMPARE(int(report->verdict), int(Verdict::Diverged));
    QCOMPARE(report->firstMetric, QStringLiteral("loss"));
    QCOMPARE(report->firstStep, qint64(2));
    QCOMPARE(report->summary(), QStringLiteral("'loss' parts first, at step 2."));
    report = buildReproductionReport(*store, a, *store, parted, Tolerance { 0.1, 0 }, timings);
    QCOMPARE(int(report->verdict), int(Verdict::Reproduced));
    QVERIFY(!report->exact);

    report = buildReproductionReport(*store, a, *store, missing, Tolerance {}, timings);
    QCOMPARE(int(report->verdict), int(Verdict::Incomparable));
    QVERIFY(report->summary().contains(QStringLiteral("(accuracy)")));

    QVERIFY(!buildReproductionReport(*store, a, *store, QStringLiteral("ffffffffffff"), Tolerance {}));
}

void TestReproduction::firstDivergenceIsByLoggingTimeNotStep()
{
    // "loss" parts at step 5 (logged at t = 5 s); "test/acc" is one point at step 0, logged last.
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    auto make = [&](double lossAt5, double testAcc) {
        NewRun run;
        run.startTime = 1000;
        auto ref = store->createRun(run);
        QList<MetricPoint> points;
        for (qint64 s = 0; s < 10; ++s)
            points << MetricPoint { QStringLiteral("loss"), s, s == 5 ? lossAt5 : 1.0 / double(s + 1), 1000.0 + s };
        points << MetricPoint { QStringLiteral("test/acc"), 0, testAcc, 1100 };
        (void)store->logMetrics(ref->rowId, points);
        return ref->uuid;
    };
    const QString a = make(0.5, 0.9), b = make(0.6, 0.8);
    auto report = buildReproductionReport(*store, a, *store, b, Tolerance {});
    QVERIFY(report);
    QCOMPARE(report->firstMetric, QStringLiteral("loss"));
    QCOMPARE(report->firstStep, qint64(5));
}

void TestReproduction::determinismTagsShown()
{
    // Tags as the Python client's reprise.torch.seed_everything writes them; other tags stay out.
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("runs.db")), OpenMode::Create);
    QVERIFY(store);
    auto make = [&](bool deterministic, double lossAt2) {
        NewRun run;
        run.startTime = 1000;
        run.tags.insert(QStringLiteral("determinism.deterministic_algorithms"),
            deterministic ? QStringLiteral("true") : QStringLiteral("false"));
        run.tags.insert(QStringLiteral("determinism.torch_threads"), QStringLiteral("4"));
        run.tags.insert(QStringLiteral("determinism.check"),
            deterministic ? QStringLiteral("passed")
                          : QStringLiteral("failed: deterministic algorithms are off (torch.use_deterministic_"
                                           "algorithms(True))"));
        run.tags.insert(QStringLiteral("team"), deterministic ? QStringLiteral("a") : QStringLiteral("b"));
        auto ref = store->createRun(run);
        QList<MetricPoint> points;
        for (qint64 s = 0; s < 3; ++s)
            points << MetricPoint { QStringLiteral("loss"), s, s == 2 ? lossAt2 : 1.0, 1000.0 + double(s) };
        (void)store->logMetrics(ref->rowId, points);
        return ref->uuid;
    };
    const QString on = make(true, 0.5), onAgain = make(true, 0.5), off = make(false, 0.4), offAgain = make(false, 0.3);

    auto report = buildReproductionReport(*store, on, *store, off, Tolerance {});
    QVERIFY(report);
    QCOMPARE(
        report->determinismA.value(QStringLiteral("determinism.deterministic_algorithms")), QStringLiteral("true"));
    QCOMPARE(
        report->determinismB.value(QStringLiteral("determinism.deterministic_algorithms")), QStringLiteral("false"));
    QCOMPARE(report->determinismA.size(), 3);
    QStringList seen;
    for (const InputDifference& d : report->differences)
        seen << d.area + u':' + d.name + u':' + d.a + u'>' + d.b;
    QVERIFY(seen.contains(QStringLiteral("environment:determinism.deterministic_algorithms:true>false")));
    QCOMPARE(seen.filter(QStringLiteral("torch_threads")).size(), 0); // the same in both
    QCOMPARE(seen.filter(QStringLiteral("team")).size(), 0); // other tags are no input
    QCOMPARE(int(report->verdict), int(Verdict::Diverged));
    QCOMPARE(report->summary(),
        QStringLiteral("'loss' parts first, at step 2. Run B was not deterministic: deterministic algorithms are off "
                       "(torch.use_deterministic_algorithms(True))."));

    report = buildReproductionReport(*store, off, *store, offAgain, Tolerance {});
    QVERIFY(
        report->summary().endsWith(QStringLiteral(" Neither run was deterministic: deterministic algorithms are off "
                                                  "(torch.use_deterministic_algorithms(True)).")));
    QCOMPARE(report->differences.size(), 0);

    report = buildReproductionReport(*store, on, *store, onAgain, Tolerance {});
    QCOMPARE(int(report->verdict), int(Verdict::Reproduced));
    QCOMPARE(report->determinismB.value(QStringLiteral("determinism.check")), QStringLiteral("passed"));
}

void TestReproduction::paramEdits()
{
    RerunDraft draft;
    draft.recordedParams.insert(QStringLiteral("lr"), ParamValue { QStringLiteral("0.1"), QStringLiteral("float") });
    draft.recordedParams.insert(QStringLiteral("name"), ParamValue { QStringLiteral("a"), QStringLiteral("str") });
    draft.params = draft.recordedParams;
    QVERIFY(applyParamEdit(draft, QStringLiteral("lr=1")));
    QCOMPARE(draft.params.value(QStringLiteral("lr")), (ParamValue { QStringLiteral("1"), QStringLiteral("float") }));
    QVERIFY(applyParamEdit(draft, QStringLiteral("name=42")));
    QCOMPARE(draft.params.value(QStringLiteral("name")).type, QStringLiteral("str"));
    QVERIFY(applyParamEdit(draft, QStringLiteral("epochs=3")));
    QCOMPARE(draft.params.value(QStringLiteral("epochs")).type, QStringLiteral("int"));
    QVERIFY(applyParamEdit(draft, QStringLiteral("lr=fast"))); // not a float: a string now, as typed
    QCOMPARE(draft.params.value(QStringLiteral("lr")).type, QStringLiteral("str"));
    QCOMPARE(draft.editedParams().keys(),
        (QList<QString> { QStringLiteral("epochs"), QStringLiteral("lr"), QStringLiteral("name") }));
    const Status bad = applyParamEdit(draft, QStringLiteral("=3"));
    QVERIFY(!bad);
    QVERIFY(bad.error().message.contains(QStringLiteral("expected k=v")));
}

void TestReproduction::paramsReachTheProgramWithTheirTypes()
{
    QMap<QString, ParamValue> params;
    params.insert(QStringLiteral("factor"), ParamValue { QStringLiteral("10.0"), QStringLiteral("float") });
    params.insert(QStringLiteral("lr"), ParamValue { QStringLiteral("0.0001"), QStringLiteral("float") });
    params.insert(QStringLiteral("big"), ParamValue { QStringLiteral("1e+300"), QStringLiteral("float") });
    params.insert(QStringLiteral("worst"), ParamValue { QStringLiteral("-inf"), QStringLiteral("float") });
    params.insert(QStringLiteral("epochs"), ParamValue { QStringLiteral("20"), QStringLiteral("int") });
    params.insert(QStringLiteral("on"), ParamValue { QStringLiteral("true"), QStringLiteral("bool") });
    params.insert(QStringLiteral("layers"), ParamValue { QStringLiteral("[64, 32]"), QStringLiteral("json") });
    params.insert(QStringLiteral("say \"hi\""), ParamValue { QStringLiteral("a\nb"), QStringLiteral("str") });
    QCOMPARE(paramsAsJson(params),
        QStringLiteral("{\"big\":1e+300,\"epochs\":20,\"factor\":10.0,\"layers\":[64,32],\"lr\":0.0001,\"on\":true,"
                       "\"say \\\"hi\\\"\":\"a\\nb\",\"worst\":-Infinity}"));
}

void TestReproduction::commandDisplayAndSensitiveVariables()
{
    QCOMPARE(displayCommand({ QStringLiteral("/usr/bin/python3"), QStringLiteral("train.py"),
                 QStringLiteral("--name=my run"), QStringLiteral("it's"), QStringLiteral("$(rm -rf /)") }),
        QStringLiteral("/usr/bin/python3 train.py '--name=my run' 'it'\\''s' '$(rm -rf /)'"));
    for (const char* name : { "LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONPATH", "PATH", "DYLD_INSERT_LIBRARIES" })
        QVERIFY2(isSensitiveVariable(QString::fromLatin1(name)), name);
    for (const char* name : { "LANG", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS" })
        QVERIFY2(!isSensitiveVariable(QString::fromLatin1(name)), name);
}

void TestReproduction::codeModeDecidesTheWorktree()
{
    RerunDraft draft;
    draft.code.commit = QStringLiteral("abc");
    draft.headNow = QStringLiteral("abc");
    QVERIFY(!draft.runsInWorktree()); // HEAD is the recorded commit, nothing uncommitted
    draft.code.patch = QStringLiteral("diff --git a/x b/x\n");
    QVERIFY(draft.runsInWorktree()); // the recorded uncommitted changes must be applied
    draft.code.patch.clear();
    draft.headNow = QStringLiteral("def");
    QVERIFY(draft.runsInWorktree());
    QVERIFY(draft.codeSummary().contains(QStringLiteral("HEAD is now def")));
    draft.mode = CodeMode::InPlace;
    QVERIFY(!draft.runsInWorktree());
    QVERIFY(draft.codeSummary().contains(QStringLiteral("not the recorded commit abc")));
    draft.code.commit.clear();
    draft.mode = CodeMode::Auto;
    QVERIFY(!draft.runsInWorktree()); // nothing recorded: nothing to check out
    draft.mode = CodeMode::AtCommit;
    QVERIFY(draft.runsInWorktree());
    draft.argv = QStringList { QStringLiteral("true") };
    const auto problems = checkRerunDraft(draft);
    QCOMPARE(problems.size(), 1);
    QCOMPARE(int(problems.first().fix), int(DraftProblem::Fix::RunInPlace));
}

QTEST_GUILESS_MAIN(TestReproduction)
#include "tst_reproduction.moc"
