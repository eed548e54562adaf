// RunTableModel::mergeRuns and RunFilterProxy following it: a refresh of the same source is
// signalled as removals, inserts, changes and column changes (never a reset), checked by
// QAbstractItemModelTester on the model and the proxy, and ends exactly where a fresh load would.

#include "run_filter_proxy.h"
#include "run_table_builder.h"
#include "run_table_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <thread>

using namespace reprise;
using reprise::test::makeTable;
using reprise::test::RunSpec;

Q_DECLARE_METATYPE(QList<reprise::test::RunSpec>)

namespace {

RunSpec run(int i, double lr, const QString& status = QStringLiteral("finished"))
{
    RunSpec r;
    r.id = QStringLiteral("run-%1").arg(i, 3, 10, QLatin1Char('0'));
    r.name = QStringLiteral("name %1").arg(i % 7);
    r.status = status;
    r.start = 1000 + i * 10;
    r.end = status == QLatin1String("running") ? std::numeric_limits<double>::quiet_NaN() : r.start + (i % 5) * 3;
    r.params.insert(QStringLiteral("lr"), QString::number(lr));
    r.params.insert(QStringLiteral("opt"), i % 2 ? QStringLiteral("adam") : QStringLiteral("sgd"));
    r.metrics.insert(QStringLiteral("acc"), 0.5 + (i % 9) * 0.05);
    return r;
}

/// `count` runs numbered from `first`, newest first (as the loader orders them).
QList<RunSpec> runs(int first, int count)
{
    QList<RunSpec> out;
    for (int i = first + count - 1; i >= first; --i)
        out << run(i, (i % 6) * 0.01, i % 4 == 0 ? QStringLiteral("running") : QStringLiteral("finished"));
    return out;
}

QList<RunSpec> sortedNewestFirst(QList<RunSpec> list)
{
    std::stable_sort(list.begin(), list.end(), [](const RunSpec& a, const RunSpec& b) { return a.start > b.start; });
    return list;
}

int columnOf(const RunTableModel& model, const QString& id)
{
    for (int c = 0; c < model.columnCount(); ++c) {
        const QString key = model.isParamColumn(c) ? QStringLiteral("param:") + model.columnKey(c)
            : model.isMetricColumn(c)              ? QStringLiteral("metric:") + model.columnKey(c)
                                                   : QStringLiteral("attr:%1").arg(c);
        if (key == id)
            return c;
    }
    return -1;
}

/// Every cell the proxy shows, row by row, with the run id first.
QStringList contents(const QAbstractItemModel& proxy)
{
    QStringList out;
    QStringList header;
    for (int c = 0; c < proxy.columnCount(); ++c)
        header << proxy.headerData(c, Qt::Horizontal).toString();
    out << header.join(u'|');
    for (int r = 0; r < proxy.rowCount(); ++r) {
        QStringList line { proxy.index(r, 0).data(RunTableModel::RunIdRole).toString() };
        for (int c = 0; c < proxy.columnCount(); ++c)
            line << proxy.index(r, c).data().toString();
        out << line.join(u'|');
    }
    return out;
}

struct ProxySetup {
    QString filter;
    QString sortColumn; ///< "attr:N", "param:KEY", "metric:KEY" or empty for the source order
    Qt::SortOrder order;
};

} // namespace

class TestRunTableMerge : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mergeEndsAsAFreshLoad_data();
    void mergeEndsAsAFreshLoad();
    void addedRunsAreInsertedInOneBlock();
    void changedRunsAreSignalledAsChanges();
    void diffOffTheGuiThreadIsApplied();
    void staleDiffIsRecomputed();
    void persistentIndexesFollowTheirRuns();
};

void TestRunTableMerge::mergeEndsAsAFreshLoad_data()
{
    QTest::addColumn<QList<RunSpec>>("before");
    QTest::addColumn<QList<RunSpec>>("after");

    const QList<RunSpec> base = runs(0, 12);
    QTest::newRow("same") << base << base;
    QTest::newRow("added at the top") << base << runs(0, 15);
    QTest::newRow("added at the bottom") << runs(3, 9) << base;
    {
        // 20 new runs between old ones: more ranges than the model signals one by one.
        QList<RunSpec> before, after;
        for (int i = 0; i < 41; ++i) {
            RunSpec r = run(i, (i % 5) * 0.02);
            if (i % 2 == 0)
                before << r;
            after << r;
        }
        QTest::newRow("added scattered") << sortedNewestFirst(before) << sortedNewestFirst(after);
        QTest::newRow("removed scattered") << sortedNewestFirst(after) << sortedNewestFirst(before);
    }
    {
        QList<RunSpec> after = base;
        after.removeAt(0);
        after.removeAt(4);
        after.removeAt(4);
        QTest::newRow("removed") << base << after;
    }
    {
        QList<RunSpec> after = base;
        after[1].status = QStringLiteral("failed"); // leaves "status = finished"
        after[2].params[QStringLiteral("lr")] = QStringLiteral("0.5"); // moves in an lr sort
        after[3].name = QStringLiteral("renamed");
        after[4].metrics[QStringLiteral("acc")] = 0.01;
        after[5].archived = true; // hidden
        after[6].team = QStringLiteral("vision"); // a tag only the filter sees
        after[7].end = after[7].start + 999; // finished
        QTest::newRow("changed") << base << after;
        QTest::newRow("changed back") << after << base;
    }
    {
        QList<RunSpec> after = base;
        after[0].start = 1; // now the oldest
        after[5].start = 5000; // now the newest
        QTest::newRow("reordered") << base << sortedNewestFirst(after);
        QList<RunSpec> mixed = sortedNewestFirst(after);
        mixed.removeAt(3);
        mixed.prepend(run(77, 0.03));
        mixed[4].status = QStringLiteral("killed");
        QTest::newRow("reordered, removed, added, changed") << base << mixed;
    }
    {
        QList<RunSpec> after = base;
        for (int i = 0; i < after.size(); i += 2) {
            after[i].params.insert(QStringLiteral("batch"), QString::number(16 << (i % 3)));
            after[i].params.insert(QStringLiteral("zz"), QStringLiteral("x"));
            after[i].metrics.insert(QStringLiteral("loss"), 1.0 / (i + 1));
        }
        QTest::newRow("new param and metric columns") << base << after;
        QTest::newRow("param and metric columns removed") << after << base;
        QList<RunSpec> swapped = after;
        for (RunSpec& r : swapped)
            r.params.remove(QStringLiteral("opt"));
        swapped.prepend(run(50, 0.07));
        QTest::newRow("columns removed and added, runs added") << after << swapped;
    }
    QTest::newRow("empty to runs") << QList<RunSpec>() << base;
    QTest::newRow("runs to empty") << base << QList<RunSpec>();
    QTest::newRow("all replaced") << runs(0, 6) << runs(100, 8);
}

void TestRunTableMerge::mergeEndsAsAFreshLoad()
{
    QFETCH(QList<RunSpec>, before);
    QFETCH(QList<RunSpec>, after);
    const auto oldTable = makeTable(before);
    const auto newTable = makeTable(after);
    const QList<ProxySetup> setups {
        { QString(), QString(), Qt::AscendingOrder },
        { QString(), QStringLiteral("attr:%1").arg(RunTableModel::StartedColumn), Qt::DescendingOrder },
        { QString(), QStringLiteral("param:lr"), Qt::AscendingOrder },
        { QStringLiteral("status = finished"), QStringLiteral("attr:%1").arg(RunTableModel::NameColumn),
            Qt::DescendingOrder },
        { QStringLiteral("lr < 0.04 or tag.team = vision"), QStringLiteral("metric:acc"), Qt::AscendingOrder },
        { QString(), QStringLiteral("attr:%1").arg(RunTableModel::DurationColumn), Qt::AscendingOrder },
        { QString(), QStringLiteral("param:batch"), Qt::DescendingOrder },
    };
    for (const ProxySetup& setup : setups) {
        const QByteArray what = (setup.filter + QStringLiteral(" / ") + setup.sortColumn).toUtf8();
        RunTableModel model;
        RunFilterProxy proxy;
        QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        model.setRuns(oldTable, 2000);
        QVERIFY(proxy.setFilterText(setup.filter));
        const int sortColumn = setup.sortColumn.isEmpty() ? -1 : columnOf(model, setup.sortColumn);
        proxy.sort(sortColumn, setup.order);

        // Every shown cell, held by a persistent index, must still show its run afterwards.
        QList<QPersistentModelIndex> held;
        QStringList heldIds;
        for (int r = 0; r < proxy.rowCount(); ++r) {
            held << QPersistentModelIndex(proxy.index(r, RunTableModel::NameColumn));
            heldIds << proxy.index(r, 0).data(RunTableModel::RunIdRole).toString();
        }
        QSignalSpy modelResets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy proxyResets(&proxy, &QAbstractItemModel::modelReset);
        model.mergeRuns(newTable, 3000);
        QVERIFY2(modelResets.isEmpty() && proxyResets.isEmpty(), what.constData());
        QCOMPARE(model.runs(), newTable);

        RunTableModel fresh;
        RunFilterProxy freshProxy;
        freshProxy.setSourceModel(&fresh);
        fresh.setRuns(newTable, 3000);
        QVERIFY(freshProxy.setFilterText(setup.filter));
        // A sort by a column that was not there stays unsorted; one by a removed column ends.
        const int freshSort = sortColumn < 0 ? -1 : columnOf(fresh, setup.sortColumn);
        freshProxy.sort(freshSort, setup.order);
        QCOMPARE(proxy.sortColumn(), freshSort);
        QCOMPARE(model.columnCount(), fresh.columnCount());
        QCOMPARE(contents(proxy), contents(freshProxy));

        for (qsizetype i = 0; i < held.size(); ++i) {
            const QString id = heldIds[i];
            const bool shown = std::any_of(after.begin(), after.end(), [&](const RunSpec& r) { return r.id == id; })
                && freshProxy.match(freshProxy.index(0, 0), RunTableModel::RunIdRole, id, 1, Qt::MatchExactly).size()
                    == 1;
            QCOMPARE(held[i].isValid(), shown);
            if (shown) {
                QCOMPARE(held[i].data(RunTableModel::RunIdRole).toString(), id);
                QCOMPARE(held[i].column(), int(RunTableModel::NameColumn));
            }
        }
    }
}

void TestRunTableMerge::addedRunsAreInsertedInOneBlock()
{
    // The common refresh: new runs at the top of a table sorted newest first.
    RunTableModel model;
    RunFilterProxy proxy;
    QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    model.setRuns(makeTable(runs(0, 30)), 2000);
    proxy.sort(RunTableModel::StartedColumn, Qt::DescendingOrder);
    QSignalSpy inserted(&proxy, &QAbstractItemModel::rowsInserted);
    QSignalSpy layouts(&proxy, &QAbstractItemModel::layoutChanged);
    QSignalSpy removed(&proxy, &QAbstractItemModel::rowsRemoved);
    QSignalSpy modelInserted(&model, &QAbstractItemModel::rowsInserted);
    model.mergeRuns(makeTable(runs(0, 35)), 2000);
    QCOMPARE(modelInserted.size(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 0);
    QCOMPARE(inserted.first().at(2).toInt(), 4);
    QCOMPARE(layouts.size(), 0);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(proxy.index(0, 0).data(RunTableModel::RunIdRole).toString(), QStringLiteral("run-034"));
}

void TestRunTableMerge::changedRunsAreSignalledAsChanges()
{
    QList<RunSpec> before = runs(0, 10);
    QList<RunSpec> after = before;
    after[3].metrics[QStringLiteral("acc")] = 0.123;
    after[6].name = QStringLiteral("other");
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns(makeTable(before), 2000);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy structure(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy layouts(&model, &QAbstractItemModel::layoutChanged);
    const RunTableMerge merge = RunTableModel::diff(model.runs(), makeTable(after));
    QCOMPARE(merge.changed, (std::vector<std::int32_t> { 3, 6 }));
    QVERIFY(!merge.reordered);
    model.mergeRuns(merge, 2000); // same `now`: running runs' durations did not change
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 3);
    QCOMPARE(changed.first().at(1).toModelIndex().row(), 6);
    QVERIFY(structure.isEmpty() && removed.isEmpty() && layouts.isEmpty());
    QCOMPARE(model.index(6, RunTableModel::NameColumn).data().toString(), QStringLiteral("other"));

    // A later `now` changes the running runs' durations.
    changed.clear();
    model.mergeRuns(makeTable(after), 2500);
    QCOMPARE(changed.size(), 1);
}

void TestRunTableMerge::diffOffTheGuiThreadIsApplied()
{
    // The diff is a pure function of two immutable snapshots: computed anywhere, applied here.
    RunTableModel model;
    model.setRuns(makeTable(runs(0, 10)), 2000);
    const auto next = makeTable(runs(0, 12));
    RunTableMerge merge;
    std::thread worker([&merge, before = model.runs(), next] { merge = RunTableModel::diff(before, next); });
    worker.join();
    QCOMPARE(merge.newToOld.size(), size_t(12));
    QCOMPARE(merge.newToOld[0], -1);
    QCOMPARE(merge.newToOld[2], 0);
    model.mergeRuns(std::move(merge), 2000);
    QCOMPARE(model.rowCount(), 12);
    QCOMPARE(model.runs(), next);
}

void TestRunTableMerge::staleDiffIsRecomputed()
{
    // A diff computed against a snapshot that is no longer shown is redone against the shown one.
    RunTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto first = makeTable(runs(0, 10));
    model.setRuns(first, 2000);
    const RunTableMerge stale = RunTableModel::diff(first, makeTable(runs(0, 14)));
    model.mergeRuns(makeTable(runs(2, 6)), 2000);
    model.mergeRuns(stale, 2000);
    QCOMPARE(model.rowCount(), 14);
    QCOMPARE(model.index(0, 0).data(RunTableModel::RunIdRole).toString(), QStringLiteral("run-013"));
    QCOMPARE(model.index(13, 0).data(RunTableModel::RunIdRole).toString(), QStringLiteral("run-000"));
}

void TestRunTableMerge::persistentIndexesFollowTheirRuns()
{
    // Source order changes (reordered runs) and a sort by a param whose values change.
    QList<RunSpec> before = runs(0, 20);
    QList<RunSpec> after = before;
    after[2].start = 0;
    after[10].params[QStringLiteral("lr")] = QStringLiteral("9");
    after.prepend(run(40, 0.001));
    after = sortedNewestFirst(after);
    RunTableModel model;
    RunFilterProxy proxy;
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    model.setRuns(makeTable(before), 2000);
    proxy.sort(columnOf(model, QStringLiteral("param:lr")), Qt::AscendingOrder);
    const QPersistentModelIndex a = proxy.index(5, 1);
    const QPersistentModelIndex b = proxy.match(proxy.index(0, 0), RunTableModel::RunIdRole, before[10].id).value(0);
    const QPersistentModelIndex c = proxy.match(proxy.index(0, 0), RunTableModel::RunIdRole, before[2].id).value(0);
    const QString idA = a.data(RunTableModel::RunIdRole).toString();
    QVERIFY(b.isValid() && c.isValid());
    model.mergeRuns(makeTable(after), 2000);
    QCOMPARE(a.data(RunTableModel::RunIdRole).toString(), idA);
    QCOMPARE(b.data(RunTableModel::RunIdRole).toString(), before[10].id);
    QCOMPARE(b.row(), proxy.rowCount() - 1); // lr 9: last
    QCOMPARE(c.data(RunTableModel::RunIdRole).toString(), before[2].id);
}

QTEST_MAIN(TestRunTableMerge)
#include "tst_run_table_merge.moc"
