// Param importance against SciPy and scikit-learn (tests/core/importance_reference.py) on runs
// generated here and stored in a real database: the same Spearman correlations (within 1e-9), the
// same ranking of the forest's importances, the runs missing the metric or a param counted.

#include "stats/importance.h"
#include "stats/random_forest.h"
#include "store/run_store.h"
#include "store/run_table.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <numeric>

using namespace reprise;

namespace {

/// splitmix64: the same numbers on every machine.
struct Generator {
    quint64 state;
    double uniform()
    {
        quint64 z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return double((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
    }
    int below(int n) { return std::min(n - 1, int(uniform() * n)); }
};

/// The order of `keys` by descending `value`.
QStringList ranking(const QMap<QString, double>& value)
{
    QStringList keys = value.keys();
    std::stable_sort(keys.begin(), keys.end(), [&](const QString& a, const QString& b) { return value[a] > value[b]; });
    return keys;
}

} // namespace

class TestImportance : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void matchesScipyAndScikitLearn();
    void sameResultWhateverTheThreads();
    void spearmanWithTies();
    void smallSweepAndConstantParams();

private:
    QTemporaryDir m_dir;
    QString m_db;
    QString m_csv;
    RunTable m_table;
};

void TestImportance::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("runs.db"));
    m_csv = m_dir.filePath(QStringLiteral("runs.csv"));
    auto store = RunStore::open(m_db, OpenMode::Create);
    QVERIFY(store);
    // score = 4a + cat effect + 0.15b + 0.6c + 0.06·log10(d) + 0.06e + noise: a matters most, then the
    // optimizer (categorical), then b (an int with ties), c, d (a grid: ties), e (a bool).
    Generator g { 20261204 };
    const QStringList optimizers { "sgd", "adam", "rmsprop" };
    const double optimizerEffect[] = { 0.0, 0.8, 1.6 };
    const QStringList lrs { "0.0001", "0.001", "0.01", "0.1" };
    QByteArray csv = "metric,a,b,c,d,e,cat_opt\n";
    for (int i = 0; i < 600; ++i) {
        const double a = g.uniform();
        const int b = 1 + g.below(8);
        const double c = g.uniform();
        const int d = g.below(4);
        const bool e = g.uniform() < 0.5;
        const int opt = g.below(3);
        const double score = 4 * a + optimizerEffect[opt] + 0.15 * b + 0.6 * c + 0.06 * std::log10(lrs[d].toDouble())
            + (e ? 0.06 : 0) + 0.02 * (g.uniform() - 0.5);
        const bool noMetric = i % 24 == 5; // 25 runs never log it
        const bool nanMetric = i % 200 == 7; // 3 log NaN
        const bool noC = i % 60 == 11; // 10 runs lack c
        NewRun run;
        run.project = QStringLiteral("generated");
        run.name = QStringLiteral("run-%1").arg(i);
        run.startTime = 1.7e9 + i;
        run.params.insert(QStringLiteral("a"), ParamValue { QString::number(a, 'g', 17), QStringLiteral("float") });
        run.params.insert(QStringLiteral("b"), ParamValue { QString::number(b), QStringLiteral("int") });
        if (!noC)
            run.params.insert(QStringLiteral("c"), ParamValue { QString::number(c, 'g', 17), QStringLiteral("float") });
        run.params.insert(QStringLiteral("d"), ParamValue { lrs[d], QStringLiteral("float") });
        run.params.insert(QStringLiteral("e"),
            ParamValue { e ? QStringLiteral("true") : QStringLiteral("false"), QStringLiteral("bool") });
        run.params.insert(QStringLiteral("cat_opt"), ParamValue { optimizers[opt], QStringLiteral("str") });
        auto ref = store->createRun(run);
        QVERIFY(ref);
        if (!noMetric) {
            const qint64 step = 0;
            const double value = nanMetric ? std::nan("") : score;
            const double time = 1.7e9 + i;
            QVERIFY(store->logMetric(ref->rowId, QStringLiteral("score"), { &step, 1 }, { &value, 1 }, { &time, 1 }));
        }
        QVERIFY(store->finishRun(ref->rowId, RunStatus::Finished, 0, 1.7e9 + i + 1));
        csv += (noMetric || nanMetric ? QByteArray() : QByteArray::number(score, 'g', 17)) + ','
            + QByteArray::number(a, 'g', 17) + ',' + QByteArray::number(b) + ','
            + (noC ? QByteArray() : QByteArray::number(c, 'g', 17)) + ',' + lrs[d].toLatin1() + ',' + (e ? "1" : "0")
            + ',' + optimizers[opt].toLatin1() + '\n';
    }
    QFile file(m_csv);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(csv);
    file.close();
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    m_table = *table;
    QCOMPARE(int(m_table.rowCount()), 600);
}

void TestImportance::matchesScipyAndScikitLearn()
{
    std::vector<std::int32_t> rows(m_table.rowCount());
    std::iota(rows.begin(), rows.end(), 0);
    auto result = paramImportance(m_table, rows, QStringLiteral("score"));
    QVERIFY2(result, qPrintable(result ? QString() : result.error().text()));
    QCOMPARE(result->runsInScope, 600);
    QCOMPARE(result->missingMetric, 28); // 25 never logged, 3 NaN
    QCOMPARE(result->runsWithMetric, 572);
    QCOMPARE(result->missingParam.value(QStringLiteral("c")), 10);
    QCOMPARE(result->forestMissingAny, 10);
    QCOMPARE(result->forestRuns, 562);
    QCOMPARE(result->forest.minSamplesLeaf, 5);
    QVERIFY2(result->notes.join(u'\n').contains("28 of 600 runs have no value of score"),
        qPrintable(result->notes.join(u'\n')));
    QVERIFY(result->oobR2 > 0.9);

    QProcess python;
    python.start(QStringLiteral(REPRISE_PYTHON),
        { QStringLiteral(REPRISE_SOURCE_DIR "/tests/core/importance_reference.py"), m_csv,
            QString::number(result->forest.minSamplesLeaf) });
    QVERIFY(python.waitForFinished(300000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const QJsonObject reference = QJsonDocument::fromJson(python.readAllStandardOutput()).object();
    QCOMPARE(reference[QLatin1String("runs_missing_metric")].toInt(), result->missingMetric);
    QCOMPARE(reference[QLatin1String("forest_runs")].toInt(), result->forestRuns);

    QMap<QString, double> ours, theirs;
    for (const ParamImportance& p : result->params) {
        ours.insert(p.key, p.importance);
        theirs.insert(p.key, reference[QLatin1String("importance")][p.key].toDouble());
        if (p.key == QLatin1String("cat_opt")) {
            QVERIFY(p.categorical);
            QVERIFY(std::isnan(p.spearman));
            QCOMPARE(p.levels, 3);
            continue;
        }
        const double expected = reference[QLatin1String("spearman")][p.key].toDouble();
        QVERIFY2(std::abs(p.spearman - expected) <= 1e-9,
            qPrintable(
                QStringLiteral("%1: %2 vs SciPy %3").arg(p.key).arg(p.spearman, 0, 'g', 17).arg(expected, 0, 'g', 17)));
        QCOMPARE(p.runs, p.key == QLatin1String("c") ? 562 : 572);
    }
    QCOMPARE(ours.size(), 6);
    const QStringList rankedHere = ranking(ours), rankedThere = ranking(theirs);
    qInfo() << "ours" << ours;
    qInfo() << "scikit-learn" << theirs;
    QCOMPARE(rankedHere, rankedThere);
    QCOMPARE(rankedHere, (QStringList { "a", "cat_opt", "b", "c", "d", "e" }));
    QCOMPARE(result->params.first().key, QStringLiteral("a")); // the result itself is ranked
    // Close in size too, not only in order (their bootstrap samples differ; measured within 0.01).
    for (const QString& key : ours.keys())
        QVERIFY2(std::abs(ours[key] - theirs[key]) < 0.02,
            qPrintable(QStringLiteral("%1: %2 vs scikit-learn %3").arg(key).arg(ours[key]).arg(theirs[key])));
}

void TestImportance::sameResultWhateverTheThreads()
{
    std::vector<std::int32_t> rows(m_table.rowCount());
    std::iota(rows.begin(), rows.end(), 0);
    ImportanceOptions one, two;
    one.forest.threads = 1;
    two.forest.threads = 2;
    auto a = paramImportance(m_table, rows, QStringLiteral("score"), one);
    auto b = paramImportance(m_table, rows, QStringLiteral("score"), two);
    QVERIFY(a && b);
    QCOMPARE(a->params.size(), b->params.size());
    for (qsizetype i = 0; i < a->params.size(); ++i) {
        QCOMPARE(a->params[i].key, b->params[i].key);
        QCOMPARE(a->params[i].importance, b->params[i].importance); // bit for bit
    }
    QCOMPARE(a->oobR2, b->oobR2);
}

void TestImportance::spearmanWithTies()
{
    // scipy.stats.spearmanr([1, 2, 2, 3, 4], [2, 1, 3, 3, 5]) = 0.7631578947368421 (average ranks).
    QVERIFY(std::abs(spearman({ 1, 2, 2, 3, 4 }, { 2, 1, 3, 3, 5 }) - 0.7631578947368421) < 1e-12);
    QVERIFY(std::isnan(spearman({ 1, 1, 1 }, { 1, 2, 3 })));
    QVERIFY(std::isnan(spearman({ 1, 2 }, { 1, 2 })));
    QCOMPARE(spearman({ 1, 2, 3, 4 }, { 40, 30, 20, 10 }), -1.0);
}

void TestImportance::smallSweepAndConstantParams()
{
    // A 3 × 3 sweep where only lr matters, and a param that never changes.
    QTemporaryDir dir;
    auto store = RunStore::open(dir.filePath(QStringLiteral("sweep.db")), OpenMode::Create);
    QVERIFY(store);
    for (int i = 0; i < 9; ++i) {
        NewRun run;
        run.params.insert(QStringLiteral("lr"), ParamValue::infer(QString::number(0.001 * std::pow(10, i / 3))));
        run.params.insert(QStringLiteral("seed"), ParamValue::infer(QString::number(i % 3)));
        run.params.insert(QStringLiteral("epochs"), ParamValue::infer(QStringLiteral("20")));
        auto ref = store->createRun(run);
        QVERIFY(ref);
        const qint64 step = 0;
        const double value = 1 - (i / 3) * 0.2 + (i % 3) * 0.001, time = 0;
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("loss"), { &step, 1 }, { &value, 1 }, { &time, 1 }));
    }
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    auto result = paramImportance(*table, { 0, 1, 2, 3, 4, 5, 6, 7, 8 }, QStringLiteral("loss"));
    QVERIFY(result);
    QCOMPARE(result->params.size(), 3);
    QCOMPARE(result->params[0].key, QStringLiteral("lr"));
    QVERIFY(result->params[0].importance > 0.9);
    QVERIFY(std::abs(result->params[0].spearman + 1) < 0.2);
    QCOMPARE(result->params[2].key, QStringLiteral("epochs"));
    QCOMPARE(result->params[2].note, QStringLiteral("constant"));
    QVERIFY(std::isnan(result->params[2].importance));
    // A metric no run has.
    auto missing = paramImportance(*table, { 0, 1 }, QStringLiteral("acc"));
    QVERIFY(!missing);
    QVERIFY(missing.error().message.contains("metric 'acc'"));
    QVERIFY(missing.error().hint.contains("loss"));
}

QTEST_GUILESS_MAIN(TestImportance)
#include "tst_importance.moc"
