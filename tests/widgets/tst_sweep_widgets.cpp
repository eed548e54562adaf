// The sweep dialog, a running sweep's progress view (real processes through the rerun queues), and
// the importance panel on a generated project where one param drives the metric. Off-screen.

#include "../core/recorded_run.h"
#include "analysis/plot_table.h"
#include "importance/importance_panel.h"
#include "sweep/sweep_actions.h"
#include "sweep/sweep_dialog.h"
#include "sweep/sweep_progress.h"
#include "sweep/sweep_runner.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <memory>

using namespace reprise;

namespace {

/// A finished run of `argv` in `dir` (not a git work tree: reruns run in place) with params.
QString recordRun(
    const QString& db, const QStringList& argv, const QString& dir, const QMap<QString, ParamValue>& params)
{
    auto store = RunStore::open(db, OpenMode::Create);
    if (!store)
        return {};
    NewRun run;
    run.project = QStringLiteral("tests");
    run.name = QStringLiteral("base");
    run.launch.argv = argv;
    run.launch.workingDir = dir;
    run.params = params;
    run.startTime = nowSeconds();
    auto ref = store->createRun(run);
    if (!ref || !store->finishRun(ref->rowId, RunStatus::Finished, 0, nowSeconds()))
        return {};
    return ref->uuid;
}

RerunDraft draftOf(const QString& db, const QString& id)
{
    auto store = RunStore::open(db, OpenMode::ReadOnly);
    return makeRerunDraft(*store->loadRun(id), db);
}

const QMap<QString, ParamValue> kParams { { QStringLiteral("lr"), ParamValue { "0.01", "float" } },
    { QStringLiteral("seed"), ParamValue { "0", "int" } }, { QStringLiteral("opt"), ParamValue { "sgd", "str" } } };

} // namespace

class TestSweepWidgets : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void dialogPreviewsMembersAndTheirCount();
    void dialogRefusesBadValuesAndLargeOrUntrustedSweeps();
    void dialogDrawsTheSameMembersForASeed();
    void progressFollowsASweepToTheEnd();
    void progressCancelKillsTheRunningMember();
    void actionsOpenTheDialogAndStartASweep();
    void importancePanelRanksTheDrivingParamFirst();

private:
    QTemporaryDir m_dir;
    QString m_work;
    QString m_db;
    QString m_quick; ///< a run whose command ends at once
    QString m_slow; ///< a run whose command waits 60 s
};

void TestSweepWidgets::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_work = m_dir.filePath(QStringLiteral("work"));
    QVERIFY(QDir().mkpath(m_work));
    m_db = m_dir.filePath(QStringLiteral("runs.db"));
    m_quick = recordRun(m_db, { "sh", "-c", "exit 0" }, m_work, kParams);
    m_slow = recordRun(m_db, { "sh", "-c", "echo $$ >> started; exec sleep 60" }, m_work, kParams);
    QVERIFY(!m_quick.isEmpty() && !m_slow.isEmpty());
}

void TestSweepWidgets::dialogPreviewsMembersAndTheirCount()
{
    const RerunDraft draft = draftOf(m_db, m_quick);
    SweepDialog dialog(draft, checkRerunDraft(draft));
    dialog.show();
    QVERIFY(!dialog.isValid());
    QVERIFY(!dialog.runButton()->isEnabled());
    QVERIFY(dialog.commandText().contains("sh -c 'exit 0'"));
    QCOMPARE(dialog.paramsTable()->rowCount(), 3);

    dialog.setSweep(QStringLiteral("lr"), QStringLiteral("0.001,0.01,0.1"));
    dialog.setSweep(QStringLiteral("seed"), QStringLiteral("0,1,2"));
    QVERIFY2(dialog.isValid(), qPrintable(dialog.errorText()));
    QVERIFY2(dialog.countText().contains("9 members"), qPrintable(dialog.countText()));
    QCOMPARE(dialog.membersTable()->rowCount(), 9);
    QCOMPARE(dialog.membersTable()->columnCount(), 3);
    QCOMPARE(dialog.membersTable()->item(4, 1)->text(), QStringLiteral("0.01"));
    QCOMPARE(dialog.membersTable()->item(4, 2)->text(), QStringLiteral("1"));
    QVERIFY(dialog.runButton()->isEnabled());
    QVERIFY(!dialog.largeConfirmation()->isVisible());
    QVERIFY(!dialog.trustConfirmation()->isVisible());

    dialog.setParallel(3);
    const SweepPlan plan = dialog.plan();
    QCOMPARE(dialog.parallel(), 3);
    QCOMPARE(plan.members.size(), 9);
    const RerunDraft member = plan.memberDraft(5);
    QCOMPARE(member.params.value(QStringLiteral("lr")).value, QStringLiteral("0.01"));
    QCOMPARE(member.params.value(QStringLiteral("seed")).value, QStringLiteral("2"));
    QCOMPARE(member.params.value(QStringLiteral("opt")).value, QStringLiteral("sgd"));
    QCOMPARE(member.tags.value(QStringLiteral("sweep.id")), plan.id);
    QCOMPARE(member.tags.value(QStringLiteral("sweep.index")), QStringLiteral("5"));
}

void TestSweepWidgets::dialogRefusesBadValuesAndLargeOrUntrustedSweeps()
{
    RerunDraft draft = draftOf(m_db, m_quick);
    {
        SweepDialog dialog(draft, checkRerunDraft(draft));
        dialog.setSweep(QStringLiteral("seed"), QStringLiteral("0,one"));
        QVERIFY(!dialog.isValid());
        QVERIFY2(dialog.errorText().contains("'one' is not a value of type int"), qPrintable(dialog.errorText()));
        QVERIFY(!dialog.runButton()->isEnabled());
        dialog.setSweep(QStringLiteral("seed"), QString());
        dialog.setSweep(QStringLiteral("opt"), QStringLiteral("uniform:0:1"));
        QVERIFY2(dialog.errorText().contains("choice:"), qPrintable(dialog.errorText()));

        // Over 1,000 members: listed in part, run only once confirmed.
        QStringList seeds;
        for (int i = 0; i < 1001; ++i)
            seeds << QString::number(i);
        dialog.setSweep(QStringLiteral("opt"), QString());
        dialog.setSweep(QStringLiteral("seed"), seeds.join(u','));
        dialog.show();
        QVERIFY(dialog.isValid());
        QVERIFY2(dialog.countText().contains("1001"), qPrintable(dialog.countText()));
        QCOMPARE(dialog.membersTable()->rowCount(), SweepDialog::kPreviewRows);
        QVERIFY(dialog.largeConfirmation()->isVisible());
        QVERIFY(!dialog.runButton()->isEnabled());
        dialog.largeConfirmation()->setChecked(true);
        QVERIFY(dialog.runButton()->isEnabled());
    }
    // An untrusted source: the confirmation box first; loader variables held back and said so.
    draft.environment.insert(QStringLiteral("PYTHONPATH"), QStringLiteral("/elsewhere"));
    setTrust(draft, true, QStringLiteral("it belongs to another user (uid 65534)"));
    SweepDialog dialog(draft, checkRerunDraft(draft));
    dialog.show();
    dialog.setSweep(QStringLiteral("lr"), QStringLiteral("0.1,0.2"));
    QVERIFY(dialog.isValid());
    QVERIFY(dialog.trustConfirmation()->isVisible());
    QVERIFY(dialog.commandText().contains("PYTHONPATH=/elsewhere   (NOT applied"));
    QVERIFY(!dialog.runButton()->isEnabled());
    dialog.trustConfirmation()->setChecked(true);
    QVERIFY(dialog.runButton()->isEnabled());
}

void TestSweepWidgets::dialogDrawsTheSameMembersForASeed()
{
    const RerunDraft draft = draftOf(m_db, m_quick);
    const auto members = [&draft](int seed) {
        SweepDialog dialog(draft, {});
        dialog.setSweep(QStringLiteral("lr"), QStringLiteral("loguniform:0.0001:0.1"));
        dialog.setSweep(QStringLiteral("opt"), QStringLiteral("choice:sgd,adam"));
        dialog.setSweep(QStringLiteral("seed"), QStringLiteral("0,1"));
        dialog.setSamples(4);
        dialog.setSeed(seed);
        QStringList out;
        for (const SweepMember& member : dialog.plan().members)
            out << memberText(dialog.plan().spec, member);
        return out;
    };
    const QStringList first = members(3);
    QCOMPARE(first.size(), 8);
    QCOMPARE(members(3), first);
    QVERIFY(members(4) != first);
}

void TestSweepWidgets::progressFollowsASweepToTheEnd()
{
    SweepPlan plan;
    plan.id = newSweepId();
    plan.base = draftOf(m_db, m_quick);
    plan.spec = *parseSweepSpec({ QStringLiteral("seed=1,2,3") }, {});
    plan.members = *expandSweep(plan.spec, plan.base);
    SweepRunner runner(plan, 2);
    SweepProgressView view(&runner);
    view.show();
    QSignalSpy recorded(&view, &SweepProgressView::runRecorded);
    QSignalSpy finished(&view, &SweepProgressView::finished);
    QVERIFY2(view.summaryText().contains("3 queued"), qPrintable(view.summaryText()));
    runner.start();
    QVERIFY(finished.wait(60000));
    QVERIFY2(view.summaryText().contains("3 done"), qPrintable(view.summaryText()));
    QCOMPARE(view.progressBar()->value(), 3);
    QCOMPARE(recorded.size(), 3);
    QVERIFY(!view.cancelButton()->isEnabled());
    for (int row = 0; row < 3; ++row) {
        QCOMPARE(view.membersTable()->item(row, 2)->text(), QStringLiteral("done"));
        QCOMPARE(view.membersTable()->item(row, 3)->text().size(), 8);
    }
    const QList<RunRecord> members = rerunsOf(m_db, m_quick);
    QCOMPARE(members.size(), 3);
    for (const RunRecord& run : members)
        QCOMPARE(run.tags.value(QStringLiteral("sweep.id")), plan.id);
}

void TestSweepWidgets::progressCancelKillsTheRunningMember()
{
    SweepPlan plan;
    plan.id = newSweepId();
    plan.base = draftOf(m_db, m_slow);
    plan.spec = *parseSweepSpec({ QStringLiteral("seed=1,2,3") }, {});
    plan.members = *expandSweep(plan.spec, plan.base);
    SweepRunner runner(plan, 1);
    runner.setGracePeriod(2000);
    SweepProgressView view(&runner);
    QSignalSpy finished(&view, &SweepProgressView::finished);
    runner.start();
    QTRY_VERIFY_WITH_TIMEOUT(!runner.member(0).runId.isEmpty(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(m_work + QStringLiteral("/started")).size() > 0, 20000);
    QTest::mouseClick(view.cancelButton(), Qt::LeftButton);
    QVERIFY(finished.wait(30000));
    QVERIFY2(view.summaryText().contains("3 cancelled"), qPrintable(view.summaryText()));
    const QList<RunRecord> members = rerunsOf(m_db, m_slow);
    QCOMPARE(members.size(), 1);
    QCOMPARE(int(members.first().status), int(RunStatus::Killed));
    QCOMPARE(members.first().tags.value(QStringLiteral("sweep.index")), QStringLiteral("0"));
    QVERIFY(databaseIntact(m_db));
}

void TestSweepWidgets::actionsOpenTheDialogAndStartASweep()
{
    SweepActions actions(
        [this](const QString&) { return m_db; }, m_dir.filePath(QStringLiteral("default.db")), nullptr);
    QSignalSpy shown(&actions, &SweepActions::dialogShown);
    QSignalSpy started(&actions, &SweepActions::sweepStarted);
    QSignalSpy finished(&actions, &SweepActions::sweepFinished);
    QSignalSpy recorded(&actions, &SweepActions::runRecorded);
    QSignalSpy failed(&actions, &SweepActions::failed);
    QVERIFY(!actions.sweepAction()->isEnabled());
    actions.setSelectedRuns({ m_quick, m_slow });
    QVERIFY(!actions.sweepAction()->isEnabled());
    actions.setSelectedRuns({ m_quick });
    QVERIFY(actions.sweepAction()->isEnabled());
    actions.sweepAction()->trigger();
    QVERIFY(shown.wait(20000));
    SweepDialog* dialog = actions.dialog();
    QVERIFY(dialog);
    dialog->setSweep(QStringLiteral("seed"), QStringLiteral("4,5"));
    QVERIFY(dialog->runButton()->isEnabled());
    dialog->runButton()->click();
    QCOMPARE(started.size(), 1);
    std::unique_ptr<SweepProgressView> view(started.first().first().value<SweepProgressView*>());
    QVERIFY(view);
    QVERIFY(finished.wait(60000));
    QCOMPARE(recorded.size(), 2);
    QCOMPARE(recorded.first().first().toString(), m_db);
    QVERIFY2(view->summaryText().contains("2 done"), qPrintable(view->summaryText()));
    QCOMPARE(actions.runners().size(), 1);

    // A run that is not there: said, no dialog.
    QTRY_VERIFY(!actions.dialog());
    actions.sweep(QStringLiteral("abcdef123456"));
    QVERIFY(failed.wait(20000));
    QVERIFY2(failed.first().first().toString().contains("abcdef123456"), qPrintable(failed.first().first().toString()));
}

void TestSweepWidgets::importancePanelRanksTheDrivingParamFirst()
{
    // A generated project: lr drives val_acc; seed and the optimizer barely touch it; 5 runs never
    // logged it.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("project.db"));
    auto store = RunStore::open(db, OpenMode::Create);
    QVERIFY(store);
    const QStringList lrs { "0.0001", "0.001", "0.01", "0.1" };
    for (int i = 0; i < 80; ++i) {
        NewRun run;
        run.params.insert(QStringLiteral("lr"), ParamValue { lrs[i % 4], "float" });
        run.params.insert(QStringLiteral("seed"), ParamValue { QString::number(i / 4 % 5), "int" });
        run.params.insert(
            QStringLiteral("optimizer"), ParamValue { QString::fromLatin1(i / 20 % 2 ? "adam" : "sgd"), "str" });
        auto ref = store->createRun(run);
        QVERIFY(ref);
        if (i % 16 == 3)
            continue;
        const qint64 step = 0;
        const double value
            = 0.5 + 0.1 * std::log10(lrs[i % 4].toDouble()) * -1 + 0.003 * (i / 4 % 5) + (i / 20 % 2 ? 0.002 : 0),
            time = 0;
        QVERIFY(store->logMetric(ref->rowId, QStringLiteral("val_acc"), { &step, 1 }, { &value, 1 }, { &time, 1 }));
    }
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    std::vector<std::size_t> rows(table->rowCount());
    std::iota(rows.begin(), rows.end(), 0);

    ImportancePanel panel;
    panel.resize(500, 300);
    panel.show();
    QSignalSpy ready(&panel, &ImportancePanel::ready);
    panel.setTable(plotTable(*table, rows));
    QVERIFY(ready.wait(30000));
    QCOMPARE(panel.metric(), QStringLiteral("val_acc"));
    QVERIFY(panel.result().has_value());
    QCOMPARE(panel.rankedParams().value(0), QStringLiteral("lr"));
    QCOMPARE(panel.rankedParams().size(), 3);
    QVERIFY2(panel.messageText().contains("5 of 80 runs have no value of val_acc"), qPrintable(panel.messageText()));
    QVERIFY2(panel.messageText().contains("impurity"), qPrintable(panel.messageText()));
    QVERIFY(panel.result()->params.first().importance > 0.8);
    QVERIFY(!panel.grab().isNull());
}

QTEST_MAIN(TestSweepWidgets)
#include "tst_sweep_widgets.moc"
