// The run browser across live refreshes: a merge keeps the selection, the top visible run and an
// open name editor (which still renames the right run), on 100,000 runs as on a few.

#include "../models/run_table_builder.h"
#include "run_filter_proxy.h"
#include "run_table_model.h"
#include "runs/run_browser.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QHeaderView>
#include <QLineEdit>
#include <QPointer>
#include <QSignalSpy>
#include <QTest>

using namespace reprise;
using reprise::test::makeTable;
using reprise::test::RunSpec;

namespace {

/// `count` runs numbered from `first`, newest first.
std::shared_ptr<const RunTable> table(int first, int count, const QString& changedName = {})
{
    QList<RunSpec> runs;
    runs.reserve(count);
    for (int i = first + count - 1; i >= first; --i) {
        RunSpec r;
        r.id = QStringLiteral("%1-run").arg(i, 8, 16, QLatin1Char('0'));
        r.name = QStringLiteral("run %1").arg(i);
        r.status = i % 6 == 5 ? QStringLiteral("failed") : QStringLiteral("finished");
        r.start = 1.7e9 + i * 60.0;
        r.end = r.start + (i % 97) * 10.0;
        r.params.insert(QStringLiteral("lr"), QString::number((i % 50) / 1000.0));
        r.metrics.insert(QStringLiteral("acc"), (i % 1000) / 1000.0);
        runs << r;
    }
    if (!changedName.isEmpty())
        runs[1].name = changedName;
    return makeTable(runs);
}

QString idOf(int i) { return QStringLiteral("%1-run").arg(i, 8, 16, QLatin1Char('0')); }

} // namespace

class TestRunBrowser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void editorSurvivesAMergeAndRenamesTheRightRun();
    void anotherSourceResets();
    void renameByKeyboardAfterArchiveMerges();
    void newColumnsKeepTheSortAndHiddenColumns();
    void refreshAdding1000To100kKeepsSelectionAndTopRow();
    void theCurrentCellIsFramedWhileTheTableHasTheKeyboard();
};

void TestRunBrowser::editorSurvivesAMergeAndRenamesTheRightRun()
{
    RunBrowser browser;
    QAbstractItemModelTester modelTester(browser.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(browser.proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    browser.resize(900, 500);
    browser.show();
    QVERIFY(QTest::qWaitForWindowExposed(&browser));
    browser.showRuns(QStringLiteral("a.db"), table(0, 40), 2e9);
    const QString edited = idOf(30);
    browser.selectRunIds({ edited, idOf(20) });
    RunTableView* view = browser.view();
    const QModelIndex cell = browser.proxy()->mapFromSource(browser.model()->index(9, RunTableModel::NameColumn));
    QCOMPARE(cell.data(RunTableModel::RunIdRole).toString(), edited);
    QSignalSpy renamedEarly(browser.model(), &RunTableModel::renameRequested);
    view->edit(cell);
    QVERIFY(view->isEditing());
    QPointer<QLineEdit> editor = view->viewport()->findChild<QLineEdit*>();
    QVERIFY(editor);
    editor->setText(QStringLiteral("half typed"));

    // New runs above it, another run renamed, one removed.
    QSignalSpy resets(browser.model(), &QAbstractItemModel::modelReset);
    QSignalSpy selection(&browser, &RunBrowser::selectionChanged);
    auto next = table(0, 45, QStringLiteral("renamed elsewhere"));
    browser.showRuns(QStringLiteral("a.db"), next, 2e9);
    QVERIFY(resets.isEmpty());
    QVERIFY(selection.isEmpty()); // the same runs are selected
    QCOMPARE(browser.selectedRunIds(), (QStringList { edited, idOf(20) }));
    QVERIFY(editor);
    QVERIFY(view->isEditing());
    QCOMPARE(editor->text(), QStringLiteral("half typed"));
    const QModelIndex moved = browser.proxy()->mapFromSource(browser.model()->index(14, RunTableModel::NameColumn));
    QCOMPARE(moved.data(RunTableModel::RunIdRole).toString(), edited);
    QTRY_COMPARE(editor->geometry().top(), view->visualRect(moved).top());

    QVERIFY(renamedEarly.isEmpty());
    QSignalSpy renamed(browser.model(), &RunTableModel::renameRequested);
    editor->setText(QStringLiteral("the new name"));
    QTest::keyClick(editor.data(), Qt::Key_Return);
    QTRY_COMPARE(renamed.size(), 1); // the delegate commits queued
    QCOMPARE(renamed.first().at(0).toString(), edited);
    QCOMPARE(renamed.first().at(1).toString(), QStringLiteral("the new name"));
    QTRY_VERIFY(!view->isEditing());

    // A refresh that removes a selected run says so once.
    auto without = makeTable([&] {
        QList<RunSpec> runs;
        for (int i = 44; i >= 0; --i) {
            if (i == 20)
                continue;
            RunSpec r;
            r.id = idOf(i);
            r.name = QStringLiteral("run %1").arg(i);
            r.start = 1.7e9 + i * 60.0;
            r.end = r.start + (i % 97) * 10.0;
            runs << r;
        }
        return runs;
    }());
    browser.showRuns(QStringLiteral("a.db"), without, 2e9);
    QCOMPARE(selection.size(), 1);
    QCOMPARE(selection.first().first().toStringList(), QStringList { edited });
}

void TestRunBrowser::renameByKeyboardAfterArchiveMerges()
{
    // Archiving hides a run (a merge removes it from the proxy), restoring shows it again (a merge
    // inserts it back); F2 on it then renames that run.
    RunBrowser browser;
    QAbstractItemModelTester proxyTester(browser.proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    browser.resize(900, 500);
    browser.show();
    QVERIFY(QTest::qWaitForWindowExposed(&browser));
    QList<RunSpec> runs;
    for (int i = 29; i >= 0; --i) {
        RunSpec r;
        r.id = idOf(i);
        r.name = QStringLiteral("run %1").arg(i);
        r.start = i;
        r.end = i + 1;
        runs << r;
    }
    browser.showRuns(QStringLiteral("a.db"), makeTable(runs), 2e9);
    const QString id = idOf(20);
    browser.selectRunIds({ id });
    runs[9].archived = true;
    browser.showRuns(QStringLiteral("a.db"), makeTable(runs), 2e9);
    QCOMPARE(browser.proxy()->rowCount(), 29);
    runs[9].archived = false;
    browser.showRuns(QStringLiteral("a.db"), makeTable(runs), 2e9);
    QCOMPARE(browser.proxy()->rowCount(), 30);
    browser.selectRunIds({ id });
    RunTableView* view = browser.view();
    const QModelIndex cell = browser.proxy()->mapFromSource(browser.model()->index(9, RunTableModel::NameColumn));
    QCOMPARE(cell.data(RunTableModel::RunIdRole).toString(), id);
    view->selectionModel()->setCurrentIndex(cell, QItemSelectionModel::NoUpdate);
    view->setFocus();
    QTest::keyClick(view, Qt::Key_F2);
    auto* editor = qobject_cast<QLineEdit*>(QApplication::focusWidget());
    QVERIFY(editor);
    QSignalSpy renamed(browser.model(), &RunTableModel::renameRequested);
    editor->setText(QStringLiteral("renamed by keyboard"));
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_COMPARE(renamed.size(), 1);
    QCOMPARE(renamed.first().at(0).toString(), id);
}

void TestRunBrowser::anotherSourceResets()
{
    RunBrowser browser;
    browser.showRuns(QStringLiteral("a.db"), table(0, 10), 2e9);
    browser.selectRunIds({ idOf(3) });
    QSignalSpy resets(browser.model(), &QAbstractItemModel::modelReset);
    browser.showRuns(QStringLiteral("b.db"), table(0, 10), 2e9);
    QCOMPARE(resets.size(), 1);
    QCOMPARE(browser.source(), QStringLiteral("b.db"));
    QVERIFY(browser.selectedRunIds().isEmpty());
}

void TestRunBrowser::newColumnsKeepTheSortAndHiddenColumns()
{
    RunBrowser browser;
    browser.setHiddenColumns({ QStringLiteral("param:hidden") });
    QList<RunSpec> runs;
    for (int i = 9; i >= 0; --i) {
        RunSpec r;
        r.id = idOf(i);
        r.start = i;
        r.params.insert(QStringLiteral("lr"), QString::number(i));
        r.metrics.insert(QStringLiteral("acc"), (i * 7) % 10);
        runs << r;
    }
    browser.showRuns(QStringLiteral("a.db"), makeTable(runs), 2e9);
    const int acc = RunTableModel::FixedColumnCount + 1;
    QCOMPARE(browser.model()->columnKey(acc), QStringLiteral("acc"));
    browser.view()->sortByColumn(acc, Qt::AscendingOrder);
    for (RunSpec& r : runs) {
        r.params.insert(QStringLiteral("batch"), QStringLiteral("8"));
        r.params.insert(QStringLiteral("hidden"), QStringLiteral("x"));
    }
    browser.showRuns(QStringLiteral("a.db"), makeTable(runs), 2e9);
    QCOMPARE(browser.model()->columnKey(acc + 2), QStringLiteral("acc"));
    QCOMPARE(browser.proxy()->sortColumn(), acc + 2);
    QCOMPARE(browser.view()->horizontalHeader()->sortIndicatorSection(), acc + 2);
    QVERIFY(browser.view()->isColumnHidden(RunTableModel::FixedColumnCount + 1)); // "hidden"
    QVERIFY(!browser.view()->isColumnHidden(RunTableModel::FixedColumnCount));
    QCOMPARE(browser.proxy()->index(0, acc + 2).data().toString(), QStringLiteral("0"));
}

void TestRunBrowser::refreshAdding1000To100kKeepsSelectionAndTopRow()
{
    RunBrowser browser;
    browser.resize(1200, 700);
    browser.show();
    QVERIFY(QTest::qWaitForWindowExposed(&browser));
    browser.showRuns(QStringLiteral("big.db"), table(0, 100000), 2e9);
    QCOMPARE(browser.proxy()->rowCount(), 100000);
    // Newest first; look at the middle of the table and select a few runs there and far away.
    const QStringList selected { idOf(50000), idOf(49990), idOf(12) };
    browser.selectRunIds(selected);
    browser.scrollToRunId(idOf(50003));
    QCOMPARE(browser.topVisibleRunId(), idOf(50003));
    const auto next = table(0, 101000);

    QSignalSpy modelResets(browser.model(), &QAbstractItemModel::modelReset);
    QSignalSpy proxyResets(browser.proxy(), &QAbstractItemModel::modelReset);
    QSignalSpy proxyLayouts(browser.proxy(), &QAbstractItemModel::layoutChanged);
    QSignalSpy inserted(browser.proxy(), &QAbstractItemModel::rowsInserted);
    QSignalSpy selection(&browser, &RunBrowser::selectionChanged);
    browser.showRuns(QStringLiteral("big.db"), RunTableModel::diff(browser.model()->runs(), next), 2e9);
    QCOMPARE(modelResets.size(), 0);
    QCOMPARE(proxyResets.size(), 0);
    QCOMPARE(proxyLayouts.size(), 0);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(selection.size(), 0);
    QCOMPARE(browser.proxy()->rowCount(), 101000);
    QCOMPARE(browser.topVisibleRunId(), idOf(50003));
    QStringList now = browser.selectedRunIds();
    QCOMPARE(now, selected);
    QCOMPARE(browser.proxy()->index(0, 0).data(RunTableModel::RunIdRole).toString(), idOf(100999));

    // The same with a filter and a sort by a param: the new runs land all over the table.
    QVERIFY(browser.proxy()->setFilterText(QStringLiteral("lr < 0.03")));
    browser.view()->sortByColumn(RunTableModel::FixedColumnCount, Qt::AscendingOrder);
    const QStringList kept { idOf(50000), idOf(50001), idOf(12) }; // all with lr < 0.03
    browser.selectRunIds(kept);
    QCOMPARE(browser.selectedRunIds().size(), 3);
    browser.scrollToRunId(idOf(50000));
    const QString top = browser.topVisibleRunId();
    QCOMPARE(top, idOf(50000));
    const int shownBefore = browser.proxy()->rowCount();
    browser.showRuns(QStringLiteral("big.db"), table(0, 102000), 2e9);
    QCOMPARE(modelResets.size(), 0);
    QCOMPARE(proxyResets.size(), 0);
    QCOMPARE(browser.proxy()->rowCount(), shownBefore + 600); // lr < 0.03 for 30 in 50
    QCOMPARE(browser.topVisibleRunId(), top);
    QCOMPARE(browser.selectedRunIds().size(), 3);
    now = browser.selectedRunIds();
    QCOMPARE(QSet<QString>(now.begin(), now.end()), QSet<QString>(kept.begin(), kept.end()));
}

void TestRunBrowser::theCurrentCellIsFramedWhileTheTableHasTheKeyboard()
{
    // Whole rows are selected, so the current cell (the column the arrows are on, the one Sort by
    // This Column sorts by) needs a mark of its own: a frame in the text colour while the table has focus.
    RunBrowser browser;
    browser.resize(900, 500);
    browser.show();
    browser.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&browser));
    browser.showRuns(QStringLiteral("a.db"), table(0, 20), 2e9);
    RunTableView* view = browser.view();
    const QModelIndex cell = browser.proxy()->index(2, RunTableModel::StartedColumn);
    view->selectionModel()->setCurrentIndex(cell, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    view->scrollTo(cell);
    const QRect rect = view->visualRect(cell);
    QVERIFY(rect.isValid());
    const QPoint edge(rect.center().x(), rect.top() + 1);
    browser.filterEdit()->setFocus();
    QTRY_VERIFY(!view->hasFocus());
    const QImage unfocused = view->viewport()->grab().toImage();
    view->setFocus();
    QTRY_VERIFY(view->hasFocus());
    const QImage focused = view->viewport()->grab().toImage();
    const QColor text = view->palette().color(QPalette::Text);
    QCOMPARE(focused.pixelColor(edge).rgb(), text.rgb());
    QVERIFY(unfocused.pixelColor(edge).rgb() != text.rgb());
    // Only the current cell: the next cell of the same (selected) row has no frame.
    const QRect next = view->visualRect(browser.proxy()->index(2, RunTableModel::DurationColumn));
    QVERIFY(focused.pixelColor(next.center().x(), next.top() + 1).rgb() != text.rgb());
}

QTEST_MAIN(TestRunBrowser)
#include "tst_run_browser.moc"
