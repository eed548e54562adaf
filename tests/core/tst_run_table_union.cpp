// The run table over several sources: one row per run, every source named, the filter's `source`.

#include "query/query.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "store/run_table_union.h"

#include <QTemporaryDir>
#include <QTest>

using namespace reprise;

namespace {

struct Run {
    QString uuid;
    double start;
    QString lr;
    std::optional<double> loss;
    QString tag;
};

/// A real database holding `runs`, read back as the window reads it.
std::shared_ptr<const RunTable> tableOf(const QString& path, const QList<Run>& runs)
{
    auto store = RunStore::open(path, OpenMode::Create);
    if (!store)
        qFatal("cannot create %s", qPrintable(path));
    for (const Run& r : runs) {
        NewRun run;
        run.uuid = r.uuid;
        run.project = QStringLiteral("p");
        run.name = QStringLiteral("run ") + r.uuid.left(4);
        run.startTime = r.start;
        if (!r.lr.isEmpty())
            run.params.insert(QStringLiteral("lr"), ParamValue { r.lr, QStringLiteral("float") });
        if (!r.tag.isEmpty())
            run.tags.insert(QStringLiteral("team"), r.tag);
        auto ref = store->createRun(run);
        if (!ref)
            qFatal("createRun: %s", qPrintable(ref.error().message));
        if (r.loss)
            (void)store->logMetrics(ref->rowId, { MetricPoint { QStringLiteral("loss"), 0, *r.loss, r.start } });
    }
    auto table = loadRunTable(store->database());
    if (!table)
        qFatal("loadRunTable: %s", qPrintable(table.error().message));
    return std::make_shared<const RunTable>(std::move(*table));
}

QString id(char c) { return QString(32, QLatin1Char(c)); }

QStringList matching(const RunTable& table, const QString& filter)
{
    auto query = Query::parse(filter);
    if (!query)
        qFatal("parse %s: %s", qPrintable(filter), qPrintable(query.error().message));
    QStringList ids;
    for (std::int32_t row : query->filter(table, 0))
        ids << table.uuids[size_t(row)].left(1);
    return ids;
}

} // namespace

class TestRunTableUnion : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void textRanksOrderIgnoringCaseThenExactly();
    void oneRowPerRunNewestFirstWithEverySource();
    void sourceFilterMatchesAnyOrAllHolders();
    void sameNamesAreToldApart();
    void oneDatabaseTableHasNoSources();
    void aFewChangedRunsArePatchedIn();
};

void TestRunTableUnion::oneRowPerRunNewestFirstWithEverySource()
{
    QTemporaryDir dir;
    const QString alicePath = dir.filePath(QStringLiteral("alice.db"));
    const QString teamPath = dir.filePath(QStringLiteral("team-copy.db"));
    // Alice's run "a" was synced to the team store, which also holds Bob's "b" (other params).
    const auto alice = tableOf(alicePath, { { id('a'), 100, QStringLiteral("0.1"), 0.5, QStringLiteral("vision") } });
    const auto team = tableOf(teamPath,
        { { id('a'), 100, QStringLiteral("0.1"), 0.5, QStringLiteral("vision") },
            { id('b'), 300, QString(), 0.25, QString() }, { id('c'), 200, QStringLiteral("0.3"), {}, QString() } });
    const RunTable all = unionRunTables(
        { { alicePath, QStringLiteral("alice.db"), alice }, { teamPath, QStringLiteral("bob@db/team"), team } });

    QCOMPARE(all.rowCount(), size_t(3));
    QCOMPARE(all.uuids[0], id('b')); // newest first
    QCOMPARE(all.uuids[1], id('c'));
    QCOMPARE(all.uuids[2], id('a'));
    QVERIFY(all.spansSources());
    QCOMPARE(all.sources.at(2), QStringLiteral("alice.db, bob@db/team"));
    QCOMPARE(all.sources.at(0), QStringLiteral("bob@db/team"));
    // Read from the first source holding it (the user's own database).
    QCOMPARE(all.sourcePath(2), alicePath);
    QCOMPARE(all.sourcePath(0), teamPath);
    QCOMPARE(all.sourcePathsOf({ id('c'), id('a'), id('z') }), (QStringList { teamPath, alicePath, QString() }));

    // Columns of every source, values where the run has them, numbers kept numeric.
    const ValueColumn* lr = all.param(QStringLiteral("lr"));
    QVERIFY(lr);
    QCOMPARE(lr->text.at(2), QStringLiteral("0.1"));
    QVERIFY(!lr->text.has(0));
    QCOMPARE(lr->number(1), 0.3);
    const NumberColumn* loss = all.metric(QStringLiteral("loss"));
    QVERIFY(loss);
    QVERIFY(loss->present[0] && loss->present[2] && !loss->present[1]);
    QCOMPARE(loss->values[0], 0.25);
    QCOMPARE(all.tag(QStringLiteral("team"))->text.at(2), QStringLiteral("vision"));
    QCOMPARE(all.names.at(1), QStringLiteral("run cccc"));
    // Sorting needs ranks for every text column of the union.
    QCOMPARE(all.sources.sortRanks.size(), size_t(all.sources.dict.size()));
    QCOMPARE(all.names.sortRanks.size(), size_t(all.names.dict.size()));

    QCOMPARE(matching(all, QStringLiteral("lr < 0.2")), QStringList { QStringLiteral("a") });
}

void TestRunTableUnion::sourceFilterMatchesAnyOrAllHolders()
{
    QTemporaryDir dir;
    const auto mine = tableOf(dir.filePath(QStringLiteral("m.db")), { { id('a'), 1, {}, {}, {} } });
    const auto team
        = tableOf(dir.filePath(QStringLiteral("t.db")), { { id('a'), 1, {}, {}, {} }, { id('b'), 2, {}, {}, {} } });
    const RunTable all = unionRunTables({ { dir.filePath(QStringLiteral("m.db")), QStringLiteral("mine.db"), mine },
        { dir.filePath(QStringLiteral("t.db")), QStringLiteral("alice@server/team"), team } });
    QCOMPARE(matching(all, QStringLiteral("source = \"alice@server/team\"")), (QStringList { "b", "a" }));
    QCOMPARE(matching(all, QStringLiteral("source = mine.db")), QStringList { "a" });
    QCOMPARE(matching(all, QStringLiteral("source != mine.db")), QStringList { "b" });
    QCOMPARE(matching(all, QStringLiteral("source ~ team")), (QStringList { "b", "a" }));
    QCOMPARE(matching(all, QStringLiteral("source !~ team")), QStringList {});
    QCOMPARE(matching(all, QStringLiteral("not source = mine.db and source ~ \"^alice\"")), QStringList { "b" });
}

void TestRunTableUnion::sameNamesAreToldApart()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("x")) && QDir(dir.path()).mkpath(QStringLiteral("y")));
    const QString x = dir.filePath(QStringLiteral("x/runs.db"));
    const QString y = dir.filePath(QStringLiteral("y/runs.db"));
    const RunTable all = unionRunTables({ { x, QStringLiteral("runs.db"), tableOf(x, { { id('a'), 1, {}, {}, {} } }) },
        { y, QStringLiteral("runs.db"), tableOf(y, { { id('b'), 2, {}, {}, {} } }) } });
    QCOMPARE(all.sources.at(0), QStringLiteral("runs.db (2)"));
    QCOMPARE(all.sourcePath(0), y);
    QCOMPARE(all.sources.at(1), QStringLiteral("runs.db"));
    QCOMPARE(all.sourcePath(1), x);
    QCOMPARE(matching(all, QStringLiteral("source = \"runs.db (2)\"")), QStringList { "b" });

    // A source named like two others together is still a source of its own.
    const QString a = dir.filePath(QStringLiteral("a")), b = dir.filePath(QStringLiteral("b.db")),
                  ab = dir.filePath(QStringLiteral("ab.db"));
    const RunTable joined = unionRunTables({ { a, QStringLiteral("a"), tableOf(a, { { id('a'), 1, {}, {}, {} } }) },
        { b, QStringLiteral("b.db"), tableOf(b, { { id('a'), 1, {}, {}, {} } }) },
        { ab, QStringLiteral("a, b.db"), tableOf(ab, { { id('c'), 2, {}, {}, {} } }) } });
    QCOMPARE(joined.sourcePathsOf({ id('a'), id('c') }), (QStringList { a, ab }));
    QCOMPARE(matching(joined, QStringLiteral("source = a")), QStringList { "a" });
    QCOMPARE(matching(joined, QStringLiteral("source = \"a, b.db\"")), QStringList { "c" });
}

void TestRunTableUnion::oneDatabaseTableHasNoSources()
{
    QTemporaryDir dir;
    const auto one = tableOf(dir.filePath(QStringLiteral("one.db")), { { id('a'), 1, {}, {}, {} } });
    QVERIFY(!one->spansSources());
    QVERIFY(one->sourcePath(0).isEmpty());
    QCOMPARE(matching(*one, QStringLiteral("source = one.db")), QStringList {}); // its name not given
    // Named as the sources panel names it, `source` matches all of its runs (or none).
    RunTable named = *one;
    named.soleSourceName = QStringLiteral("one.db");
    QCOMPARE(matching(named, QStringLiteral("source = one.db")), QStringList { "a" });
    QCOMPARE(matching(named, QStringLiteral("source ~ ONE")), QStringList { "a" });
    QCOMPARE(matching(named, QStringLiteral("source != one.db")), QStringList {});
    QCOMPARE(matching(named, QStringLiteral("source = other.db")), QStringList {});
    QCOMPARE(matching(named, QStringLiteral("not source = other.db")), QStringList { "a" });
    QCOMPARE(unionRunTables({}).rowCount(), size_t(0));
}

void TestRunTableUnion::aFewChangedRunsArePatchedIn()
{
    // A database's table as shown; then one run changes, one is added: reading just those two and
    // patching gives the table a whole read gives.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("p.db"));
    const auto shown = tableOf(path, { { id('a'), 1, QStringLiteral("0.1"), 0.5, {} }, { id('b'), 3, {}, 0.4, {} } });
    {
        auto store = RunStore::open(path, OpenMode::ReadWrite);
        QVERIFY(store);
        auto a = store->resolveRun(id('a'));
        QVERIFY(a);
        QVERIFY(store->logMetrics(a->rowId, { MetricPoint { QStringLiteral("loss"), 1, 0.25, 2 } }));
        QVERIFY(store->setParams(
            a->rowId, { { QStringLiteral("lr"), ParamValue { QStringLiteral("0.2"), QStringLiteral("float") } } }));
        NewRun c;
        c.uuid = id('c');
        c.project = QStringLiteral("p");
        c.name = QStringLiteral("run cccc");
        c.startTime = 2;
        c.params.insert(QStringLiteral("seed"), ParamValue { QStringLiteral("7"), QStringLiteral("int") });
        QVERIFY(store->createRun(c));
    }
    auto store = RunStore::open(path, OpenMode::ReadOnly);
    RunTableColumns only;
    only.onlyRuns = { id('a'), id('c') };
    auto fresh = loadRunTable(store->database(), only);
    QVERIFY(fresh);
    QCOMPARE(fresh->rowCount(), size_t(2));
    const auto patched = patchRunTable(shown, std::make_shared<const RunTable>(*fresh), only.onlyRuns);
    QVERIFY(patched);
    auto whole = loadRunTable(store->database());
    QVERIFY(whole);
    QCOMPARE(patched->uuids, whole->uuids); // b (3), c (2), a (1): newest first
    QVERIFY(!patched->spansSources());
    for (const QString& key : { QStringLiteral("lr"), QStringLiteral("seed") }) {
        for (size_t r = 0; r < whole->rowCount(); ++r)
            QCOMPARE(patched->param(key)->text.at(r), whole->param(key)->text.at(r));
    }
    for (size_t r = 0; r < whole->rowCount(); ++r)
        QCOMPARE(patched->metric(QStringLiteral("loss"))->values[r], whole->metric(QStringLiteral("loss"))->values[r]);
    QCOMPARE(patched->names.at(1), QStringLiteral("run cccc"));
    // A run gone from the database: only a whole read drops it.
    QVERIFY(!patchRunTable(shown, std::make_shared<const RunTable>(*fresh), { id('a'), id('z') }));
}

void TestRunTableUnion::textRanksOrderIgnoringCaseThenExactly()
{
    // Sort ranks of a text column (what sorting by name compares): case-insensitive first, then
    // exact; a value in the dictionary twice ranks once. Entries sharing a long common start, ending
    // early, holding NUL or characters beyond the BMP, in a dictionary large enough to matter.
    QStringList dict { "run-10", "run-9", "Run-9", "run-", "run-1", "run-100000", "run-1000", "RUN-1000", "run-10000",
        "run-\U0001F600", "run-\u00e9", "run-E", "run-e", "run-10", "run-9" };
    dict << QStringLiteral("run-1") + QChar(0) << QStringLiteral("run-1") + QChar(0) + QChar(u'a');
    for (int i = 0; i < 300; ++i)
        dict << QStringLiteral("run-%1").arg((i * 7919) % 1000);
    TextColumn column;
    column.dict = dict;
    column.computeSortRanks();
    QCOMPARE(column.sortRanks.size(), size_t(dict.size()));
    auto expectedLess = [](const QString& a, const QString& b) {
        const int c = QString::compare(a.toCaseFolded(), b.toCaseFolded(), Qt::CaseSensitive);
        return c != 0 ? c < 0 : QString::compare(a, b, Qt::CaseSensitive) < 0;
    };
    for (qsizetype a = 0; a < dict.size(); ++a) {
        for (qsizetype b = 0; b < dict.size(); ++b) {
            const auto ra = column.sortRanks[size_t(a)], rb = column.sortRanks[size_t(b)];
            if (dict[a] == dict[b])
                QCOMPARE(ra, rb);
            else
                QCOMPARE(ra < rb, expectedLess(dict[a], dict[b]));
        }
    }
}

QTEST_GUILESS_MAIN(TestRunTableUnion)
#include "tst_run_table_union.moc"
