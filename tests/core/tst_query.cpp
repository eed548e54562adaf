// The run filter language: what matches, and errors that point at the offending position.

#include "query/query.h"
#include "query/query_sql.h"
#include "store/lookup_indexes.h"
#include "store/run_store.h"
#include "store/run_table.h"
#include "store/run_table_rows.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <algorithm>
#include <sqlite3.h>

using namespace reprise;

class TestQuery : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void matches_data();
    void matches();
    void sqliteFindsTheSameRuns_data();
    void sqliteFindsTheSameRuns();
    void sqliteFindsTheRunsOfAProject();
    void errors_data();
    void errors();
    void columnsNamesWhatTheExpressionReads();
    void formatsErrorsWithACaret();

private:
    QTemporaryDir m_dir;
    RunTable m_table;
    double m_now = 0;
};

// Five runs with known attributes, params, metrics and tags, read back through the real store.
void TestQuery::initTestCase()
{
    auto store = RunStore::open(m_dir.filePath(QStringLiteral("q.db")), OpenMode::Create);
    QVERIFY(store);
    struct Spec {
        const char* name;
        const char* project;
        RunStatus status;
        const char* started; // UTC
        double seconds;
        QMap<QString, QString> params;
        QMap<QString, double> metrics;
        QMap<QString, QString> tags;
    };
    const QList<Spec> specs {
        { "resnet50-a", "vision", RunStatus::Finished, "2026-01-10T10:00:00", 7200,
            { { "lr", "0.001" }, { "optimizer", "adam" }, { "batch", "64" } }, { { "val_acc", 0.93 } },
            { { "team", "vision" } } },
        { "resnet18-b", "vision", RunStatus::Failed, "2025-12-20T08:00:00", 600,
            { { "lr", "0.1" }, { "optimizer", "sgd" }, { "batch", "128" } }, { { "val_acc", 0.41 } },
            { { "team", "vision" } } },
        { "bert-base", "nlp", RunStatus::Finished, "2026-02-01T00:00:00", 30,
            { { "lr", "3e-5" }, { "optimizer", "adamw" } }, { { "val_acc", 0.88 }, { "f1", 0.8 } },
            { { "team", "nlp" } } },
        { "lgbm \"quoted\"", "tabular", RunStatus::Killed, "2026-01-15T12:00:00", 4000,
            { { "lr", "fast" }, { "num_leaves", "31" } }, {}, {} },
        { "sweep-9", "vision", RunStatus::Running, "2026-03-01T00:00:00", -1, { { "lr", "0.01" } },
            { { "val_acc", 0.5 } }, { { "team", "vision" } } },
    };
    for (const Spec& spec : specs) {
        NewRun run;
        run.name = QString::fromUtf8(spec.name);
        run.project = QString::fromUtf8(spec.project);
        QDateTime start = QDateTime::fromString(QString::fromLatin1(spec.started), Qt::ISODate);
        start.setTimeZone(QTimeZone::utc());
        run.startTime = double(start.toSecsSinceEpoch());
        for (auto it = spec.params.begin(); it != spec.params.end(); ++it)
            run.params.insert(it.key(), ParamValue::infer(it.value()));
        run.tags = spec.tags;
        auto ref = store->createRun(run);
        QVERIFY(ref);
        for (auto it = spec.metrics.begin(); it != spec.metrics.end(); ++it) {
            const std::vector<qint64> steps { 1 };
            const std::vector<double> values { it.value() };
            const std::vector<double> times { run.startTime };
            QVERIFY(store->logMetric(ref->rowId, it.key(), steps, values, times));
        }
        if (spec.status != RunStatus::Running)
            QVERIFY(store->finishRun(ref->rowId, spec.status, 0, run.startTime + spec.seconds));
    }
    auto table = loadRunTable(store->database());
    QVERIFY(table);
    m_table = std::move(*table);
    // The same runs without the indexes by key (a database of an earlier version, larger than
    // what they are made for unasked): SQLite then looks each run's value up instead.
    QVERIFY(hasKeyLookupIndexes(store->database()));
    const QByteArray plain = m_dir.filePath(QStringLiteral("plain.db")).toUtf8();
    QVERIFY(store->database().exec(QByteArray("VACUUM INTO '" + plain + "'").constData()));
    sqlite3* raw = nullptr;
    QCOMPARE(sqlite3_open(plain.constData(), &raw), SQLITE_OK);
    const int dropped
        = sqlite3_exec(raw, "DROP INDEX params_by_key; DROP INDEX tags_by_key", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    QCOMPARE(dropped, SQLITE_OK);
    QDateTime now = QDateTime::fromString(QStringLiteral("2026-03-01T00:30:00"), Qt::ISODate);
    now.setTimeZone(QTimeZone::utc());
    m_now = double(now.toSecsSinceEpoch()); // sweep-9 has run for 30 minutes
}

void TestQuery::matches_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QStringList>("names"); // sorted
    const QStringList all { "bert-base", "lgbm \"quoted\"", "resnet18-b", "resnet50-a", "sweep-9" };
    QTest::newRow("empty") << "" << all;
    QTest::newRow("blank") << "   " << all;
    QTest::newRow("numeric param") << "lr < 0.01" << QStringList { "bert-base", "resnet50-a" };
    QTest::newRow("numeric equality across notations") << "lr = 1e-3" << QStringList { "resnet50-a" };
    QTest::newRow("numbers not text: 128 > 64") << "batch > 100" << QStringList { "resnet18-b" };
    QTest::newRow("text param") << "optimizer = adam" << QStringList { "resnet50-a" };
    QTest::newRow("text param in quotes") << "optimizer = 'adamw'" << QStringList { "bert-base" };
    QTest::newRow("text never orders against a number")
        << "lr > 0" << QStringList { "bert-base", "resnet18-b", "resnet50-a", "sweep-9" };
    QTest::newRow("text compares as text") << "lr = fast" << QStringList { "lgbm \"quoted\"" };
    QTest::newRow("param prefix") << "param.num_leaves >= 31" << QStringList { "lgbm \"quoted\"" };
    QTest::newRow("metric") << "metric.val_acc >= 0.9" << QStringList { "resnet50-a" };
    QTest::newRow("metric missing never matches") << "metric.f1 < 1" << QStringList { "bert-base" };
    QTest::newRow("status") << "status = finished" << QStringList { "bert-base", "resnet50-a" };
    QTest::newRow("status not") << "status != finished" << QStringList { "lgbm \"quoted\"", "resnet18-b", "sweep-9" };
    QTest::newRow("regex") << "name ~ \"resnet\"" << QStringList { "resnet18-b", "resnet50-a" };
    QTest::newRow("regex case-insensitive") << "name ~ RESNET5" << QStringList { "resnet50-a" };
    QTest::newRow("regex of plain text, any case") << "name ~ \"QUOTED\\\"\"" << QStringList { "lgbm \"quoted\"" };
    QTest::newRow("regex of plain text with a dash")
        << "name !~ \"P-9\"" << QStringList { "bert-base", "lgbm \"quoted\"", "resnet18-b", "resnet50-a" };
    QTest::newRow("regex negated") << "name !~ '^res'" << QStringList { "bert-base", "lgbm \"quoted\"", "sweep-9" };
    QTest::newRow("escaped quote") << "name = \"lgbm \\\"quoted\\\"\"" << QStringList { "lgbm \"quoted\"" };
    QTest::newRow("date") << "started > 2026-01-01"
                          << QStringList { "bert-base", "lgbm \"quoted\"", "resnet50-a", "sweep-9" };
    QTest::newRow("date and time") << "started >= 2026-01-15T12:00"
                                   << QStringList { "bert-base", "lgbm \"quoted\"", "sweep-9" };
    QTest::newRow("duration") << "duration > 1h" << QStringList { "lgbm \"quoted\"", "resnet50-a" };
    QTest::newRow("duration compound") << "duration >= 1h06m40s" << QStringList { "lgbm \"quoted\"", "resnet50-a" };
    QTest::newRow("running duration uses now") << "duration = 30m" << QStringList { "sweep-9" };
    QTest::newRow("tag") << "tag.team = vision" << QStringList { "resnet18-b", "resnet50-a", "sweep-9" };
    QTest::newRow("and") << "lr < 0.01 and status = finished and tag.team = vision" << QStringList { "resnet50-a" };
    QTest::newRow("or") << "project = nlp or project = tabular" << QStringList { "bert-base", "lgbm \"quoted\"" };
    QTest::newRow("and binds tighter than or")
        << "project = nlp or project = vision and status = failed" << QStringList { "bert-base", "resnet18-b" };
    QTest::newRow("parentheses") << "(project = nlp or project = vision) and status = finished"
                                 << QStringList { "bert-base", "resnet50-a" };
    QTest::newRow("not") << "not tag.team = vision" << QStringList { "bert-base", "lgbm \"quoted\"" };
    QTest::newRow("not not") << "NOT not status = killed" << QStringList { "lgbm \"quoted\"" };
    QTest::newRow("keywords any case") << "project = nlp OR project = tabular AND lr = fast"
                                       << QStringList { "bert-base", "lgbm \"quoted\"" };
    QTest::newRow("unknown param matches nothing") << "momentum > 0" << QStringList {};
    QTest::newRow("no spaces") << "lr<0.01" << QStringList { "bert-base", "resnet50-a" };
    QTest::newRow("double equals") << "optimizer == sgd" << QStringList { "resnet18-b" };
    QTest::newRow("exponent against decimal") << "lr <= 0.00003" << QStringList { "bert-base" };
    QTest::newRow("not a param matched by key")
        << "not lr < 0.01" << QStringList { "lgbm \"quoted\"", "resnet18-b", "sweep-9" };
    QTest::newRow("param or attribute") << "batch >= 128 or name ~ bert" << QStringList { "bert-base", "resnet18-b" };
    QTest::newRow("missing param negated")
        << "not batch > 0" << QStringList { "bert-base", "lgbm \"quoted\"", "sweep-9" };
}

void TestQuery::matches()
{
    QFETCH(QString, expression);
    QFETCH(QStringList, names);
    auto query = Query::parse(expression);
    QVERIFY2(query, qPrintable(query ? QString() : query.error().message));
    QStringList got;
    for (auto row : query->filter(m_table, m_now))
        got << m_table.names.at(size_t(row));
    got.sort();
    QCOMPARE(got, names);
}

void TestQuery::sqliteFindsTheSameRuns_data() { matches_data(); }

void TestQuery::sqliteFindsTheSameRuns()
{
    // `reprise ls --filter` lets SQLite find the runs, then filters the table of those runs: the
    // same runs as filtering every run's table, and SQLite alone already finds exactly those.
    QFETCH(QString, expression);
    QFETCH(QStringList, names);
    auto query = Query::parse(expression);
    QVERIFY(query);
    auto store = RunStore::open(m_dir.filePath(QStringLiteral("q.db")), OpenMode::ReadOnly);
    QVERIFY(store);
    auto ids = matchingRunIds(store->database(), expression, m_now, QString());
    QVERIFY2(ids, qPrintable(ids ? QString() : ids.error().message));
    QCOMPARE(qsizetype(ids->size()), names.size());
    // The same in two halves at once (as for a large database), and without the indexes by key.
    auto halves = matchingRunIds(store->database(), expression, m_now, QString(), 1);
    QVERIFY(halves);
    QCOMPARE(*halves, *ids);
    auto plain = RunStore::open(m_dir.filePath(QStringLiteral("plain.db")), OpenMode::ReadOnly);
    QVERIFY(plain);
    QVERIFY(!hasKeyLookupIndexes(plain->database()));
    for (const size_t splitFrom : { size_t(200000), size_t(1) }) {
        auto looked = matchingRunIds(plain->database(), expression, m_now, QString(), splitFrom);
        QVERIFY(looked);
        QCOMPARE(*looked, *ids);
    }
    QVERIFY(std::is_sorted(ids->begin(), ids->end()));
    // What `ls` prints, in one pass: the same runs, newest first, with the values the filter reads.
    for (const size_t splitFrom : { size_t(200000), size_t(1) }) {
        auto listed = listMatchingRuns(store->database(), expression, m_now, QString(), query->columns().params,
            query->columns().metrics, splitFrom);
        QVERIFY2(listed, qPrintable(listed ? QString() : listed.error().message));
        QStringList listedNames;
        for (size_t i = 0; i < listed->size(); ++i) {
            const ListedRun& run = (*listed)[i];
            listedNames << QString::fromStdString(run.name);
            if (i > 0)
                QVERIFY((*listed)[i - 1].startTime >= run.startTime);
            const auto row = std::find(m_table.uuids.begin(), m_table.uuids.end(), QString::fromStdString(run.id));
            QVERIFY(row != m_table.uuids.end());
            const size_t r = size_t(row - m_table.uuids.begin());
            QCOMPARE(QString::fromStdString(run.status), m_table.statuses.at(r));
            QCOMPARE(QString::fromStdString(run.project), m_table.projects.at(r));
            for (qsizetype k = 0; k < query->columns().params.size(); ++k) {
                const ValueColumn* c = m_table.param(query->columns().params[k]);
                QCOMPARE(run.params[size_t(k)].has_value(), c && c->text.has(r));
                if (run.params[size_t(k)])
                    QCOMPARE(QString::fromStdString(*run.params[size_t(k)]), c->text.at(r));
            }
            for (qsizetype k = 0; k < query->columns().metrics.size(); ++k) {
                const NumberColumn* c = m_table.metric(query->columns().metrics[k]);
                QCOMPARE(run.metrics[size_t(k)].has_value(), c && c->present[r] != 0);
                if (run.metrics[size_t(k)])
                    QCOMPARE(*run.metrics[size_t(k)], c->values[r]);
            }
        }
        listedNames.sort();
        QCOMPARE(listedNames, names);
    }
    auto table = loadRunTableRows(store->database(), query->columns(), *ids);
    QVERIFY(table);
    QCOMPARE(table->rowCount(), ids->size());
    QStringList got;
    for (auto row : query->filter(*table, m_now))
        got << table->names.at(size_t(row));
    got.sort();
    QCOMPARE(got, names);
    // Newest first, as the whole table.
    for (size_t r = 1; r < table->rowCount(); ++r)
        QVERIFY(table->startTimes[r - 1] >= table->startTimes[r]);
}

void TestQuery::sqliteFindsTheRunsOfAProject()
{
    auto store = RunStore::open(m_dir.filePath(QStringLiteral("q.db")), OpenMode::ReadOnly);
    QVERIFY(store);
    auto ids = matchingRunIds(store->database(), QStringLiteral("lr < 1"), m_now, QStringLiteral("vision"));
    QVERIFY(ids);
    QCOMPARE(ids->size(), size_t(3)); // resnet50-a, resnet18-b, sweep-9
    auto none = matchingRunIds(store->database(), QString(), m_now, QStringLiteral("no such project"));
    QVERIFY(none);
    QVERIFY(none->empty());
    auto bad = matchingRunIds(store->database(), QStringLiteral("lr <"), m_now, QString());
    QVERIFY(!bad);
    QVERIFY(bad.error().message.contains(QStringLiteral("expected a value")));
}

void TestQuery::errors_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<int>("position");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("hint");
    QTest::newRow("missing value") << "lr <" << 4 << "expected a value after '<'"
                                   << "lr < 0.01";
    QTest::newRow("missing operator") << "lr 0.01" << 3 << "expected an operator after 'lr'"
                                      << "operators";
    QTest::newRow("dangling and") << "lr < 1 and" << 10 << "expected a condition"
                                  << "e.g.";
    QTest::newRow("leading and") << "and lr < 1" << 0 << "expected a field name"
                                 << "FIELD OP VALUE";
    QTest::newRow("unclosed paren") << "(lr < 1" << 7 << "missing ')'"
                                    << "column 1";
    QTest::newRow("extra paren") << "lr < 1)" << 6 << "unexpected ')'"
                                 << "matching";
    QTest::newRow("missing join") << "lr < 1 status = failed" << 7 << "unexpected 'status'"
                                  << "'and' or 'or'";
    QTest::newRow("unterminated string") << "name = \"abc" << 7 << "unterminated string"
                                         << "close it";
    QTest::newRow("bang alone") << "lr ! 1" << 3 << "unknown operator '!'"
                                << "!=";
    QTest::newRow("bad date") << "started > 2026-13-45" << 10 << "not a valid date"
                              << "YYYY-MM-DD";
    QTest::newRow("date expected") << "started > yesterday" << 10 << "is not a date"
                                   << "YYYY-MM-DD";
    QTest::newRow("duration expected") << "duration > long" << 11 << "is not a duration"
                                       << "1h30m";
    QTest::newRow("metric needs a number") << "metric.acc > high" << 13 << "is not a number"
                                           << "metric.val_acc";
    QTest::newRow("regex on a number") << "metric.acc ~ 9" << 13 << "matches text"
                                       << "compare numbers";
    QTest::newRow("bad regex") << "name ~ \"(\"" << 7 << "invalid regular expression"
                               << "escape";
    QTest::newRow("unknown status") << "status = finised" << 9 << "unknown status 'finised'"
                                    << "running, finished";
    QTest::newRow("prefix without key") << "metric. > 1" << 0 << "needs a key"
                                        << "metric.NAME";
    QTest::newRow("keyword as value") << "name = and" << 7 << "found 'and'"
                                      << "quote it";
}

void TestQuery::errors()
{
    QFETCH(QString, expression);
    QFETCH(int, position);
    QFETCH(QString, message);
    QFETCH(QString, hint);
    auto query = Query::parse(expression);
    QVERIFY(!query);
    QVERIFY2(query.error().message.contains(message), qPrintable(query.error().message));
    QVERIFY2(query.error().hint.contains(hint), qPrintable(query.error().hint));
    QCOMPARE(query.error().position, qsizetype(position));
    QVERIFY(query.error().message.contains(QStringLiteral("column %1").arg(position + 1)));
}

void TestQuery::columnsNamesWhatTheExpressionReads()
{
    auto query = Query::parse(
        QStringLiteral("lr < 1 and metric.acc > 0.5 or tag.team = x or param.lr = 2 or status = failed"));
    QVERIFY(query);
    const RunTableColumns c = query->columns();
    QVERIFY(!c.allParams && !c.allMetrics && !c.allTags);
    QCOMPARE(c.params, QStringList { QStringLiteral("lr") });
    QCOMPARE(c.metrics, QStringList { QStringLiteral("acc") });
    QCOMPARE(c.tags, QStringList { QStringLiteral("team") });
}

void TestQuery::formatsErrorsWithACaret()
{
    const QString text = QStringLiteral("lr <");
    auto query = Query::parse(text);
    QVERIFY(!query);
    const QStringList lines = formatQueryError(text, query.error()).split(u'\n');
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines[1], QStringLiteral("  lr <"));
    QCOMPARE(lines[2], QStringLiteral("      ^"));
    QVERIFY(lines[3].startsWith(QStringLiteral("hint: ")));
}

QTEST_GUILESS_MAIN(TestQuery)
#include "tst_query.moc"
