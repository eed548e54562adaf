// Undo steps belong to the database their change was written to: with two real databases, an edit
// in A is undone (and redone) in A after B became current, B untouched; a closed or vanished A
// refuses the undo with a message and the step is kept.

#include "../core/recorded_run.h"
#include "run_actions.h"
#include "run_table_model.h"
#include "runs/run_browser.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <memory>

using namespace reprise;

namespace {

/// Names of every run of `db`, by id.
QMap<QString, QString> namesIn(const QString& db)
{
    QMap<QString, QString> names;
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    if (!store)
        return names;
    auto table = loadRunTable(store->database());
    if (!table)
        return names;
    for (std::size_t row = 0; row < table->uuids.size(); ++row)
        names.insert(table->uuids[row], table->names.at(row));
    return names;
}

/// Shows the runs of `db` in `browser`, as the window does for its current source.
bool show(RunBrowser& browser, const QString& db)
{
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    if (!store)
        return false;
    auto table = loadRunTable(store->database());
    if (!table)
        return false;
    browser.model()->setRuns(std::make_shared<const RunTable>(std::move(*table)), nowSeconds());
    return true;
}

} // namespace

class TestRunActions : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void undoWritesToTheSourceOfItsEdit();
    void undoInAClosedSourceIsRefusedAndKept();
    void undoInAVanishedSourceIsRefusedAndKept();

private:
    /// Renames the run of A while A is current, then makes B current.
    void renameInAThenSwitchToB();

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_a, m_b, m_runA, m_runB, m_current;
    std::unique_ptr<RunBrowser> m_browser;
    std::unique_ptr<RunActions> m_actions;
};

void TestRunActions::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_a = m_dir->filePath(QStringLiteral("a.db"));
    m_b = m_dir->filePath(QStringLiteral("b.db"));
    m_runA = recordFinishedRun(m_a, { "true" }, m_dir->path());
    m_runB = recordFinishedRun(m_b, { "true" }, m_dir->path());
    QVERIFY(!m_runA.isEmpty() && !m_runB.isEmpty());
    m_actions.reset();
    m_browser = std::make_unique<RunBrowser>();
    m_current = m_a;
    m_actions = std::make_unique<RunActions>(
        m_browser.get(), [this](const QStringList&) { return m_current; }, [](const QString&) { return QString(); });
}

void TestRunActions::renameInAThenSwitchToB()
{
    QVERIFY(show(*m_browser, m_a));
    m_actions->rename(m_runA, QStringLiteral("renamed in A"));
    QTRY_COMPARE_WITH_TIMEOUT(m_actions->undoStack()->count(), 1, 10000);
    QCOMPARE(namesIn(m_a).value(m_runA), QStringLiteral("renamed in A"));
    QCOMPARE(m_actions->undoPath(), m_a);
    m_current = m_b;
    QVERIFY(show(*m_browser, m_b));
}

void TestRunActions::undoWritesToTheSourceOfItsEdit()
{
    renameInAThenSwitchToB();
    QVERIFY(!QTest::currentTestFailed());
    const QMap<QString, QString> inB = namesIn(m_b);
    QSignalSpy written(m_actions.get(), &RunActions::written);
    QSignalSpy refused(m_actions.get(), &RunActions::refused);

    m_actions->undoStack()->undo();
    QTRY_COMPARE_WITH_TIMEOUT(written.count(), 1, 10000);
    QCOMPARE(refused.count(), 0);
    QCOMPARE(namesIn(m_a).value(m_runA), QStringLiteral("original"));
    QCOMPARE(namesIn(m_b), inB);

    // Redo goes to A as well.
    QCOMPARE(m_actions->redoPath(), m_a);
    m_actions->undoStack()->redo();
    QTRY_COMPARE_WITH_TIMEOUT(written.count(), 2, 10000);
    QCOMPARE(refused.count(), 0);
    QCOMPARE(namesIn(m_a).value(m_runA), QStringLiteral("renamed in A"));
    QCOMPARE(namesIn(m_b), inB);
}

void TestRunActions::undoInAClosedSourceIsRefusedAndKept()
{
    renameInAThenSwitchToB();
    QVERIFY(!QTest::currentTestFailed());
    const QMap<QString, QString> inB = namesIn(m_b);
    bool aOpen = false; // A was closed in the window
    m_actions->setSourceOpen([&](const QString& path) { return path != m_a || aOpen; });
    QSignalSpy written(m_actions.get(), &RunActions::written);
    QSignalSpy refused(m_actions.get(), &RunActions::refused);

    m_actions->undoStack()->undo();
    QCOMPARE(refused.count(), 1);
    QVERIFY2(refused.first().first().toString().contains(QStringLiteral("was closed")),
        qPrintable(refused.first().first().toString()));
    // The step is back in place (nothing lost), and nothing was written anywhere.
    QTRY_COMPARE_WITH_TIMEOUT(m_actions->undoStack()->index(), 1, 10000);
    QVERIFY(m_actions->undoStack()->canUndo());
    QCOMPARE(m_actions->undoPath(), m_a);
    QCOMPARE(written.count(), 0);
    QCOMPARE(namesIn(m_a).value(m_runA), QStringLiteral("renamed in A"));
    QCOMPARE(namesIn(m_b), inB);

    // Opened again: the same undo works, in A.
    aOpen = true;
    m_actions->undoStack()->undo();
    QTRY_COMPARE_WITH_TIMEOUT(written.count(), 1, 10000);
    QCOMPARE(refused.count(), 1);
    QCOMPARE(m_actions->undoStack()->index(), 0);
    QCOMPARE(namesIn(m_a).value(m_runA), QStringLiteral("original"));
    QCOMPARE(namesIn(m_b), inB);
}

void TestRunActions::undoInAVanishedSourceIsRefusedAndKept()
{
    renameInAThenSwitchToB();
    QVERIFY(!QTest::currentTestFailed());
    const QMap<QString, QString> inB = namesIn(m_b);
    // A's files move away (an unmounted drive), its write-ahead log and index with it.
    const QString away = m_dir->filePath(QStringLiteral("away"));
    QVERIFY(QDir().mkpath(away));
    const QStringList suffixes { QString(), QStringLiteral("-wal"), QStringLiteral("-shm") };
    for (const QString& suffix : suffixes)
        if (QFileInfo::exists(m_a + suffix))
            QVERIFY(QFile::rename(m_a + suffix, away + QStringLiteral("/a.db") + suffix));
    QSignalSpy written(m_actions.get(), &RunActions::written);
    QSignalSpy refused(m_actions.get(), &RunActions::refused);

    m_actions->undoStack()->undo();
    QTRY_COMPARE_WITH_TIMEOUT(refused.count(), 1, 10000);
    QVERIFY2(refused.first().first().toString().contains(QStringLiteral("not found")),
        qPrintable(refused.first().first().toString()));
    QTRY_COMPARE_WITH_TIMEOUT(m_actions->undoStack()->index(), 1, 10000);
    QCOMPARE(written.count(), 0);
    QVERIFY(!QFileInfo::exists(m_a)); // not created anew
    QCOMPARE(namesIn(m_b), inB);

    // Back in place: the undo works.
    for (const QString& suffix : suffixes)
        if (QFileInfo::exists(away + QStringLiteral("/a.db") + suffix))
            QVERIFY(QFile::rename(away + QStringLiteral("/a.db") + suffix, m_a + suffix));
    m_actions->undoStack()->undo();
    QTRY_COMPARE_WITH_TIMEOUT(written.count(), 1, 10000);
    QCOMPARE(namesIn(m_a).value(m_runA), QStringLiteral("original"));
    QCOMPARE(namesIn(m_b), inB);
}

QTEST_MAIN(TestRunActions)
#include "tst_run_actions.moc"
