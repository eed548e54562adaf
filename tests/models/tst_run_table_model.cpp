// The run table model and its filter/sort proxy, checked by QAbstractItemModelTester.

#include "../widgets/hostile_run.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "store/run_store.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>

using namespace reprise;

class TestRunTableModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void columnsAndRoles();
    void filterAndNumericSort();
    void invalidFilterKeepsThePreviousOne();
    void hostileTextIsShownAsVisiblePlainText();

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
    // Newest first; names are one plain line (a line break shown as \n).
    QCOMPARE(model.index(0, RunTableModel::NameColumn).data().toString(), QStringLiteral("run-4\\nsecond line"));
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

void TestRunTableModel::hostileTextIsShownAsVisiblePlainText()
{
    QTemporaryDir dir;
    const hostile::Database db = hostile::write(dir.filePath(QStringLiteral("hostile.db")));
    QVERIFY(!db.first.isEmpty());
    {
        // And a name far longer than a cell, with a right-to-left override at the end of the cut.
        auto store = RunStore::open(db.path, OpenMode::ReadWrite);
        QVERIFY(store);
        NewRun run;
        run.name = QString(RunTableModel::kMaxCellLength - 10, u'x') + hostile::rlo() + QString(10000, u'y');
        run.startTime = 1;
        QVERIFY(store->createRun(run));
    }
    auto store = RunStore::open(db.path, OpenMode::ReadOnly);
    QVERIFY(store);
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns(std::make_shared<const RunTable>(std::move(*table)), 2e9);
    QCOMPARE(model.rowCount(), 3);

    int first = -1, second = -1, longName = -1;
    for (int r = 0; r < model.rowCount(); ++r) {
        const QString id = model.index(r, 0).data(RunTableModel::RunIdRole).toString();
        (id == db.first ? first : id == db.second ? second : longName) = r;
    }
    QVERIFY(first >= 0 && second >= 0 && longName >= 0);
    QCOMPARE(model.index(first, RunTableModel::NameColumn).data().toString(), hostile::nameShown());
    QCOMPARE(model.index(second, RunTableModel::NameColumn).data().toString(), hostile::name2Shown());
    QCOMPARE(model.index(first, RunTableModel::ProjectColumn).data().toString(), hostile::projectShown());
    // Sorting and editing still see the real name.
    QCOMPARE(model.index(first, RunTableModel::NameColumn).data(Qt::EditRole).toString(), hostile::name());
    // The tooltip shows the whole name literally: no markup rendered, no "&lt;" either.
    const QString tip = model.index(first, RunTableModel::NameColumn).data(Qt::ToolTipRole).toString();
    QVERIFY(Qt::mightBeRichText(tip));
    QTextDocument rendered;
    rendered.setHtml(tip);
    QCOMPARE(rendered.toPlainText(), hostile::nameShown());

    int paramColumn = -1, metricColumn = -1;
    for (int c = 0; c < model.columnCount(); ++c) {
        if (model.columnKey(c) == hostile::paramKey())
            paramColumn = c;
        if (model.columnKey(c) == hostile::metricKey())
            metricColumn = c;
    }
    QVERIFY(paramColumn >= 0 && metricColumn >= 0);
    QCOMPARE(model.headerData(paramColumn, Qt::Horizontal).toString(), hostile::paramKeyShown());
    QCOMPARE(model.headerData(metricColumn, Qt::Horizontal).toString(), hostile::metricKeyShown());
    QCOMPARE(model.index(first, paramColumn).data().toString(), hostile::paramValueShown() + u'0');

    // The long name: one bounded line, with the override visible.
    const QString cut = model.index(longName, RunTableModel::NameColumn).data().toString();
    QCOMPARE(cut.size(), RunTableModel::kMaxCellLength);
    QVERIFY(cut.endsWith(QChar(0x2026)));
    QVERIFY(cut.contains(QStringLiteral("\\u202e")));

    // Nothing any cell or header shows holds a raw control or bidirectional character.
    for (int c = 0; c < model.columnCount(); ++c) {
        QVERIFY(!hostile::hasRawControls(model.headerData(c, Qt::Horizontal).toString()));
        for (int r = 0; r < model.rowCount(); ++r)
            QVERIFY2(!hostile::hasRawControls(model.index(r, c).data().toString()), qPrintable(QString::number(c)));
    }
}

QTEST_MAIN(TestRunTableModel)
#include "tst_run_table_model.moc"
