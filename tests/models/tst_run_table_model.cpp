// The run table model and its filter/sort proxy, checked by QAbstractItemModelTester.

#include "../widgets/hostile_run.h"
#include "run_filter_proxy.h"
#include "run_table_builder.h"
#include "run_table_model.h"
#include "store/run_store.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <algorithm>
#include <numeric>

using namespace reprise;

class TestRunTableModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void columnsAndRoles();
    void filterAndNumericSort();
    void invalidFilterKeepsThePreviousOne();
    void hostileTextIsShownAsVisiblePlainText();
    void naturalKeyOrder_data();
    void naturalKeyOrder();
    void paramAndMetricColumnsInNaturalOrder();
    void sortOrdersEveryKindOfValue_data();
    void sortOrdersEveryKindOfValue();

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

void TestRunTableModel::naturalKeyOrder_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<bool>("less");
    QTest::newRow("2 before 10") << "param_2"
                                 << "param_10" << true;
    QTest::newRow("10 after 9") << "param_10"
                                << "param_9" << false;
    QTest::newRow("prefix first") << "param"
                                  << "param_0" << true;
    QTest::newRow("text as before") << "lr"
                                    << "param_1" << true;
    QTest::newRow("case as before") << "Zeta"
                                    << "alpha" << true;
    QTest::newRow("several numbers") << "l2.h10"
                                     << "l2.h9" << false;
    QTest::newRow("leading zeros count as the number") << "x007"
                                                       << "x10" << true;
    QTest::newRow("same number, other zeros: text order") << "a01"
                                                          << "a1" << true;
    QTest::newRow("not less than itself") << "m10"
                                          << "m10" << false;
    QTest::newRow("digits before letters as in text") << "a1"
                                                      << "ab" << true;
}

void TestRunTableModel::naturalKeyOrder()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(bool, less);
    QCOMPARE(RunTableModel::naturalKeyLess(a, b), less);
    if (a != b)
        QCOMPARE(RunTableModel::naturalKeyLess(b, a), !less); // a strict order: one way only
}

void TestRunTableModel::paramAndMetricColumnsInNaturalOrder()
{
    // Keys as the loader sorts them (text order: param_1, param_10, param_2), shown as people count.
    auto run = [](const QString& id, double start, const QString& p2, double m10) {
        test::RunSpec r;
        r.id = id;
        r.name = id;
        r.start = start;
        r.params = { { "param_1", "1" }, { "param_10", "10" + id }, { "param_2", p2 }, { "lr", "0.1" } };
        r.metrics = { { "m10", m10 }, { "m9", 9 } };
        return r;
    };
    auto table = test::makeTable({ run("b", 2, "20", 1.0), run("a", 1, "3", 2.0) });
    RunTableModel model;
    RunFilterProxy proxy;
    QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    model.setRuns(table, 10);
    auto headers = [&] {
        QStringList out;
        for (int c = RunTableModel::FixedColumnCount; c < model.columnCount(); ++c)
            out << model.headerData(c, Qt::Horizontal).toString();
        return out;
    };
    QCOMPARE(headers(), (QStringList { "lr", "param_1", "param_2", "param_10", "m9", "m10" }));
    const int p2 = RunTableModel::FixedColumnCount + 2, p10 = p2 + 1, m10 = p10 + 2;
    QVERIFY(model.isParamColumn(p10));
    QVERIFY(model.isMetricColumn(m10));
    QCOMPARE(model.columnKey(p10), QStringLiteral("param_10"));
    QCOMPARE(model.index(0, p10).data().toString(), QStringLiteral("10b"));
    QCOMPARE(model.index(1, p2).data().toString(), QStringLiteral("3"));
    QCOMPARE(model.index(1, m10).data(RunTableModel::SortRole).toDouble(), 2.0);
    // Sorting by a column sorts by that column's values.
    proxy.sort(p2, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, RunTableModel::NameColumn).data().toString(), QStringLiteral("a")); // 3 < 20
    proxy.sort(m10, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, RunTableModel::NameColumn).data().toString(), QStringLiteral("b")); // 1 < 2

    // A refresh bringing param_3 inserts it between param_2 and param_10, keeping the others.
    auto withP3 = run("c", 3, "7", 3.0);
    withP3.params.insert("param_3", "x");
    QSignalSpy inserted(&model, &QAbstractItemModel::columnsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::columnsRemoved);
    model.mergeRuns(test::makeTable({ withP3, run("b", 2, "20", 1.0), run("a", 1, "3", 2.0) }), 10);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), RunTableModel::FixedColumnCount + 3);
    QCOMPARE(headers(), (QStringList { "lr", "param_1", "param_2", "param_3", "param_10", "m9", "m10" }));
    QCOMPARE(model.index(0, RunTableModel::FixedColumnCount + 3).data().toString(), QStringLiteral("x"));
    QCOMPARE(model.index(2, RunTableModel::FixedColumnCount + 4).data().toString(), QStringLiteral("10a"));
}

void TestRunTableModel::sortOrdersEveryKindOfValue_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<bool>("descending");
    for (const bool descending : { false, true }) {
        const char* order = descending ? "descending" : "ascending";
        QTest::addRow("mixed param, %s", order) << int(RunTableModel::FixedColumnCount) << descending;
        QTest::addRow("metric, %s", order) << int(RunTableModel::FixedColumnCount) + 1 << descending;
        QTest::addRow("name, %s", order) << int(RunTableModel::NameColumn) << descending;
        QTest::addRow("started, %s", order) << int(RunTableModel::StartedColumn) << descending;
    }
}

void TestRunTableModel::sortOrdersEveryKindOfValue()
{
    // Numbers (negative, -0 and +0, ties), text (ties, case), missing values: the proxy's order is
    // that of its documented rule, numbers before text, no value last, ties in the source order.
    QFETCH(int, column);
    QFETCH(bool, descending);
    const QStringList values { "3", "-1", "0", "-0", "abc", "Abc", "", "2.5", "3", "zz", "-7.25", "1e3", "x" };
    QList<test::RunSpec> runs;
    for (int i = 0; i < 120; ++i) {
        test::RunSpec r;
        r.id = QStringLiteral("run%1").arg(i);
        r.name = QStringLiteral("n%1").arg((i * 7) % 13);
        r.start = double((i * 37) % 11);
        const QString v = values[(i * 5) % values.size()];
        if (!v.isEmpty())
            r.params.insert("p", v);
        if (i % 4 != 0)
            r.metrics.insert("m", double((i * 13) % 9) - 4.0);
        runs << r;
    }
    RunTableModel model;
    RunFilterProxy proxy;
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    model.setRuns(test::makeTable(runs), 1000);
    const Qt::SortOrder order = descending ? Qt::DescendingOrder : Qt::AscendingOrder;
    proxy.sort(column, order);

    const RunTableModel::SortKeys keys = model.sortKeys(column);
    std::vector<int> expected(runs.size());
    std::iota(expected.begin(), expected.end(), 0);
    std::stable_sort(expected.begin(), expected.end(), [&](int a, int b) {
        const int ga = keys.group[size_t(a)], gb = keys.group[size_t(b)];
        if (ga != gb)
            return ga == 2 || gb == 2 ? gb == 2 : (descending ? ga > gb : ga < gb);
        if (ga == 2 || keys.key[size_t(a)] == keys.key[size_t(b)])
            return false;
        return descending ? keys.key[size_t(a)] > keys.key[size_t(b)] : keys.key[size_t(a)] < keys.key[size_t(b)];
    });
    QCOMPARE(proxy.rowCount(), int(runs.size()));
    for (int r = 0; r < proxy.rowCount(); ++r)
        QCOMPARE(proxy.mapToSource(proxy.index(r, 0)).row(), expected[size_t(r)]);
    // A filter keeps that order, the rows it hides left out.
    QVERIFY(proxy.setFilterText(QStringLiteral("metric.m > -2")));
    int last = -1;
    for (int r = 0; r < proxy.rowCount(); ++r) {
        const auto at = std::find(expected.begin(), expected.end(), proxy.mapToSource(proxy.index(r, 0)).row());
        QVERIFY(int(at - expected.begin()) > last);
        last = int(at - expected.begin());
    }
    QVERIFY(proxy.rowCount() > 0 && proxy.rowCount() < int(runs.size()));
}

QTEST_MAIN(TestRunTableModel)
#include "tst_run_table_model.moc"
