// The run table model and its filter/sort proxy, checked by QAbstractItemModelTester.

#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "store/run_store.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTest>

using namespace reprise;

class TestRunTableModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void columnsAndRoles();
    void filterAndNumericSort();
    void invalidFilterKeepsThePreviousOne();

private:
    std::shared_ptr<const RunTable> m_table;
    QTemporaryDir m_dir;
};

void TestRunTableModel::initTestCase()
{
    auto store = RunStore::open(m_dir.filePath(QStringLiteral("m.db")), OpenMode::Create);
    QVERIFY(store);
    const QStringList batches { "8", "16", "128", "32", "abc" };
    for (int i = 0; i < 5; ++i) {
        NewRun run;
        run.project = i < 3 ? QStringLiteral("a") : QStringLiteral("b");
        run.name = QStringLiteral("run-%1\nsecond line").arg(i);
        run.startTime = 1000 + i;
        run.params.insert(QStringLiteral("batch"), ParamValue::infer(batches[i]));
        auto ref = store->createRun(run);
        QVERIFY(ref);
        const std::vector<qint64> steps { 0 };
        const std::vector<double> values { 1.0 / (i + 1) };
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("acc"), steps, values, values));
        QVERIFY(store->finishRun(ref->rowId, i == 2 ? RunStatus::Failed : RunStatus::Finished, 0, 1000 + i + 60.0 * i));
    }
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    m_table = std::make_shared<const RunTable>(std::move(*table));
}

void TestRunTableModel::columnsAndRoles()
{
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    model.setRuns(m_table, 5000);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.columnCount(), RunTableModel::FixedColumnCount + 2);
    const int batch = RunTableModel::FixedColumnCount;
    const int acc = batch + 1;
    QVERIFY(model.isParamColumn(batch));
    QVERIFY(model.isMetricColumn(acc));
    QCOMPARE(model.headerData(batch, Qt::Horizontal).toString(), QStringLiteral("batch"));
    QCOMPARE(model.headerData(acc, Qt::Horizontal).toString(), QStringLiteral("acc"));
    // Newest first; names are one plain line.
    QCOMPARE(model.index(0, RunTableModel::NameColumn).data().toString(), QStringLiteral("run-4 second line"));
    QCOMPARE(model.index(0, RunTableModel::DurationColumn).data().toString(), QStringLiteral("4m 00s"));
    QCOMPARE(model.index(0, RunTableModel::DurationColumn).data(RunTableModel::SortRole).toDouble(), 240.0);
    QCOMPARE(model.index(2, RunTableModel::StatusColumn).data().toString(), QStringLiteral("failed"));
    QVERIFY(model.index(2, RunTableModel::StatusColumn).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.index(1, batch).data(RunTableModel::SortRole).typeId(), QMetaType::Double);
    QCOMPARE(model.index(0, batch).data(RunTableModel::SortRole).toString(), QStringLiteral("abc"));
    QCOMPARE(model.index(4, acc).data(RunTableModel::SortRole).toDouble(), 1.0);
    QCOMPARE(model.index(0, 0).data(RunTableModel::RunIdRole).toString(), m_table->uuids[0]);
    model.setRuns(nullptr, 0);
    QCOMPARE(model.rowCount(), 0);
}

void TestRunTableModel::filterAndNumericSort()
{
    RunTableModel model;
    RunFilterProxy proxy;
    QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    model.setRuns(m_table, 5000);
    QVERIFY(proxy.setFilterText(QStringLiteral("batch >= 16")));
    QCOMPARE(proxy.rowCount(), 3);
    const int batch = RunTableModel::FixedColumnCount;
    proxy.sort(batch, Qt::AscendingOrder);
    QStringList order;
    for (int r = 0; r < proxy.rowCount(); ++r)
        order << proxy.index(r, batch).data().toString();
    QCOMPARE(order, (QStringList { "16", "32", "128" })); // numerically, not "128" < "16"
    QVERIFY(proxy.setFilterText(QString()));
    QCOMPARE(proxy.rowCount(), 5);
    proxy.sort(batch, Qt::AscendingOrder);
    QCOMPARE(proxy.index(4, batch).data().toString(), QStringLiteral("abc")); // text after numbers
    QVERIFY(proxy.setFilterText(QStringLiteral("project = b or status = failed")));
    QCOMPARE(proxy.rowCount(), 3);
    // A new snapshot is filtered again with the same expression.
    model.setRuns(m_table, 6000);
    QCOMPARE(proxy.rowCount(), 3);
}

void TestRunTableModel::invalidFilterKeepsThePreviousOne()
{
    RunTableModel model;
    RunFilterProxy proxy;
    proxy.setSourceModel(&model);
    model.setRuns(m_table, 5000);
    QVERIFY(proxy.setFilterText(QStringLiteral("project = a")));
    auto st = proxy.setFilterText(QStringLiteral("project = "));
    QVERIFY(!st);
    QVERIFY(st.error().message.contains(QStringLiteral("expected a value")));
    QCOMPARE(proxy.rowCount(), 3);
    QCOMPARE(proxy.filterText(), QStringLiteral("project = a"));
}

QTEST_GUILESS_MAIN(TestRunTableModel)
#include "tst_run_table_model.moc"
