// The Reruns panel's log stays bounded however much a rerun prints: the newest lines are shown,
// and the panel says that earlier ones were dropped and where the full output is. A real rerun.

#include "../core/recorded_run.h"
#include "launch/rerun_draft.h"
#include "launch/rerun_queue.h"
#include "rerun/rerun_panel.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace reprise;

class TestRerunPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void logKeepsTheNewestLinesOnly();
    void shortLogHasNoNotice();

private:
    /// Reruns `argv` (recorded in a fresh database) in `panel`'s queue and waits until it ended.
    void rerunAndWait(RerunQueue& queue, const QStringList& argv);
    QTemporaryDir m_dir;
};

void TestRerunPanel::rerunAndWait(RerunQueue& queue, const QStringList& argv)
{
    QVERIFY(m_dir.isValid());
    static int n = 0;
    const QString work = m_dir.filePath(QStringLiteral("work%1").arg(++n)); // not in git: runs in place
    QVERIFY(QDir().mkpath(work));
    const QString db = work + QStringLiteral("/runs.db");
    const QString original = recordFinishedRun(db, argv, work);
    QVERIFY(!original.isEmpty());
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    QVERIFY(store);
    RerunDraft draft = makeRerunDraft(*store->loadRun(original), db);
    draft.mode = CodeMode::InPlace;
    const int job = queue.enqueue(draft);
    // Every output chunk reaches the panel before the job's end does (both queued, in order).
    QTRY_VERIFY_WITH_TIMEOUT(queue.job(job)->isFinal(), 60000);
    QCOMPARE(toString(queue.job(job)->state), QStringLiteral("done"));
}

void TestRerunPanel::logKeepsTheNewestLinesOnly()
{
    RerunQueue queue;
    RerunPanel panel(&queue);
    const int lines = RerunPanel::kMaxLogLines * 5 / 2;
    rerunAndWait(queue, { "seq", "1", QString::number(lines) });
    QVERIFY(!QTest::currentTestFailed());

    // The bound holds, and what is shown is the newest: the last lines `seq` printed, in order up to
    // the last one (then the launcher's line saying how the run ended).
    QCOMPARE(panel.logLineCount(), RerunPanel::kMaxLogLines);
    const QStringList shown = panel.logText().split(u'\n');
    QCOMPARE(shown.size(), RerunPanel::kMaxLogLines);
    const qsizetype last = shown.indexOf(QString::number(lines));
    QVERIFY(last > RerunPanel::kMaxLogLines / 2);
    for (qsizetype i = 0; i <= last; ++i)
        QCOMPARE(shown.at(i), QString::number(lines - last + i));
    QVERIFY(shown.at(last + 1).contains(QStringLiteral("finished (exit code 0)")));
    QVERIFY(panel.logNotice().contains(QStringLiteral("earlier lines dropped")));
    QVERIFY(panel.logNotice().contains(QStringLiteral("the full output is in the run's record")));
}

void TestRerunPanel::shortLogHasNoNotice()
{
    RerunQueue queue;
    RerunPanel panel(&queue);
    rerunAndWait(queue, { "seq", "1", "3" });
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(panel.logText().contains(QStringLiteral("\n1\n2\n3\n")));
    QCOMPARE(panel.logNotice(), QString());
}

QTEST_MAIN(TestRerunPanel)
#include "tst_rerun_panel.moc"
